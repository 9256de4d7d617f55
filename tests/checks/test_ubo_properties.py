"""Properties of UBO resolution on generated structures."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from casework.checks.runners.ownership import (
    Ownership,
    OwnershipStructure,
    UboAnalysis,
    parse_structure,
    resolve,
)

SETTINGS = settings(max_examples=200, deadline=None)
SUBJECT = "c0"


def _entities(people: list[str], companies: list[str]) -> list[dict[str, Any]]:
    return [{"id": i, "name": i.upper(), "type": "person"} for i in people] + [
        {"id": i, "name": i.upper(), "type": "company"} for i in companies
    ]


@st.composite
def acyclic(draw: st.DrawFn) -> dict[str, Any]:
    """Companies hold only companies after them, so there is no cycle; each company's
    incoming holdings add up to at most 100%. About one holding in ten has no percentage."""
    people = [f"p{i}" for i in range(draw(st.integers(1, 4)))]
    companies = [f"c{i}" for i in range(draw(st.integers(1, 6)))]
    ownerships = []
    for i, owned in enumerate(companies):
        candidates = people + companies[i + 1 :]
        owners = draw(st.lists(st.sampled_from(candidates), unique=True))
        # Hundredths of a percent, scaled down when they add up to more than 100%.
        hundredths = [draw(st.integers(0, 10_000)) for _ in owners]
        total = sum(hundredths)
        if total > 10_000:
            hundredths = [h * 10_000 // total for h in hundredths]
        for owner, h in zip(owners, hundredths, strict=True):
            missing = draw(st.integers(0, 9)) == 0
            percentage = None if missing else h / 100
            control = draw(st.booleans())
            ownerships.append(
                {"owner": owner, "owned": owned, "percentage": percentage, "control": control}
            )
    return {"subject": SUBJECT, "entities": _entities(people, companies), "ownerships": ownerships}


@st.composite
def any_graph(draw: st.DrawFn) -> dict[str, Any]:
    """Holdings between random pairs: cycles, the subject holding others, sums over 100%."""
    people = [f"p{i}" for i in range(draw(st.integers(0, 3)))]
    companies = [f"c{i}" for i in range(draw(st.integers(1, 5)))]
    pairs = st.tuples(st.sampled_from(people + companies), st.sampled_from(companies))
    chosen = draw(st.lists(pairs.filter(lambda p: p[0] != p[1]), unique=True, max_size=14))
    ownerships = [
        {"owner": a, "owned": b, "percentage": draw(st.none() | st.integers(0, 10_000))}
        for a, b in chosen
    ]
    for o in ownerships:
        if o["percentage"] is not None:
            o["percentage"] /= 100
    return {"subject": SUBJECT, "entities": _entities(people, companies), "ownerships": ownerships}


def shares(analysis: UboAnalysis) -> dict[str, Fraction]:
    return {o.id: o.effective for o in analysis.owners}


def brute_force(structure: OwnershipStructure) -> dict[str, Fraction]:
    """Known part of each person's share, summed over simple paths found recursively."""
    owners_of: dict[str, list[Ownership]] = defaultdict(list)
    for o in structure.ownerships:
        owners_of[o.owned].append(o)
    kinds = {e.id: e.type for e in structure.entities}
    totals: dict[str, Fraction] = defaultdict(Fraction)

    def walk(node: str, seen: frozenset[str], product: Fraction | None) -> None:
        for o in owners_of[node]:
            if o.owner in seen:
                continue
            step = None
            if product is not None and o.percentage is not None:
                step = product * Fraction(str(o.percentage)) / 100
            if kinds[o.owner] == "person":
                totals[o.owner] += step or 0
            else:
                walk(o.owner, seen | {o.owner}, step)

    walk(structure.subject, frozenset({structure.subject}), Fraction(1))
    return dict(totals)


def has_cycle_reaching_subject(structure: OwnershipStructure) -> bool:
    owners_of: dict[str, list[str]] = defaultdict(list)
    for o in structure.ownerships:
        owners_of[o.owned].append(o.owner)
    relevant, todo = {structure.subject}, [structure.subject]
    while todo:
        for owner in owners_of[todo.pop()]:
            if owner not in relevant:
                relevant.add(owner)
                todo.append(owner)
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def cyclic(node: str) -> bool:
        state[node] = 1
        for owner in owners_of[node]:
            if state.get(owner) == 1 or (owner not in state and cyclic(owner)):
                return True
        state[node] = 2
        return False

    return any(node not in state and cyclic(node) for node in relevant)


@SETTINGS
@given(acyclic())
def test_shares_stay_within_bounds(data: dict[str, Any]) -> None:
    analysis = resolve(parse_structure(data))
    assert analysis.complete
    found = shares(analysis)
    assert all(0 <= s <= 1 for s in found.values())
    assert sum(found.values()) <= 1
    assert 0 < analysis.risk_score <= 1


@SETTINGS
@given(acyclic(), st.data())
def test_a_new_chain_never_lowers_a_share(data: dict[str, Any], more: st.DataObject) -> None:
    before = shares(resolve(parse_structure(data)))
    people = [e["id"] for e in data["entities"] if e["type"] == "person"]
    person = more.draw(st.sampled_from(people))
    into_subject = sum(
        round(o["percentage"] * 100)
        for o in data["ownerships"]
        if o["owned"] == SUBJECT and o["percentage"] is not None
    )
    hops = [f"x{i}" for i in range(more.draw(st.integers(1, 3)))]
    chain = [person, *hops, SUBJECT]
    limits = [10_000] * len(hops) + [10_000 - into_subject]
    added = [
        {"owner": a, "owned": b, "percentage": more.draw(st.integers(0, limit)) / 100}
        for a, b, limit in zip(chain[:-1], chain[1:], limits, strict=True)
    ]
    extended = {
        **data,
        "entities": data["entities"] + _entities([], hops),
        "ownerships": data["ownerships"] + added,
    }
    after = shares(resolve(parse_structure(extended)))
    assert all(after.get(p, Fraction(0)) >= s for p, s in before.items())
    assert sum(after.values()) <= 1


@SETTINGS
@given(any_graph())
def test_matches_a_brute_force_enumeration(data: dict[str, Any]) -> None:
    structure = parse_structure(data)
    analysis = resolve(structure)
    expected = brute_force(structure)
    assert {p: s for p, s in shares(analysis).items() if p in expected} == expected
    assert all(s == 0 for p, s in shares(analysis).items() if p not in expected)
    flagged = any(f.code == "circular_ownership" for f in analysis.flags)
    assert flagged == has_cycle_reaching_subject(structure)
    assert 0 < analysis.risk_score <= 1
