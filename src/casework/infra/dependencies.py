"""Request-scoped dependencies: the database session and the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from casework.config import Settings
from casework.infra.db import WRITE_METHODS, Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def session_dependency(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed by the route as soon as its endpoint
    returns (see casework.infra.routing) and rolled back here if anything raised.

    async, though the session is synchronous: opening one touches no database, and by
    the time this resumes the endpoint has committed, so closing only hands the
    connection back. That saves two worker-thread hops on every request.
    """
    session = get_database(request).session(write=request.method in WRITE_METHODS)
    try:
        yield session
        if session.in_transaction():
            await run_in_threadpool(session.commit)
    except BaseException:
        await run_in_threadpool(session.rollback)
        raise
    finally:
        session.close()


async def read_session_dependency(request: Request) -> AsyncIterator[Session]:
    """For requests that only read, whatever their method (a screening is a POST)."""
    session = get_database(request).session(write=False)
    try:
        yield session
    finally:
        session.close()


DbSession = Annotated[Session, Depends(session_dependency, scope="function")]
ReadSession = Annotated[Session, Depends(read_session_dependency, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
