"""Request-scoped dependencies: the database session and the settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from casework.config import Settings
from casework.db import WRITE_METHODS, Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def session_dependency(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent."""
    session = get_database(request).session(write=request.method in WRITE_METHODS)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(session_dependency, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
