"""Shareholder registers: an uploaded CSV read into an ownership structure.

One row per holding. Rows are numbered as a spreadsheet shows them (the header is row 1),
so that every error points at the cell to fix. ``nominee`` describes the owner (it holds
for someone else); ``bearer_shares`` describes the owned entity (it has issued bearer
shares). An owner whose type is not given is a company when the register lists its own
owners and ``other`` when it does not, so that no company is ever taken for a person.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import get_args

from anyascii import anyascii

from casework.checks.runners.ownership import (
    MAX_ENTITIES,
    MAX_OWNERSHIPS,
    EntityType,
    OwnershipStructure,
    parse_structure,
)
from casework.infra.errors import FieldError, ValidationFailed
from casework.infra.validation import country_alpha3

COLUMNS = (
    "owner_id",
    "owner_name",
    "owner_type",
    "owner_country",
    "owned_id",
    "owned_name",
    "owned_type",
    "owned_country",
    "percentage",
    "control",
    "nominee",
    "bearer_shares",
)
REQUIRED = ("owner_name", "owned_name", "percentage")
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_TYPES: tuple[str, ...] = get_args(EntityType)
_MAX_ERRORS = 20
_MAX_ID = 100
_MAX_NAME = 300


class _TooManyErrors(Exception):
    pass


@dataclass
class _Entity:
    id: str
    name: str
    row: int  # where it first appears, for conflict messages
    type: str | None = None
    country: str | None = None
    nominee: bool = False
    bearer_shares: bool = False
    owned: bool = False
    owns: bool = False


@dataclass
class _Register:
    entities: dict[str, _Entity] = field(default_factory=dict)
    holdings: dict[tuple[str, str], int] = field(default_factory=dict)  # (owner, owned) -> row
    ownerships: list[dict[str, object]] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    def error(self, row: int, column: str | None, message: str) -> None:
        self.errors.append(FieldError(f"row {row}, {column}" if column else f"row {row}", message))
        if len(self.errors) >= _MAX_ERRORS:
            raise _TooManyErrors


def parse_register(text: str, *, subject_name: str | None = None) -> OwnershipStructure:
    """Read a register. The subject is the entity named ``subject_name``, or else the one
    entity that is owned and owns nothing. Errors name the row and column."""
    register = _Register()
    subject: str | None = None
    try:
        _read(register, text.removeprefix("\ufeff"))
        if not register.errors:
            _settle_types(register)
        if not register.errors:
            subject = _subject(register, subject_name)
    except _TooManyErrors:
        pass
    if register.errors:
        listed = "; ".join(f"{e.field}: {e.message}" for e in register.errors[:3])
        raise ValidationFailed(f"Shareholder register: {listed}", errors=register.errors)
    entities = [
        {
            "id": e.id,
            "name": e.name,
            "type": e.type,
            "country": e.country,
            "nominee": e.nominee,
            "bearer_shares": e.bearer_shares,
        }
        for e in register.entities.values()
    ]
    return parse_structure(
        {"subject": subject, "entities": entities, "ownerships": register.ownerships}
    )


def _read(register: _Register, text: str) -> None:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)  # spreadsheets export with any of these
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            register.error(1, None, "the file is empty")
            return
        columns = _columns(register, header)
        if register.errors:
            return
        for row_number, cells in enumerate(reader, start=2):
            if any(cell.strip() for cell in cells[len(columns) :]):
                register.error(row_number, None, f"more values than the {len(columns)} columns")
            elif any(cell.strip() for cell in cells):
                if len(register.ownerships) == MAX_OWNERSHIPS:
                    register.error(row_number, None, f"more than {MAX_OWNERSHIPS} holdings")
                    return
                _row(register, row_number, dict(zip(columns, cells, strict=False)))
    except csv.Error as exc:
        register.error(reader.line_num, None, f"not readable as CSV ({exc})")


def _columns(register: _Register, header: list[str]) -> list[str]:
    columns = ["_".join(cell.lower().split()) for cell in header]
    for i, name in enumerate(columns):
        if not name:
            continue  # spreadsheets export stray empty columns; their cells are ignored
        if name not in COLUMNS:
            register.error(1, None, f"unknown column {header[i].strip()!r}")
        elif name in columns[:i]:
            register.error(1, None, f"column {name!r} appears twice")
    for name in REQUIRED:
        if name not in columns:
            register.error(1, None, f"missing column {name!r}")
    return columns


def _row(register: _Register, row: int, cells: dict[str, str]) -> None:
    value = {name: cells.get(name, "").strip() for name in COLUMNS}
    errors_before = len(register.errors)
    percentage = _percentage(register, row, value["percentage"])
    flags = {}
    for column in ("control", "nominee", "bearer_shares"):
        flag = _BOOLEANS.get(value[column].lower()) if value[column] else False
        if flag is None:
            register.error(row, column, "must be true/false, yes/no, 1/0 or empty")
        flags[column] = bool(flag)
    owner = _entity(register, row, "owner", value)
    owned = _entity(register, row, "owned", value)
    if owner is None or owned is None or len(register.errors) > errors_before:
        return
    if owner.id == owned.id:
        register.error(row, "owned_name", "an entity cannot own itself")
        return
    earlier = register.holdings.setdefault((owner.id, owned.id), row)
    if earlier != row:
        register.error(row, None, f"{owner.name} already holds {owned.name} in row {earlier}")
        return
    owner.owns = owned.owned = True
    owner.nominee |= flags["nominee"]
    owned.bearer_shares |= flags["bearer_shares"]
    register.ownerships.append(
        {
            "owner": owner.id,
            "owned": owned.id,
            "percentage": percentage,
            "control": flags["control"],
        }
    )


def _percentage(register: _Register, row: int, text: str) -> float | None:
    if not text:
        return None
    try:
        number = Decimal(text.removesuffix("%").strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        register.error(row, "percentage", "not a number")
    elif not 0 <= number <= 100:
        register.error(row, "percentage", "must be between 0 and 100")
    else:
        return float(number)
    return None


def _entity(register: _Register, row: int, side: str, value: dict[str, str]) -> _Entity | None:
    """The row's owner or owned entity, merged with what earlier rows said about it."""
    name, kind, country = (value[f"{side}_{c}"] for c in ("name", "type", "country"))
    entity_id = value[f"{side}_id"] or _slug(name)
    kind = kind.lower()
    before = len(register.errors)
    if not name:
        register.error(row, f"{side}_name", "required")
    elif len(name) > _MAX_NAME:
        register.error(row, f"{side}_name", f"longer than {_MAX_NAME} characters")
    elif not entity_id:
        register.error(row, f"{side}_id", "required, as no id can be made from the name")
    if len(entity_id) > _MAX_ID:
        register.error(row, f"{side}_id", f"longer than {_MAX_ID} characters")
    if kind and kind not in _TYPES:
        register.error(row, f"{side}_type", f"must be one of {', '.join(_TYPES)}")
    if country:
        try:
            country = country_alpha3(country)
        except ValueError as exc:
            register.error(row, f"{side}_country", str(exc))
    if len(register.errors) > before:
        return None
    entity = register.entities.get(entity_id)
    if entity is None:
        if len(register.entities) == MAX_ENTITIES:
            register.error(row, f"{side}_name", f"more than {MAX_ENTITIES} entities")
            return None
        entity = register.entities[entity_id] = _Entity(entity_id, name, row)
    if entity.name != name:
        message = f"{name!r} has the id {entity_id!r} of {entity.name!r} (row {entity.row})"
        register.error(row, f"{side}_name", message)
    elif kind and entity.type and kind != entity.type:
        register.error(row, f"{side}_type", f"{kind!r}, but an earlier row gave {entity.type!r}")
    elif country and entity.country and country != entity.country:
        message = f"{country!r}, but an earlier row gave {entity.country!r}"
        register.error(row, f"{side}_country", message)
    else:
        entity.type = entity.type or kind or None
        entity.country = entity.country or country or None
        return entity
    return None


def _settle_types(register: _Register) -> None:
    for entity in register.entities.values():
        entity.type = entity.type or ("company" if entity.owned else "other")
    for (_, owned), row in register.holdings.items():
        if register.entities[owned].type == "person":
            register.error(row, "owned_type", "a person cannot be owned")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", anyascii(name).lower()).strip("-")[:_MAX_ID]


def _subject(register: _Register, subject_name: str | None) -> str | None:
    if not register.ownerships:
        register.error(1, None, "the register lists no holdings")
        return None
    entities = register.entities.values()
    if subject_name is not None:
        wanted = subject_name.strip().casefold()
        found = [e for e in entities if e.name.casefold() == wanted]
        problem = f"{len(found)} entities in the register have this name"
    else:
        found = [e for e in entities if e.owned and not e.owns]
        names = ", ".join(e.name for e in found) or "none"
        problem = f"give the subject's name: owned without owning anything: {names}"
    if len(found) != 1:
        register.errors.append(FieldError("subject_name", problem))
        return None
    return found[0].id
