"""Small helpers every importer uses when it assembles an entity."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from casework.screening.entity import Entity, Identifier

T = TypeVar("T")


def add_unique(values: list[T], value: T | None) -> None:
    """Append a value that is set and not there yet, keeping the publisher's order."""
    if value and value not in values:
        values.append(value)


def add_identifier(entity: Entity, identifier: Identifier) -> None:
    """Add an identifier, or merge its note into the one already there with the same kind,
    value and country (the UN repeats a passport under its French and Spanish labels)."""
    for i, known in enumerate(entity.identifiers):
        if (known.kind, known.value, known.country) == (
            identifier.kind,
            identifier.value,
            identifier.country,
        ):
            notes = [n for n in (known.note or "").split("; ") if n]
            notes += [n for n in (identifier.note or "").split("; ") if n and n not in notes]
            entity.identifiers[i] = replace(known, note="; ".join(notes) or None)
            return
    entity.identifiers.append(identifier)


_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def publication_time(text: str | None) -> datetime | None:
    """When a publisher says it issued a file, as an aware UTC datetime.

    Reads ISO 8601 (``2026-02-27T00:00:09.554Z``, ``2024-05-02``) and the day-first
    ``dd/mm/yyyy [HH:MM[:SS]]`` of UK publications; a time without a zone is taken as
    UTC, a date alone as its midnight UTC. None when the text is none of these.
    """
    text = (text or "").strip()
    if not text:
        return None
    day_first = _DAY_FIRST.match(text)
    try:
        if day_first:
            day, month, year, hour, minute, second = (
                int(g) if g else 0 for g in day_first.groups()
            )
            moment = datetime(year, month, day, hour, minute, second)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def latest(times: Iterable[datetime | None]) -> datetime | None:
    """The most recent of the times given, None when none is known."""
    return max((t for t in times if t is not None), default=None)
