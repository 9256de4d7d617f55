"""The detailed, explainable score of one candidate against one query.

The score starts from how well the names align (``casework.screening.alignment``) and is
then moved by what else is known: date of birth, countries, gender and identifiers.
Every move is recorded with a short sentence, so an analyst can see why a candidate
scored what it did.

The final score is 0.95 x the name score plus the qualifiers, clipped to 0..1, so that
an exact name alone ranks below the same name with a matching date of birth, and scores
spread over the range instead of piling up at 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from casework.screening.alignment import SINGLE_TOKEN_CAP, NameScore, align_names
from casework.screening.alignment import STRONG_WEIGHT as STRONG_WEIGHT
from casework.screening.bounds import QueryName, bound, bound_key
from casework.screening.entity import Schema
from casework.screening.normalize import NameForm
from casework.screening.similarity import token_sim as token_sim

NAME_FACTOR = 0.95
DOB_EXACT = 0.05
DOB_YEAR = 0.02
DOB_SWAPPED = 0.0
DOB_SAME_YEAR = -0.12
DOB_NEAR_YEAR = -0.15
DOB_CONFLICT = -0.35
COUNTRY_MATCH = 0.03
COUNTRY_MISMATCH = -0.05
GENDER_MISMATCH = -0.2
# The best a name aligned on one strong token can score once the others adjust it.
CAPPED_MAX = NAME_FACTOR * SINGLE_TOKEN_CAP + DOB_EXACT + COUNTRY_MATCH
IDENTIFIER_KEEP = 0.25  # an identifier match keeps this share of the distance to 1

_COMPATIBLE: dict[Schema, frozenset[Schema]] = {
    Schema.person: frozenset({Schema.person, Schema.legal_entity}),
    Schema.company: frozenset({Schema.company, Schema.organization, Schema.legal_entity}),
    Schema.organization: frozenset({Schema.company, Schema.organization, Schema.legal_entity}),
    Schema.legal_entity: frozenset(
        {Schema.person, Schema.company, Schema.organization, Schema.legal_entity}
    ),
    Schema.vessel: frozenset({Schema.vessel}),
    Schema.aircraft: frozenset({Schema.aircraft}),
}


def compatible(query: Schema | None, candidate: Schema | None) -> bool:
    """Could a record of one schema describe the same party as one of the other?"""
    if query is None or candidate is None:
        return True
    return candidate in _COMPATIBLE[query]


def compatible_schemas(query: Schema | None) -> frozenset[Schema]:
    return frozenset(Schema) if query is None else _COMPATIBLE[query]


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def parse_date(value: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a partial ISO date; unknown month or day is 0."""
    found = _DATE.match(value.strip())
    if not found:
        return None
    year, month, day = (int(g) if g else 0 for g in found.groups())
    return year, month, day


def date_code(value: str) -> int:
    """A partial date as one integer, YYYYMMDD with 00 for what is unknown; 0 if unreadable."""
    parsed = parse_date(value)
    if parsed is None or not 1000 <= parsed[0] <= 2999:
        return 0
    year, month, day = parsed
    return year * 10000 + month * 100 + day


def date_text(code: int) -> str:
    year, month, day = code // 10000, code // 100 % 100, code % 100
    if not month:
        return f"{year:04d}"
    return f"{year:04d}-{month:02d}" if not day else f"{year:04d}-{month:02d}-{day:02d}"


def _date_relation(q: tuple[int, int, int], c: tuple[int, int, int]) -> tuple[float, str]:
    if q[0] != c[0]:
        if abs(q[0] - c[0]) == 1:
            return DOB_NEAR_YEAR, "born a year apart"
        return DOB_CONFLICT, "different year of birth"
    if not q[1] or not c[1]:
        return DOB_YEAR, "same year of birth"
    if q[1] == c[1] and (not q[2] or not c[2]):
        return DOB_YEAR, "same month of birth"
    if q[1] == c[1] and q[2] == c[2]:
        return DOB_EXACT, "same date of birth"
    if q[1] == c[2] and q[2] == c[1]:
        return DOB_SWAPPED, "same date with day and month swapped"
    return DOB_SAME_YEAR, "same year, different day of birth"


