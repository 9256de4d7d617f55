"""The route class every API router uses: commit where the work was done.

A synchronous endpoint runs in a worker thread. Committing there, as soon as it
returns, keeps a writing transaction (and on SQLite the database's write lock) as
short as the work itself; committing in the session dependency's exit would first
wait for the event loop to schedule another thread hop. The dependency still closes
the session, and rolls back whatever an error left uncommitted.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session) and value.in_transaction():
                value.commit()
        return result

    return run


class CommittingRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)
