"""Which resolutions the policy holds, rule by rule, on cases as they stand."""

from __future__ import annotations

from casework.configs.approvals import ApprovalPolicy
from casework.decisions.policy import resolution_reasons
from casework.models import Case
from casework.models.enums import Priority, Resolution

FP = Resolution.false_positive


def _case(risk: float | None, priority: Priority = Priority.low) -> Case:
    return Case(risk_score=risk, priority=priority)


def test_a_risk_score_at_the_bound_is_held_and_below_it_is_not():
    rules = ApprovalPolicy.model_validate({"resolve": {"min_risk_score": 0.8}})
    assert resolution_reasons(rules, _case(0.8), FP, None) == ["risk score 0.8 is at least 0.8"]
    assert resolution_reasons(rules, _case(0.79), FP, None) == []
    assert resolution_reasons(rules, _case(None), FP, None) == []


def test_every_rule_met_is_a_reason():
    rules = ApprovalPolicy.model_validate(
        {
            "resolve": {"resolutions": ["false_positive"], "priorities": ["high"]},
            "checklist_override": True,
        }
    )
    override = {"reason": "r", "open_items": ["x"]}
    assert resolution_reasons(rules, _case(0.1, Priority.high), FP, override) == [
        "resolving as false positive",
        "priority high",
        "the checklist is overridden",
    ]
    assert resolution_reasons(rules, _case(0.1), Resolution.potential_threat, None) == []
