"""Country risk by date: the shipped FATF and EU lists, and a tenant's overrides on top of them.

The table (``data/country_risk.json``) holds each list as dated versions. A version applies from
its ``effective_from`` until the next version of the same list, so a check run for a past date is
answered from the lists as they stood then, and a rerun gives the same answer.

A tenant may disagree with the published lists. An :class:`Override` says "from this date to that
date, we rate country X at risk R" and/or "we count X as on (or off) list L". The overrides are
plain, JSON-serialisable values so they can be stored and sent over an API as they are;
:func:`with_overrides` combines them with the table into a :class:`CountryRiskView`, which
answers the same questions as the table with the overrides applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib import resources
from itertools import pairwise

import pycountry
from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from casework.infra.strict import StrictModel
from casework.infra.validation import country_alpha3

# The list id of the listing an override creates when it rates a country that no list names:
# the answer then still says where the risk comes from.
TENANT_LIST_ID = "tenant"
# A tenant may put a country on a list of its own naming without giving a risk; such a list
# counts as moderate rather than as no risk, since the tenant listed the country on purpose.
TENANT_LIST_DEFAULT_RISK = 0.5

_LIST_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _strict_alpha3(value: str) -> str:
    """A real ISO 3166-1 alpha-3 code written exactly as stored: uppercase, no spaces."""
    code = country_alpha3(value)
    if code != value:
        raise ValueError(f"must be written in uppercase without spaces, as {code}")
    return code


def _list_id(value: str) -> str:
    if not _LIST_ID.match(value):
        raise ValueError(
            "list ids are 1-63 lowercase letters, digits or underscores, starting with a letter"
        )
    return value


def normalise_country(value: str) -> str | None:
    """The alpha-3 code for an alpha-3, alpha-2 or numeric ISO 3166-1 code; None if it is none."""
    code = value.strip().upper()
    if len(code) == 3 and code.isalpha():
        country = pycountry.countries.get(alpha_3=code)
    elif len(code) == 2 and code.isalpha():
        country = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3 and code.isdigit():
        country = pycountry.countries.get(numeric=code)
    else:
        return None
    return None if country is None else str(country.alpha_3)


class _Frozen(StrictModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ListVersion(_Frozen):
    """One publication of a list: the countries on it from ``effective_from`` on."""

    effective_from: date
    source: str = Field(min_length=1)
    countries: tuple[str, ...]

    @field_validator("countries")
    @classmethod
    def _codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            _strict_alpha3(code)
        if len(set(value)) != len(value):
            raise ValueError("lists a country twice")
        return value


class RiskList(_Frozen):
    id: str
    title: str = Field(min_length=1)
    label: str = Field(min_length=1)  # the short name reasoning lines use
    risk: float = Field(ge=0.0, le=1.0)
    versions: tuple[ListVersion, ...] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _list_id(value)

    @field_validator("versions")
    @classmethod
    def _ordered(cls, value: tuple[ListVersion, ...]) -> tuple[ListVersion, ...]:
        dates = [version.effective_from for version in value]
        if any(later <= earlier for earlier, later in pairwise(dates)):
            raise ValueError("versions must be in increasing order of effective_from")
        return value

    def version_index(self, on: date) -> int | None:
        """The position of the version in force on ``on``; None before the first one."""
        for index in range(len(self.versions) - 1, -1, -1):
            if self.versions[index].effective_from <= on:
                return index
        return None

    def listing(self, country: str, on: date) -> Listing | None:
        index = self.version_index(on)
        if index is None or country not in self.versions[index].countries:
            return None
        # "Listed since" is the start of the unbroken run of versions naming the country, as far
        # back as the table goes: what an auditor asks, and stable across later republications.
        start = index
        while start > 0 and country in self.versions[start - 1].countries:
            start -= 1
        return Listing(
            list_id=self.id,
            title=self.title,
            label=self.label,
            risk=self.risk,
            effective_from=self.versions[start].effective_from,
            source=self.versions[index].source,
        )


class Listing(_Frozen):
    """A country's place on one list on one date."""

    list_id: str
    title: str
    label: str
    risk: float
    # Listed without a break since this date (the table's first version at the earliest); for
    # a tenant's listing, the override's start, None when it has none.
    effective_from: date | None
    source: str  # the publication in force on the date asked about, or "tenant override"
    tenant: bool = False
    note: str = ""


def _sorted(listings: Iterable[Listing]) -> list[Listing]:
    return sorted(listings, key=lambda listing: (-listing.risk, listing.list_id))


class CountryRiskTable(_Frozen):
    version: str  # the date of the newest publication the table carries
    notes: str
    lists: tuple[RiskList, ...] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _dated(cls, value: str) -> str:
        date.fromisoformat(value)
        return value

    @field_validator("lists")
    @classmethod
    def _unique(cls, value: tuple[RiskList, ...]) -> tuple[RiskList, ...]:
        ids = [risk_list.id for risk_list in value]
        if len(set(ids)) != len(ids):
            raise ValueError("list ids must be unique")
        if TENANT_LIST_ID in ids:
            raise ValueError(f"{TENANT_LIST_ID!r} is kept for tenant ratings")
        return value

    def get_list(self, list_id: str) -> RiskList | None:
        return next((risk_list for risk_list in self.lists if risk_list.id == list_id), None)

    def listings(self, country: str, on: date) -> list[Listing]:
        """The lists ``country`` (alpha-3) is on at ``on``, highest risk first."""
        code = country.strip().upper()
        found = (risk_list.listing(code, on) for risk_list in self.lists)
        return _sorted(listing for listing in found if listing is not None)

    def risk(self, country: str, on: date) -> float:
        return max((listing.risk for listing in self.listings(country, on)), default=0.0)

    def uncovered(self, on: date) -> list[RiskList]:
        """Lists whose first version is after ``on``: the table cannot say who was on them."""
        return [risk_list for risk_list in self.lists if risk_list.version_index(on) is None]


