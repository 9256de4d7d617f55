"""Small helpers every importer uses when it assembles an entity."""

from __future__ import annotations

from dataclasses import replace
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
