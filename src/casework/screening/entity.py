"""The one entity model every list format is imported into.

Importers turn a publisher's records into ``Entity`` values; the store versions them,
and the matcher indexes them. Values are plain and JSON-friendly so an entity can be
stored as a document and hashed to detect changes between list versions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Schema(StrEnum):
    person = "Person"
    company = "Company"
    organization = "Organization"
    vessel = "Vessel"
    aircraft = "Aircraft"
    legal_entity = "LegalEntity"


class NameKind(StrEnum):
    primary = "primary"
    aka = "aka"  # also known as
    fka = "fka"  # formerly known as
    weak = "weak"  # a "weak" or low-quality alias: shown, but not matched on alone


@dataclass(frozen=True)
class Name:
    value: str
    kind: NameKind = NameKind.primary
    # Parts when the publisher gives them; the full value is always filled.
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    script: str | None = None  # e.g. "Cyrillic" when the publisher says so
    lang: str | None = None


@dataclass(frozen=True)
class Identifier:
    kind: str  # passport, national_id, imo, registration, tax_id, crypto_wallet, swift_bic, ...
    value: str
    country: str | None = None  # ISO 3166-1 alpha-3 when known
    note: str | None = None


@dataclass
class Entity:
    """One listed party, as one publisher's record describes it."""

    key: str  # the publisher's own id, stable across versions (e.g. OFAC ent_num)
    schema: Schema
    names: list[Name]
    birth_dates: list[str] = field(default_factory=list)  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    birth_places: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO alpha-3: residence, jurisdiction
    nationalities: list[str] = field(default_factory=list)  # ISO alpha-3
    gender: str | None = None  # "male" / "female"
    identifiers: list[Identifier] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)  # sanction programmes, e.g. SDGT
    topics: list[str] = field(default_factory=list)  # sanction, role.pep, crime, debarment...
    listed_on: str | None = None  # date the publisher listed it, if known
    notes: list[str] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)  # the record as published

    @property
    def caption(self) -> str:
        primary = [n for n in self.names if n.kind == NameKind.primary]
        return (primary or self.names)[0].value if self.names else self.key

    def to_document(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Entity:
        values = dict(doc)
        values["schema"] = Schema(values["schema"])
        values["names"] = [Name(**{**n, "kind": NameKind(n["kind"])}) for n in values["names"]]
        values["identifiers"] = [Identifier(**i) for i in values["identifiers"]]
        return cls(**values)

    def content_hash(self) -> str:
        """Changes when anything the publisher says about the entity changes."""
        raw = json.dumps(self.to_document(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A record an importer could not turn into an entity, and why.

    ``where`` says which record (file, line or element, and its id when it has one);
    ``reason`` says why in words shared by every record skipped for that cause, so that
    an import's skips can be counted by reason."""

    where: str
    reason: str


class ImportFormatError(Exception):
    """The input is not in the format it claims to be; names the file and the place."""

    def __init__(self, path: str, where: str, message: str) -> None:
        super().__init__(f"{path}: {where}: {message}")
        self.path = path
        self.where = where
        self.message = message
