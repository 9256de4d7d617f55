"""Route dependencies that let a caller through only if they hold a permission.

Every family of routes (/v1, each vendor dialect, the console) resolves its caller in
its own way and words its refusal in its own way; the check between is this one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends

from casework.auth.permissions import Permission
from casework.infra.errors import PermissionDenied


def permission_gate(caller: Callable[..., Any], permission: Permission, refusal: str) -> Any:
    """A dependency (for ``Annotated[..., here]``) giving what ``caller`` resolves to,
    which must have ``can(permission)``; without the permission, PermissionDenied
    with ``refusal`` as its detail."""

    # async: a pure check, so it runs on the event loop instead of costing a thread hop.
    # The caller is a default rather than an annotation: annotations are read later, by
    # name, where this closure's variables are out of reach.
    async def dependency(who: Any = Depends(caller)) -> Any:
        if not who.can(permission):
            raise PermissionDenied(refusal)
        return who

    dependency.permission = permission  # type: ignore[attr-defined]
    return Depends(dependency)
