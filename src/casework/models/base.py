"""Declarative base, naming convention and the column types shared by all models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Enum,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from casework.infra.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A NUMERIC(precision, scale) that stays exact on SQLite too.

    SQLite has no decimal type: a NUMERIC column turns 0.1 into a binary float. There
    the value is bound as an integer count of the smallest unit (10**-scale), which
    SQLite stores exactly in its NUMERIC column and still compares and sorts as a
    number; PostgreSQL gets the Decimal as it is. Values must fit the scale (callers
    quantize) and, on SQLite, a signed 64-bit integer.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale)
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | int | None:
        if value is None or dialect.name != "sqlite":
            return value
        units = Decimal(value).scaleb(self.scale)
        if units != units.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(units)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value)


E = TypeVar("E", bound=IntEnum)


class IntEnumType(TypeDecorator[E]):
    """An IntEnum stored as a small integer (so it sorts and indexes as a number)."""

    impl = SmallInteger
    cache_ok = True

    def __init__(self, enum_class: type[E]) -> None:
        super().__init__()
        self.enum_class = enum_class

    def process_bind_param(self, value: E | int | None, dialect: Dialect) -> int | None:
        return None if value is None else int(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_class(value)


def str_enum(enum_class: type[StrEnum]) -> Enum:
    """A StrEnum stored by value in a VARCHAR (no native database enum to migrate)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=40,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


JSONType = JSON().with_variant(JSONB(), "postgresql")


# How far this thread's clock is set back (see ``clock_at``).
_SET_BACK: ContextVar[timedelta] = ContextVar("casework_clock_set_back", default=timedelta(0))


def utcnow() -> datetime:
    return datetime.now(UTC) - _SET_BACK.get()


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Within the block, ``utcnow`` starts at the past ``moment`` and runs on from there.

    The demo replays weeks of casework in a few seconds: each step runs at its own past
    time, so rows and the audit events about them agree on when it happened.
    """
    token = _SET_BACK.set(datetime.now(UTC) - moment)
    try:
        yield
    finally:
        _SET_BACK.reset(token)


def id_column() -> Mapped[str]:
    return mapped_column(String(24), primary_key=True, default=new_id)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
        list[str]: JSONType,
    }


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