def compare_dates(query: tuple[str, ...], candidate: tuple[str, ...]) -> dict[str, Any] | None:
    """The best relation between any query date and any listed date, if both have one."""
    best: tuple[float, str, str, str] | None = None
    for qv in query:
        qd = parse_date(qv)
        for cv in candidate:
            cd = parse_date(cv)
            if qd is None or cd is None:
                continue
            adj, text = _date_relation(qd, cd)
            if best is None or adj > best[0]:
                best = (adj, text, qv, cv)
    if best is None:
        return None
    adj, text, qv, cv = best
    return {"adjustment": adj, "query": qv, "candidate": cv, "text": f"{text} ({qv} / {cv})"}


def compare_countries(query: frozenset[str], candidate: frozenset[str]) -> dict[str, Any] | None:
    if not query or not candidate:
        return None
    common = sorted(query & candidate)
    if common:
        adj, text = COUNTRY_MATCH, f"country in common: {', '.join(common)}"
    else:
        adj, text = COUNTRY_MISMATCH, "no country in common"
    return {
        "adjustment": adj,
        "query": sorted(query),
        "candidate": sorted(candidate),
        "text": text,
    }


def compare_gender(query: str | None, candidate: str | None) -> dict[str, Any] | None:
    if not query or not candidate:
        return None
    if query == candidate:
        return {"adjustment": 0.0, "query": query, "candidate": candidate, "text": "same gender"}
    return {
        "adjustment": GENDER_MISMATCH,
        "query": query,
        "candidate": candidate,
        "text": "different gender",
    }