@cache
def load_table() -> CountryRiskTable:
    """The table shipped with the package, read and validated once per process."""
    raw = resources.files("casework.checks").joinpath("data/country_risk.json").read_text("utf-8")
    return CountryRiskTable.model_validate_json(raw)


class Override(_Frozen):
    """A tenant's own view of one country, optionally bounded in time (both ends inclusive).

    ``risk`` replaces the country's risk while the override applies: 0 clears the country, and a
    rating for a country no list names adds a tenant listing. ``lists`` maps list ids to whether
    the tenant counts the country as on that list: ``False`` takes it off a published list, ``True``
    puts it on one, published or of the tenant's own naming.
    """

    country: str
    risk: float | None = Field(default=None, ge=0.0, le=1.0)
    lists: dict[str, bool] = Field(default_factory=dict)
    note: str = Field(default="", max_length=2000)
    effective_from: date | None = None
    effective_to: date | None = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return _strict_alpha3(value)

    @field_validator("lists")
    @classmethod
    def _lists(cls, value: dict[str, bool]) -> dict[str, bool]:
        for list_id in value:
            _list_id(list_id)
            if list_id == TENANT_LIST_ID:
                raise ValueError(f"{TENANT_LIST_ID!r} is kept for ratings; set risk instead")
        return value

    @field_validator("effective_to")
    @classmethod
    def _period(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("effective_from")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before effective_from")
        return value

    @model_validator(mode="after")
    def _does_something(self) -> Override:
        if self.risk is None and not self.lists:
            raise ValueError("an override must set risk or lists")
        return self

    def applies_on(self, on: date) -> bool:
        starts = self.effective_from is None or self.effective_from <= on
        return starts and (self.effective_to is None or on <= self.effective_to)


class Assessment(_Frozen):
    """Everything known about one country on one date, for the check's evidence."""

    country: str
    on: date
    risk: float
    listings: tuple[Listing, ...]  # with the tenant's overrides applied
    table_listings: tuple[Listing, ...]  # the published lists alone
    overrides: tuple[Override, ...]  # the tenant's overrides in force, in the order applied


class CountryRiskView:
    """The table as one tenant sees it. Overrides apply in the order given: a later one wins."""

    def __init__(self, table: CountryRiskTable, overrides: Iterable[Override] = ()) -> None:
        self.table = table
        self.overrides = tuple(overrides)
        by_country: dict[str, list[Override]] = {}
        for override in self.overrides:
            by_country.setdefault(override.country, []).append(override)
        self._by_country = {code: tuple(items) for code, items in by_country.items()}

    def assess(self, country: str, on: date) -> Assessment:
        code = country.strip().upper()
        published = self.table.listings(code, on)
        active = tuple(o for o in self._by_country.get(code, ()) if o.applies_on(on))
        current = {listing.list_id: listing for listing in published}
        rating: float | None = None
        for override in active:
            for list_id, member in override.lists.items():
                if not member:
                    current.pop(list_id, None)
                elif list_id not in current:
                    current[list_id] = self._tenant_listing(override, list_id)
            if override.risk is not None:
                rating = override.risk
        if rating == 0.0:
            current.clear()
        elif rating is not None and not current:
            current[TENANT_LIST_ID] = self._tenant_listing(active[-1], TENANT_LIST_ID, rating)
        listings = _sorted(current.values())
        if rating is None:
            rating = max((listing.risk for listing in listings), default=0.0)
        return Assessment(
            country=code,
            on=on,
            risk=rating,
            listings=tuple(listings),
            table_listings=tuple(published),
            overrides=active,
        )

    def _tenant_listing(
        self, override: Override, list_id: str, rating: float | None = None
    ) -> Listing:
        published = self.table.get_list(list_id)
        if published is not None:
            title, label, risk = published.title, published.label, published.risk
        elif list_id == TENANT_LIST_ID:
            title, label = "Tenant rating", "tenant rating"
            risk = rating if rating is not None else TENANT_LIST_DEFAULT_RISK
        else:
            title = label = list_id
            risk = override.risk if override.risk is not None else TENANT_LIST_DEFAULT_RISK
        return Listing(
            list_id=list_id,
            title=title,
            label=label,
            risk=risk,
            effective_from=override.effective_from,
            source="tenant override",
            tenant=True,
            note=override.note,
        )

    def listings(self, country: str, on: date) -> list[Listing]:
        return list(self.assess(country, on).listings)

    def risk(self, country: str, on: date) -> float:
        return self.assess(country, on).risk

    def uncovered(self, on: date) -> list[RiskList]:
        return self.table.uncovered(on)


def with_overrides(table: CountryRiskTable, overrides: Iterable[Override]) -> CountryRiskView:
    return CountryRiskView(table, overrides)
