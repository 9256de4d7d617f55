"""SANCTIONS, PEP and ADVERSE_MEDIA: screen the customer (and a business's people)
against the lists whose topics fit the check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from casework.models.enums import CheckType, MatchDecision, Outcome
from casework.screening.engine import DEFAULT_THRESHOLD, Match, Matcher, Query
from casework.screening.entity import Schema

# Which listed entities each check looks at, by FollowTheMoney topic.
TOPICS: dict[CheckType, frozenset[str]] = {
    CheckType.sanctions: frozenset({"sanction", "sanction.linked", "sanction.counter"}),
    CheckType.pep: frozenset({"role.pep", "role.rca", "role.pol", "gov.head", "gov.national"}),
    CheckType.adverse_media: frozenset(
        {
            "crime",
            "crime.fraud",
            "crime.fin",
            "crime.terror",
            "crime.traffick",
            "crime.war",
            "crime.cyber",
            "crime.boss",
            "fin.fraud",
            "reg.warn",
            "reg.action",
            "debarment",
            "wanted",
        }
    ),
}
MATCHES_PER_SUBJECT = 10
# How each check names what it looks for, in titles and reasoning.
LABELS: dict[CheckType, str] = {
    CheckType.sanctions: "sanctions",
    CheckType.pep: "PEP",
    CheckType.adverse_media: "adverse media",
}


@dataclass(frozen=True)
class Subject:
    """One party to screen: the customer, or a director or owner of a business."""

    name: str
    role: str  # customer, director, beneficial_owner
    schema: Schema | None
    aliases: tuple[str, ...] = ()
    birth_date: str | None = None
    countries: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()

    def query(self) -> Query:
        return Query(
            schema=self.schema,
            name=self.name,
            aliases=list(self.aliases),
            birth_date=self.birth_date,
            countries=list(self.countries),
            identifiers=list(self.identifiers),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "schema": self.schema.value if self.schema else None,
            "aliases": list(self.aliases),
            "birth_date": self.birth_date,
            "countries": list(self.countries),
            "identifiers": list(self.identifiers),
        }

    @classmethod
    def of_dict(cls, data: dict[str, Any]) -> Subject:
        return cls(
            name=data["name"],
            role=data["role"],
            schema=Schema(data["schema"]) if data.get("schema") else None,
            aliases=tuple(data.get("aliases") or ()),
            birth_date=data.get("birth_date"),
            countries=tuple(data.get("countries") or ()),
            identifiers=tuple(data.get("identifiers") or ()),
        )


@dataclass(frozen=True)
class FoundMatch:
    subject: str
    subject_role: str
    dataset: str
    entity_key: str
    caption: str
    schema: str
    topics: list[str]
    programs: list[str]
    score: float
    explanation: dict[str, Any]

    @property
    def entity_ref(self) -> str:
        return f"{self.dataset}:{self.entity_key}"


@dataclass
class ScreeningOutcome:
    matches: list[FoundMatch] = field(default_factory=list)
    screened: list[str] = field(default_factory=list)


def screen_subjects(
    matcher: Matcher,
    check_type: CheckType,
    subjects: Iterable[Subject],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    datasets: set[str] | None = None,
) -> ScreeningOutcome:
    """Every listed entity with a fitting topic that scores at least ``threshold``."""
    outcome = ScreeningOutcome()
    topics = set(TOPICS[check_type])
    for subject in subjects:
        outcome.screened.append(f"{subject.name} ({subject.role})")
        if datasets is not None and not datasets:
            continue  # no list to search (adverse media may still search the news)
        found = matcher.search(
            subject.query(),
            threshold=threshold,
            limit=MATCHES_PER_SUBJECT,
            datasets=datasets,
            topics=topics,
        )
        outcome.matches.extend(
            found_match for match in found if (found_match := describe(matcher, subject, match))
        )
    return outcome


def describe(matcher: Matcher, subject: Subject, match: Match) -> FoundMatch | None:
    """A search result as stored on a check: the listed entity's facts and the reasons."""
    entity = matcher.entity(match.dataset, match.entity_key)
    if entity is None:
        return None
    return FoundMatch(
        subject=subject.name,
        subject_role=subject.role,
        dataset=match.dataset,
        entity_key=match.entity_key,
        caption=entity.caption,
        schema=entity.schema.value,
        topics=list(entity.topics),
        programs=list(entity.programs),
        score=match.score,
        explanation=dict(match.explanation),
    )


@dataclass(frozen=True)
class Assessment:
    risk_score: float
    needs_review: bool
    confirmed: bool
    title: str
    reasoning: list[str]

    @property
    def outcome(self) -> Outcome:
        """A confirmed match rejects; an open one needs a human; none accepts."""
        if self.confirmed:
            return Outcome.rejected
        return Outcome.pending if self.needs_review else Outcome.accepted


def scope_lines(evidence: dict[str, Any]) -> list[str]:
    """What a check searched, in words: the list versions, stale-list warnings, and a
    search of the news alone. Read back from the evidence, so a reassessment keeps them."""
    lines = []
    searched = evidence.get("datasets")
    if isinstance(searched, list):
        described = [_describe_list(item) for item in searched if isinstance(item, dict)]
        if described:
            lines.append(f"Lists searched: {', '.join(described)}.")
    news_only = evidence.get("news_only")
    if isinstance(news_only, str):
        lines.append(news_only)
    for warning in evidence.get("warnings") or []:
        lines.append(f"Warning: {warning}.")
    return lines


def _describe_list(item: dict[str, Any]) -> str:
    published = item.get("published_at")
    when = f"published {str(published)[:10]}" if published else "publication date unknown"
    return f"{item.get('name')} v{item.get('version')} ({when})"


def assess(
    check_type: CheckType,
    screened: list[str],
    matches: list[tuple[str, str, float, MatchDecision]],
    notes: list[str] | None = None,
) -> Assessment:
    """Risk and wording from the matches and the analysts' decisions on them.

    ``matches`` holds (subject, caption, score, decision). A true positive makes the
    risk certain; unreviewed matches count at their score and need a human; false
    positives no longer count. ``notes`` (what was searched) follow the first line.
    """
    label = LABELS.get(check_type, check_type.value.replace("_", " ").lower())
    lines = [f"Screened for {label}: {', '.join(screened) or 'nobody'}.", *(notes or [])]
    confirmed = [m for m in matches if m[3] is MatchDecision.true_positive]
    open_ = [m for m in matches if m[3] is MatchDecision.unreviewed]
    cleared = [m for m in matches if m[3] is MatchDecision.false_positive]
    for subject, caption, score, decision in matches:
        lines.append(f"{subject} ~ {caption}: score {score:.2f}, {decision.value}.")
    if confirmed:
        risk = 1.0
        title = f"{len(confirmed)} confirmed {label} match(es)"
    elif open_:
        risk = max(m[2] for m in open_)
        title = f"{len(open_)} potential {label} match(es) to review"
    else:
        risk = 0.0
        title = f"No {label} match" + (f" ({len(cleared)} cleared)" if cleared else "")
    return Assessment(
        risk_score=round(risk, 4),
        needs_review=bool(open_) and not confirmed,
        confirmed=bool(confirmed),
        title=title,
        reasoning=lines,
    )
