"""Engine and sessions.

The request (or job) boundary owns the transaction: ``session_dependency`` commits
when the endpoint returns and rolls back when it raises. On SQLite, writing requests
take the database's write lock at BEGIN (``BEGIN IMMEDIATE``) so that two writers
queue on ``busy_timeout`` instead of failing when a read lock cannot be upgraded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from casework.config import Settings

_IMMEDIATE = "casework_sqlite_immediate"
_HOLDS_LOCK = "casework_holds_write_lock"
_DATABASE = "casework_database"
_SETTINGS = "casework_settings"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class JobSink(Protocol):
    """Whoever runs background jobs for this process (see casework.infra.jobs)."""

    def defer(self, name: str, kwargs: dict[str, Any]) -> None: ...


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


class Database:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.jobs: JobSink | None = None
        url = settings.resolved_database_url
        self.is_sqlite = url.startswith("sqlite")
        # Parameters may hold password hashes or token digests: keep them out of error text.
        kwargs: dict[str, Any] = {
            "echo": settings.database_echo,
            "hide_parameters": True,
            "json_serializer": _json_dumps,
            "json_deserializer": orjson.loads,
        }
        if self.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if ":memory:" in url:
                kwargs["poolclass"] = NullPool
        else:
            # No pre-ping: it would cost a round trip on every checkout. Connections are
            # recycled instead, and one broken by a server restart is dropped on its error.
            kwargs.update(pool_size=20, max_overflow=20, pool_recycle=1800)
            # psycopg prepares a statement run five times, and PostgreSQL may then keep a
            # generic plan made while a table was small: a seq scan that stays after the
            # table has grown (a batch's 2,000-id look-up took seconds). Each execution is
            # planned for its own values instead.
            kwargs["connect_args"] = {"options": "-c plan_cache_mode=force_custom_plan"}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._reader = sessionmaker(self.engine, expire_on_commit=False, info={_SETTINGS: settings})
        # One read needs no transaction around it. On PostgreSQL a small pool of
        # connections kept in autocommit saves BEGIN and ROLLBACK on every request's
        # authentication; SQLite reads are local calls either way.
        self._lookup_engine: Engine | None = None
        lookup_bind = self.engine
        if not self.is_sqlite:
            self._lookup_engine = create_engine(
                url,
                **{**kwargs, "pool_size": 10, "max_overflow": 10},
                isolation_level="AUTOCOMMIT",
            )
            lookup_bind = self._lookup_engine
        self._lookups = sessionmaker(lookup_bind, expire_on_commit=False)
        writer_engine = (
            self.engine.execution_options(**{_IMMEDIATE: True}) if self.is_sqlite else self.engine
        )
        self._writer = sessionmaker(
            writer_engine, expire_on_commit=False, info={_DATABASE: self, _SETTINGS: settings}
        )

    @staticmethod
    def of(session: Session) -> Database | None:
        """The database a session came from (None for sessions made elsewhere)."""
        database = session.info.get(_DATABASE)
        return database if isinstance(database, Database) else None

    @staticmethod
    def settings_of(session: Session) -> Settings | None:
        """The settings of the database a session (reading or writing) came from."""
        settings = session.info.get(_SETTINGS)
        return settings if isinstance(settings, Settings) else None

    def session(self, *, write: bool = True) -> Session:
        return (self._writer if write else self._reader)()

    @contextmanager
    def lookup(self) -> Iterator[Session]:
        """A session for one read outside the request's own transaction."""
        session = self._lookups()
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work outside a request: commits on success, rolls back on error."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def autocommit(self) -> Iterator[Connection | None]:
        """A connection whose statements commit at once, or None on SQLite.

        SQLite has one writer at a time: a second connection could not write while a
        request's transaction holds the lock, so callers fall back to that transaction.
        """
        if self._lookup_engine is None:
            yield None
            return
        with self._lookup_engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()
        if self._lookup_engine is not None:
            self._lookup_engine.dispose()


@contextmanager
def reads_before_writing(session: Session) -> Iterator[Session]:
    """For a write prepared by long reads and computation (a batch of 10,000
    transactions): on SQLite a separate reading session, so that the database's one
    write lock is taken only when the writing starts; elsewhere ``session`` itself,
    which locks nothing by reading. What is read this way can change before the write:
    the write must catch that (a unique key does)."""
    database = Database.of(session)
    if database is None or not database.is_sqlite or session.in_transaction():
        yield session
        return
    reader = database.session(write=False)
    try:
        yield reader
    finally:
        reader.close()


def _configure_sqlite(engine: Engine) -> None:
    # One writer at a time, queued in this process: waiting threads are woken in turn as
    # the lock frees, instead of polling SQLite's busy handler (which sleeps, and lets an
    # unlucky writer lose again and again). Other processes still meet busy_timeout.
    write_lock = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so it can choose IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Inserts land all over the transaction indexes: with SQLite's default 2 MB
        # page cache a batch re-reads most pages it touches. The cache is per
        # connection and grows only as used; the map is the operating system's cache.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA mmap_size=1073741824")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(_IMMEDIATE, False):
            write_lock.acquire()
            conn.info[_HOLDS_LOCK] = True
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(conn)
                raise
        else:
            conn.exec_driver_sql("BEGIN")

    def _release(conn: Any) -> None:
        if conn.info.pop(_HOLDS_LOCK, False):
            write_lock.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
