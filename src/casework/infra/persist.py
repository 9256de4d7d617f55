"""Writing many rows with plain statements.

The unit of work is general, and for a new case with its checklist it spends more
time working out what to write than writing it. On the busiest write paths the rows
are built from the new objects here and inserted with one statement per table; the
objects then join the session as if they had been loaded, so responses and later
changes use them as usual. Batches of thousands of rows take the driver's own bulk
path (``insert_rows``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Table, insert, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapper, Session, make_transient_to_detached
from sqlalchemy.orm.interfaces import MANYTOONE

T = TypeVar("T")
# Bound on the values of one IN (...) list: SQLite's default limit is far above it and
# PostgreSQL plans shorter lists faster.
IN_CHUNK = 1000


def in_chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``values`` a slice at a time, for IN lists."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_or_ignore(session: Session, model: Any) -> Any:
    """An INSERT on ``model`` that takes ``on_conflict_do_nothing`` on either backend."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same keys) into ``table``: COPY on PostgreSQL,
    one executemany on SQLite.

    Each value goes through its column's type as a Core INSERT would bind it, but the
    statement machinery a Core INSERT runs per row (a third of the cost of ingesting a
    batch of transactions) is skipped, and COPY spares PostgreSQL a parse per row. A
    duplicate key raises IntegrityError, as an INSERT would.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
    ]
    values = [
        tuple(row[name] if process is None else process(row[name]) for name, process in processors)
        for row in rows
    ]
    quote = dialect.identifier_preparer
    target = f"{quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)})"
    if dialect.name == "postgresql":
        _copy(connection, f"COPY {target} FROM STDIN", values)
    else:
        marks = ", ".join("?" * len(names))
        # The names are the table's own columns, quoted; the values are parameters.
        connection.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", values)  # noqa: S608


def _copy(connection: Connection, statement: str, values: list[tuple[Any, ...]]) -> None:
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for value in values:
                copy.write_row(value)
    except connection.dialect.loaded_dbapi.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from exc
    finally:
        cursor.close()


def insert_new(session: Session, *groups: Sequence[Any]) -> None:
    """Insert each group of new objects of one class, in the order given (parents
    first), then make them persistent in ``session`` without a flush."""
    connection = session.connection()
    for objects in groups:
        if objects:
            mapper: Mapper[Any] = inspect(objects[0]).mapper
            rows = [_row(mapper, obj) for obj in objects]
            connection.execute(insert(cast(Table, mapper.local_table)), rows)
    for objects in groups:
        for obj in objects:
            make_transient_to_detached(obj)
    session.add_all([obj for objects in groups for obj in objects])


def _row(mapper: Mapper[Any], obj: Any) -> dict[str, Any]:
    """Every column of ``obj``, set on the object too where a default supplied it."""
    state = obj.__dict__
    for relationship in mapper.relationships:
        target = state.get(relationship.key)
        if relationship.direction is MANYTOONE and target is not None:
            for local, remote in relationship.local_remote_pairs:
                setattr(obj, str(local.key), getattr(target, str(remote.key)))
    row: dict[str, Any] = {}
    for prop in mapper.column_attrs:
        if prop.key not in state:
            default = prop.columns[0].default
            value = None
            if default is not None and default.is_callable:
                value = default.arg(None)
            elif default is not None and default.is_scalar:
                value = default.arg
            setattr(obj, prop.key, value)
        row[prop.columns[0].key] = state[prop.key]
    return row
