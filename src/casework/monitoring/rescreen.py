"""Rescreening one monitored customer against what a new list version added or changed.

Pure: the same customer and the same difference always give the same hits. The
difference is indexed on its own (a few thousand entities at most), so each customer
costs one small search per party however large the list is, and scores are the same
as a full screening's because a score depends only on the two records compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casework.checks.runners.screening import (
    MATCHES_PER_SUBJECT,
    TOPICS,
    FoundMatch,
    Subject,
    describe,
)
from casework.models.enums import CheckType
from casework.screening.engine import DEFAULT_THRESHOLD, Matcher


@dataclass(frozen=True)
class Delta:
    """A new version of one dataset: its added and changed entities, indexed, and the
    keys it removed."""

    dataset: str
    version: int
    matcher: Matcher | None  # None: nothing was added or changed
    removed: frozenset[str]
    tenant_id: str | None = None  # the tenant whose list it is; None: every tenant's


@dataclass(frozen=True)
class Hit:
    check_type: CheckType
    match: FoundMatch
    threshold: float


@dataclass(frozen=True)
class Wanted:
    """One monitored check type: its threshold, and whether this dataset is in scope."""

    check_type: CheckType
    threshold: float
    topics: frozenset[str]


def wanted(delta: Delta, checks: dict[str, Any]) -> list[Wanted]:
    """The monitored check types that look at ``delta``'s dataset."""
    found = []
    for name, params in sorted(checks.items()):
        try:
            check_type = CheckType(name)
        except ValueError:
            continue
        if check_type not in TOPICS:
            continue
        params = params if isinstance(params, dict) else {}
        datasets = params.get("datasets")
        if datasets and delta.dataset not in datasets:
            continue
        threshold = params.get("threshold")
        found.append(
            Wanted(
                check_type,
                float(threshold) if threshold is not None else DEFAULT_THRESHOLD,
                TOPICS[check_type],
            )
        )
    return found


def rescreen(delta: Delta, checks: dict[str, Any], subjects: list[dict[str, Any]]) -> list[Hit]:
    """Every (check type, listed entity) the customer's parties now match in ``delta``."""
    if delta.matcher is None:
        return []
    types = wanted(delta, checks)
    if not types:
        return []
    topics = set().union(*(w.topics for w in types))
    lowest = min(w.threshold for w in types)
    hits: list[Hit] = []
    for data in subjects:
        subject = Subject.of_dict(data)
        query = subject.query()
        if not delta.matcher.could_match(query, threshold=lowest):
            continue
        for match in delta.matcher.search(
            query, threshold=lowest, limit=MATCHES_PER_SUBJECT, topics=topics
        ):
            found = describe(delta.matcher, subject, match)
            if found is None:
                continue
            for want in types:
                if match.score >= want.threshold and want.topics.intersection(found.topics):
                    hits.append(Hit(want.check_type, found, want.threshold))
    return hits