@dataclass(slots=True)
class Record:
    """What the scorer needs of a query or a listed entity, already normalised."""

    schema: Schema | None
    names: list[NameForm]
    birth_dates: tuple[str, ...] = ()
    countries: frozenset[str] = frozenset()
    gender: str | None = None
    identifiers: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate's score for a query, and the means to explain it (built only when
    asked: most candidates fall below the threshold and are never shown)."""

    score: float
    name: NameScore | None
    parts: tuple[tuple[str, dict[str, Any]], ...]
    refused: dict[str, Any] | None = None  # why schemas that cannot meet scored nothing

    def explanation(self) -> dict[str, Any]:
        if self.refused is not None:
            return {"score": 0.0, "schema": self.refused}
        explained: dict[str, Any] = {}
        if self.name is not None:
            explained["name"] = self.name.explain()
        explained.update(self.parts)
        explained["score"] = round(self.score, 4)
        return explained


def score_records(query: Record, candidate: Record) -> tuple[float, dict[str, Any]]:
    """The calibrated score of a candidate for a query and its explanation."""
    scored = score(query, candidate)
    return scored.score, scored.explanation()


def score(query: Record, candidate: Record) -> Scored:
    """The calibrated score of a candidate for a query (see the module docstring)."""
    scored = score_above(query, candidate, None)
    assert scored is not None  # nothing is left out without a floor
    return scored


class NamePairs:
    """The name pairs one search has bounded or aligned: a listed name recurs (the same
    name on several entities, a query name again in a cut of it), and each pair is
    worked out once."""

    def __init__(self) -> None:
        self.query_names: dict[NameForm, QueryName] = {}
        self.bounds: dict[tuple[NameForm, object, bool], float] = {}
        self.aligned: dict[tuple[NameForm, NameForm, bool], NameScore] = {}

    def bound(self, query: NameForm, candidate: NameForm, person: bool) -> float:
        # Names written differently in the same words bound alike: the text itself only
        # counts in Han or Hangul.
        key = (query, bound_key(candidate), person)
        found = self.bounds.get(key)
        if found is None:
            name = self.query_names.get(query)
            if name is None:
                name = self.query_names[query] = QueryName(query)
            found = self.bounds[key] = bound(name, candidate, person=person)
        return found


def may_reach(
    query: Record,
    schema: Schema | None,
    names: list[NameForm],
    floor: float,
    pairs: NamePairs,
) -> bool:
    """Whether a listed entity of ``schema`` with these names could score ``floor``
    against ``query``, however its dates, countries, gender and identifiers compare:
    each at its best, and its names at their bound."""
    if not compatible(query.schema, schema):
        return floor <= 0.0  # refused, at 0
    person = Schema.person in (query.schema, schema)
    value = 0.0
    if query.names and names:
        most = max(pairs.bound(qn, cn, person) for qn in query.names for cn in names)
        value = NAME_FACTOR * most
    if query.birth_dates:
        value += DOB_EXACT
    if query.countries:
        value += COUNTRY_MATCH
    value = min(1.0, max(0.0, value))
    if query.identifiers:
        value = 1.0 - (1.0 - value) * IDENTIFIER_KEEP
    return value >= floor


def score_above(
    query: Record, candidate: Record, floor: float | None, pairs: NamePairs | None = None
) -> Scored | None:
    """``score(query, candidate)`` when it is at least ``floor``, else None.

    Name pairs whose bound (``bounds.bound``) shows they cannot bring the score up to
    ``floor``, nor above the best pair found so far, are not aligned: what comes back
    is always exactly what ``score`` gives. ``pairs`` keeps what was worked out for
    the next candidate of the same search.
    """
    if not compatible(query.schema, candidate.schema):
        refused = Scored(
            0.0,
            None,
            (),
            refused={
                "query": query.schema,
                "candidate": candidate.schema,
                "text": f"a {query.schema} cannot be a {candidate.schema}",
            },
        )
        return refused if floor is None or refused.score >= floor else None
    person = Schema.person in (query.schema, candidate.schema)
    parts: list[tuple[str, dict[str, Any]]] = []
    for key, part in (
        ("birth_date", compare_dates(query.birth_dates, candidate.birth_dates)),
        ("country", compare_countries(query.countries, candidate.countries)),
        ("gender", compare_gender(query.gender, candidate.gender)),
    ):
        if part is not None:
            parts.append((key, part))
    common = sorted(query.identifiers & candidate.identifiers)

    def clipped(name_score: float | None) -> float:
        value = NAME_FACTOR * name_score if name_score is not None else 0.0
        for _, part in parts:
            value += part["adjustment"]
        return min(1.0, max(0.0, value))

    def raised(value: float) -> float:
        return 1.0 - (1.0 - value) * IDENTIFIER_KEEP if common else value

    best: NameScore | None = None

    def enough(most: float) -> bool:
        """Whether a name pair that scores at most ``most`` could change the result."""
        if best is not None and most < best.score:
            return False
        return floor is None or raised(clipped(most)) >= floor

    if pairs is None and floor is not None:
        pairs = NamePairs()
    for qn in query.names:
        for cn in candidate.names:
            if pairs is None:
                result = align_names(qn, cn, person=person)
            else:
                names = (qn, cn, person)
                found = pairs.aligned.get(names)
                if found is None:
                    if floor is not None and not enough(pairs.bound(qn, cn, person)):
                        continue
                    found = pairs.aligned[names] = align_names(qn, cn, person=person)
                result = found
            if best is None or result.score > best.score:
                best = result
    if floor is not None and best is None and query.names and candidate.names:
        return None  # every pair was ruled out
    value = clipped(best.score if best is not None else None)
    if common:
        lifted = raised(value)
        parts.append(
            (
                "identifier",
                {
                    "adjustment": round(lifted - value, 4),
                    "matched": common,
                    "text": f"identifier in common: {', '.join(common)}",
                },
            )
        )
        value = lifted
    if floor is not None and value < floor:
        return None
    return Scored(value, best, tuple(parts))
