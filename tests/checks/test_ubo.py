"""UBO resolution on hand-computed structures."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from casework.checks.runners import ownership as ubo
from casework.checks.runners.ownership import (
    BASE_RISK,
    OwnershipStructure,
    UboAnalysis,
    parse_structure,
    resolve,
)
from casework.infra.errors import ValidationFailed

TIMES = "\N{MULTIPLICATION SIGN}"
Edge = tuple[str, str, float | None] | tuple[str, str, float | None, bool]


def make(
    edges: list[Edge],
    *,
    subject: str = "S",
    types: dict[str, str] | None = None,
    extra: dict[str, dict[str, Any]] | None = None,
) -> OwnershipStructure:
    """Entities come from the edges: ids starting with "p" are persons, the rest companies."""
    ids = dict.fromkeys([subject, *(e[i] for e in edges for i in (0, 1))])
    ids.update(dict.fromkeys((extra or {}).keys()))
    kinds = types or {}
    entities = [
        {
            "id": i,
            "name": f"{i.upper()} name",
            "type": kinds.get(i, "person" if i.startswith("p") else "company"),
            **(extra or {}).get(i, {}),
        }
        for i in ids
    ]
    ownerships = [
        {"owner": e[0], "owned": e[1], "percentage": e[2], "control": len(e) > 3 and e[3]}
        for e in edges
    ]
    return parse_structure({"subject": subject, "entities": entities, "ownerships": ownerships})


def codes(analysis: UboAnalysis) -> list[str]:
    return [f.code for f in analysis.flags]


def share(analysis: UboAnalysis, person: str) -> Fraction:
    return next(o.effective for o in analysis.owners if o.id == person)


def test_single_direct_owner() -> None:
    analysis = resolve(make([("p1", "S", 40.0)]))
    assert share(analysis, "p1") == Fraction(2, 5)
    assert analysis.beneficial_owners == ("p1",)
    assert analysis.controllers == ()
    assert analysis.flags == ()
    assert analysis.risk_score == BASE_RISK
    assert analysis.title == "1 beneficial owner identified; no findings"
    assert "P1 name → S name: 40% = 40.00%" in analysis.reasoning
    assert "P1 name: 40.00% in total; beneficial owner (threshold 25%)" in analysis.reasoning


def test_chain_of_three_multiplies() -> None:
    analysis = resolve(make([("p1", "a", 60.0), ("a", "b", 50.0), ("b", "S", 80.0)]))
    (owner,) = analysis.owners
    assert owner.effective == Fraction(6, 25)
    assert owner.effective_percent == 24.0
    assert [p.ids for p in owner.paths] == [("p1", "a", "b", "S")]
    assert analysis.beneficial_owners == ()
    line = f"P1 name → A name (60%) → B name (50%) → S name (80%): 60% {TIMES} 50% {TIMES} 80% = 24.00%"
    assert line in analysis.reasoning
    assert codes(analysis) == ["no_beneficial_owner"]


def test_diamond_sums_both_paths() -> None:
    edges: list[Edge] = [
        ("p1", "a", 50.0),
        ("p1", "b", 50.0),
        ("a", "S", 40.0),
        ("b", "S", 20.0),
        ("p2", "S", 40.0),
    ]
    analysis = resolve(make(edges))
    assert share(analysis, "p1") == Fraction(3, 10)
    assert len(analysis.owners[1].paths) == 2
    assert analysis.beneficial_owners == ("p2", "p1")
    assert analysis.title == "2 beneficial owners identified; no findings"


def test_fractional_percentages_are_exact() -> None:
    analysis = resolve(make([("p1", "a", 33.3), ("a", "S", 30.1)]))
    assert share(analysis, "p1") == Fraction(333, 1000) * Fraction(301, 1000)


def test_cycle_is_flagged_and_the_answer_finite() -> None:
    edges: list[Edge] = [
        ("a", "b", 50.0),
        ("b", "a", 50.0),
        ("a", "S", 60.0),
        ("p1", "b", 50.0),
        ("p2", "S", 40.0),
    ]
    analysis = resolve(make(edges))
    # Only p1 → b → a → S is simple: 50% of 50% of 60%.
    assert share(analysis, "p1") == Fraction(3, 20)
    assert share(analysis, "p2") == Fraction(2, 5)
    assert analysis.complete
    (flag,) = [f for f in analysis.flags if f.code == "circular_ownership"]
    assert set(flag.entity_ids) == {"a", "b"}
    assert "A name → B name → A name" in flag.message or "B name → A name → B name" in flag.message


def test_cycle_through_the_subject() -> None:
    analysis = resolve(make([("S", "a", 10.0), ("a", "S", 60.0), ("p1", "a", 90.0)]))
    assert share(analysis, "p1") == Fraction(27, 50)
    (flag,) = [f for f in analysis.flags if f.code == "circular_ownership"]
    assert set(flag.entity_ids) == {"S", "a"}


def test_missing_percentage_gives_a_flagged_lower_bound() -> None:
    edges: list[Edge] = [("p1", "S", 20.0), ("p1", "a", None), ("a", "S", 50.0), ("p2", "S", 30.0)]
    analysis = resolve(make(edges))
    p1 = next(o for o in analysis.owners if o.id == "p1")
    assert p1.effective == Fraction(1, 5)
    assert p1.lower_bound
    assert not next(o for o in analysis.owners if o.id == "p2").lower_bound
    (flag,) = [f for f in analysis.flags if f.code == "missing_percentage"]
    assert flag.entity_ids == ("p1", "a")
    assert (
        f"P1 name → A name (?) → S name (50%): ? {TIMES} 50% = unknown (a percentage is missing)"
        in (analysis.reasoning)
    )
    assert "P1 name: at least 20.00% in total; below the threshold (threshold 25%)" in (
        analysis.reasoning
    )
    assert any(p.share is None for p in p1.paths)


def test_shares_above_100_are_flagged() -> None:
    analysis = resolve(make([("p1", "S", 60.0), ("p2", "S", 50.0)]))
    (flag,) = analysis.flags
    assert flag.code == "shares_exceed_100"
    assert flag.entity_ids == ("S", "p1", "p2")
    assert "110%" in flag.message


def test_nominee_trust_and_bearer_flags() -> None:
    structure = make(
        [("n", "S", 30.0), ("t", "S", 30.0), ("p1", "t", 100.0), ("p2", "S", 40.0)],
        types={"t": "trust"},
        extra={"n": {"nominee": True}, "S": {"bearer_shares": True}},
    )
    analysis = resolve(structure)
    assert codes(analysis) == [
        "unresolved_chain",
        "nominee_holder",
        "bearer_shares",
        "trust_or_foundation_holder",
    ]
    by_code = {f.code: f.entity_ids for f in analysis.flags}
    assert by_code == {
        "unresolved_chain": ("n",),
        "nominee_holder": ("n",),
        "bearer_shares": ("S",),
        "trust_or_foundation_holder": ("t",),
    }
    assert share(analysis, "p1") == Fraction(3, 10)
    weights = ubo.RISK_WEIGHTS
    expected = BASE_RISK + sum(weights[c] for c in codes(analysis))
    assert analysis.risk_score == pytest.approx(expected)
    assert analysis.title == "2 beneficial owners identified; 4 findings"


def test_control_without_shares() -> None:
    structure = make(
        [("p1", "t", None, True), ("t", "S", 0.0, True), ("p2", "S", 40.0)],
        types={"t": "foundation"},
    )
    analysis = resolve(structure)
    p1 = next(o for o in analysis.owners if o.id == "p1")
    assert p1.is_controller
    assert not p1.is_beneficial_owner
    assert p1.effective == 0
    assert p1.control_path == ("p1", "t", "S")
    assert analysis.controllers == ("p1",)
    assert analysis.beneficial_owners == ("p2",)
    assert analysis.title.startswith("1 beneficial owner and 1 controller identified")
    line = "P1 name controls S name: P1 name → T name (control right) → S name (control right)"
    assert line in analysis.reasoning


def test_majority_holdings_carry_control() -> None:
    analysis = resolve(make([("p1", "h", 60.0), ("h", "S", 40.0, True), ("p2", "S", 55.0)]))
    assert analysis.controllers == ("p2", "p1")
    assert share(analysis, "p1") == Fraction(6, 25)
    assert "P1 name controls S name: P1 name → H name (60%, majority) → S name (control right)" in (
        analysis.reasoning
    )


def test_control_over_an_entity_that_does_not_control_the_subject() -> None:
    analysis = resolve(make([("p1", "h", None, True), ("h", "S", 10.0), ("p2", "S", 50.0)]))
    assert analysis.controllers == ()


def test_threshold_is_inclusive() -> None:
    exact = resolve(make([("p1", "a", 50.0), ("a", "S", 50.0)]))
    assert exact.beneficial_owners == ("p1",)
    below = resolve(make([("p1", "S", 24.99)]))
    assert below.beneficial_owners == ()
    assert resolve(make([("p1", "S", 30.0)]), threshold=30.0).beneficial_owners == ("p1",)
    assert resolve(make([("p1", "S", 30.0)]), threshold=30.01).beneficial_owners == ()


@pytest.mark.parametrize("threshold", [0.0, -5.0, 100.5])
def test_threshold_must_be_a_percentage(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        resolve(make([("p1", "S", 30.0)]), threshold=threshold)


def test_no_persons() -> None:
    analysis = resolve(make([("a", "S", 100.0)]))
    assert analysis.owners == ()
    assert codes(analysis) == ["no_beneficial_owner", "unresolved_chain"]
    assert analysis.flags[1].entity_ids == ("a",)
    assert analysis.title == "No beneficial owner identified; 2 findings"
    assert analysis.reasoning[0] == "No chain of holdings leads from a natural person to S name."
    assert analysis.risk_score == pytest.approx(BASE_RISK + 0.3 + 0.2)


def test_subject_without_any_owner() -> None:
    analysis = resolve(make([]))
    assert codes(analysis) == ["no_beneficial_owner", "unresolved_chain"]
    assert analysis.flags[1].entity_ids == ("S",)


def test_a_state_owner_ends_the_chain() -> None:
    analysis = resolve(make([("g", "S", 100.0)], types={"g": "government"}))
    assert codes(analysis) == ["no_beneficial_owner"]


def test_high_risk_jurisdiction_on_a_path_only() -> None:
    structure = make(
        [("p1", "a", 100.0), ("a", "S", 100.0), ("b", "c", 50.0)],
        extra={"a": {"country": "PAN"}, "b": {"country": "PAN"}, "c": {"country": "GBR"}},
    )
    analysis = resolve(structure, high_risk_countries=frozenset({"pan"}))
    flagged = {f.code: f.entity_ids for f in analysis.flags}
    assert flagged["high_risk_jurisdiction"] == ("a",)
    assert codes(analysis).count("unconnected_entity") == 2
    assert "high_risk_jurisdiction" not in codes(resolve(structure))


def test_a_person_holding_nothing_relevant_is_flagged() -> None:
    analysis = resolve(make([("p1", "S", 50.0)], extra={"p2": {}}))
    assert [(f.code, f.entity_ids) for f in analysis.flags] == [("unconnected_entity", ("p2",))]
    assert [o.id for o in analysis.owners] == ["p1"]
    assert analysis.risk_score == BASE_RISK


def test_risk_is_capped_at_one() -> None:
    structure = make(
        [("n", "S", 60.0), ("m", "S", 60.0), ("a", "b", 50.0), ("b", "a", 50.0), ("a", "S", None)],
        extra={"n": {"nominee": True, "bearer_shares": True}, "m": {"nominee": True}},
    )
    assert resolve(structure).risk_score == 1.0


def test_enumeration_is_capped() -> None:
    # 22 layers of two companies, each holding both of the next: 2**22 chains per person.
    edges: list[Edge] = [("p1", "l0a", 50.0), ("p1", "l0b", 50.0)]
    for layer in range(21):
        for here in "ab":
            edges += [(f"l{layer}{here}", f"l{layer + 1}{there}", 50.0) for there in "ab"]
    edges += [("l21a", "S", 50.0), ("l21b", "S", 50.0)]
    analysis = resolve(make(edges))
    assert not analysis.complete
    assert analysis.owners[0].lower_bound
    (cap,) = [f for f in analysis.flags if f.code == "unresolved_chain"]
    assert cap.message.startswith("Stopped after")
    assert cap.entity_ids == ("S",)
    assert len(analysis.owners[0].paths) <= ubo.MAX_PATHS


def test_path_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ubo, "MAX_PATHS", 2)
    edges: list[Edge] = [("p1", "S", 10.0), ("p2", "S", 10.0), ("p3", "S", 10.0)]
    assert not resolve(make(edges)).complete
    assert resolve(make(edges[:2])).complete


def test_evidence_is_json() -> None:
    structure = make(
        [("p1", "a", 60.0), ("a", "S", 50.0), ("p2", "S", None, True)],
        extra={"S": {"country": "gbr"}},
    )
    evidence = json.loads(json.dumps(resolve(structure).as_evidence()))
    assert evidence["subject"] == "S"
    assert evidence["graph"]["nodes"][0] == {
        "id": "S",
        "name": "S name",
        "type": "company",
        "country": "GBR",
        "nominee": False,
        "bearer_shares": False,
    }
    assert evidence["graph"]["edges"][2] == {
        "owner": "p2",
        "owned": "S",
        "percentage": None,
        "control": True,
    }
    p1, p2 = evidence["owners"]
    assert p1["id"] == "p1"
    assert p1["effective_percent"] == 30.0
    assert p1["is_beneficial_owner"]
    assert p1["paths"] == [{"ids": ["p1", "a", "S"], "percent": 30.0}]
    assert p2["paths"] == [{"ids": ["p2", "S"], "percent": None}]
    assert p2["is_controller"]
    assert p2["control_path"] == ["p2", "S"]
    assert evidence["beneficial_owners"] == ["p1"]
    assert evidence["controllers"] == ["p2"]
    assert evidence["flags"] == [
        {
            "code": "missing_percentage",
            "message": "P2 name's share of S name is not given",
            "entity_ids": ["p2", "S"],
        }
    ]


def test_brief_example() -> None:
    structure = parse_structure(
        {
            "subject": "co1",
            "entities": [
                {"id": "co1", "name": "Acme Holdings Ltd", "type": "company", "country": "GBR"},
                {"id": "p1", "name": "Jane Roe", "type": "person", "country": "FRA"},
                {"id": "r1", "name": "Roe Ltd", "type": "company", "country": "GBR"},
                {"id": "t1", "name": "Roe Family Trust", "type": "trust", "country": "JEY"},
            ],
            "ownerships": [
                {"owner": "p1", "owned": "co1", "percentage": 30.0, "control": False},
                {"owner": "p1", "owned": "r1", "percentage": 60.0},
                {"owner": "r1", "owned": "co1", "percentage": 50.0},
                {"owner": "t1", "owned": "co1", "percentage": None, "control": True},
            ],
        }
    )
    analysis = resolve(structure)
    assert analysis.reasoning[:3] == (
        "Jane Roe → Acme Holdings Ltd: 30% = 30.00%",
        f"Jane Roe → Roe Ltd (60%) → Acme Holdings Ltd (50%): 60% {TIMES} 50% = 30.00%",
        "Jane Roe: 60.00% in total; beneficial owner (threshold 25%)",
    )
    assert codes(analysis) == [
        "unresolved_chain",
        "missing_percentage",
        "trust_or_foundation_holder",
    ]
    assert analysis.reasoning[-1].startswith("Finding (trust_or_foundation_holder): ")


def _payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "subject": "S",
        "entities": [
            {"id": "S", "name": "Subject", "type": "company", "country": "GBR"},
            {"id": "p1", "name": "Jane", "type": "person"},
            {"id": "a", "name": "A Ltd", "type": "company"},
        ],
        "ownerships": [
            {"owner": "p1", "owned": "a", "percentage": 50},
            {"owner": "a", "owned": "S", "percentage": 50},
        ],
    }
    payload.update(changes)
    return payload


def _entities(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [*_payload()["entities"], *extra]


def _ownerships(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [*_payload()["ownerships"], *extra]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ownerships": _ownerships({"owner": "zz", "owned": "S"})}, "ownerships[2].owner"),
        ({"ownerships": _ownerships({"owner": "p1", "owned": "zz"})}, "ownerships[2].owned"),
        ({"ownerships": _ownerships({"owner": "a", "owned": "p1"})}, "ownerships[2].owned"),
        ({"ownerships": _ownerships({"owner": "a", "owned": "a"})}, "ownerships[2].owned"),
        ({"ownerships": _ownerships({"owner": "p1", "owned": "a"})}, "ownerships[2]"),
        (
            {"ownerships": _ownerships({"owner": "p1", "owned": "S", "percentage": 101})},
            "ownerships[2].percentage",
        ),
        (
            {"ownerships": _ownerships({"owner": "p1", "owned": "S", "percent": 10})},
            "ownerships[2].percent",
        ),
        (
            {"entities": _entities({"id": "a", "name": "Again", "type": "company"})},
            "entities[3].id",
        ),
        ({"entities": _entities({"id": "b", "name": "B", "type": "llc"})}, "entities[3].type"),
        (
            {"entities": _entities({"id": "b", "name": "B", "type": "company", "country": "XXX"})},
            "entities[3].country",
        ),
        ({"entities": _entities({"id": "b", "name": "", "type": "company"})}, "entities[3].name"),
        ({"subject": "nobody"}, "subject"),
        ({"subject": "p1"}, "subject"),
        ({"entities": []}, "entities"),
    ],
)
def test_validation_errors_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_structure(_payload(**changes))
    assert [e.field for e in caught.value.errors] == [field]
    assert field in caught.value.detail


def test_the_payload_used_for_validation_is_valid() -> None:
    assert share(resolve(parse_structure(_payload())), "p1") == Fraction(1, 4)


def test_input_that_is_not_an_object() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_structure([1, 2])
    assert caught.value.errors[0].field == "structure"


def test_size_limits() -> None:
    many = [{"id": f"e{i}", "name": "E", "type": "company"} for i in range(ubo.MAX_ENTITIES + 1)]
    with pytest.raises(ValidationFailed) as caught:
        parse_structure({"subject": "e0", "entities": many})
    assert [e.field for e in caught.value.errors] == ["entities"]
