"""SANCTIONS, PEP and ADVERSE_MEDIA: screen the customer (and a business's people)
against the lists whose topics fit the check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from casework.checks.runners.base import (
    CheckFailed,
    CheckInputs,
    CheckResult,
    RunContext,
    input_details,
)
from casework.checks.runners.news import (
    SCHEMA,
    SNIPPET_CHARS,
    Article,
    NewsProvider,
    NewsUnavailable,
    article_key,
    dataset_name,
)
from casework.models.enums import CheckType, CustomerType, MatchDecision, Outcome, words
from casework.screening import scope
from casework.screening.birth_dates import read_birth_date
from casework.screening.engine import DEFAULT_THRESHOLD, Match, Matcher, Query
from casework.screening.entity import Schema
from casework.screening.scope import SearchedList

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
        lines.append(f"{subject} ~ {caption}: score {score:.2f}, {words(decision)}.")
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


def screening_subjects(inputs: CheckInputs) -> list[Subject]:
    """The customer, and for a business its directors and the people in its ownership."""
    customer = inputs.customer
    if customer is None:
        raise CheckFailed("the case has no customer to screen")
    business = customer.customer_type is CustomerType.business
    subjects = [
        Subject(
            name=customer.name,
            role="customer",
            schema=Schema.company if business else Schema.person,
            aliases=customer.aliases,
            birth_date=customer.birth_date,
            countries=customer.countries,
        )
    ]
    if business:
        details = input_details(inputs)
        people: dict[str, Subject] = {}
        for director in details.get("directors") or []:
            if isinstance(director, dict) and isinstance(director.get("name"), str):
                people.setdefault(director["name"], _person(director, "director"))
        ownership = details.get("ownership")
        if isinstance(ownership, dict):
            for entity in ownership.get("entities") or []:
                if (
                    isinstance(entity, dict)
                    and entity.get("type") == "person"
                    and isinstance(entity.get("name"), str)
                ):
                    people.setdefault(entity["name"], _person(entity, "owner"))
        subjects.extend(people.values())
    return subjects


def _person(data: dict[str, Any], role: str) -> Subject:
    country = data.get("country")
    birth = data.get("birth_date")
    # A director's or owner's birth date is written as the client wrote it; only a
    # certain date (or year) of it is screened with.
    born = read_birth_date(birth).dates if isinstance(birth, str) else ()
    return Subject(
        name=data["name"],
        role=role,
        schema=Schema.person,
        birth_date=born[0] if len(born) == 1 else None,
        countries=(country,) if isinstance(country, str) else (),
    )


# What to load when no list holds what a check looks for.
_WHAT_TO_LOAD: dict[CheckType, str] = {
    CheckType.sanctions: (
        "Load a sanctions list: `casework lists update` fetches the official OFAC, UN and UK lists"
    ),
    CheckType.pep: (
        "Load a list of politically exposed persons, such as OpenSanctions' PEP dataset "
        "(FollowTheMoney JSON lines: `casework lists import --format ftm`)"
    ),
    CheckType.adverse_media: (
        "Load a list with crime, fraud, regulatory-warning or debarment topics (such as "
        "OpenSanctions' data, `casework lists import --format ftm`), or configure a news "
        "provider (CASEWORK_NEWS_PROVIDER)"
    ),
}


def _searched_lists(inputs: CheckInputs, context: RunContext) -> list[SearchedList]:
    """The lists this check searches: the tenant's, narrowed to those the check names
    and to those holding its topics. Raises CheckFailed when that leaves none, except
    for adverse media with a news provider, which then searches the news alone."""
    label = LABELS[inputs.check_type]
    if context.matcher is None or not context.lists:
        raise CheckFailed(
            f"no watchlist is loaded, so nobody was screened for {label}; {scope.LOAD_HINT}",
            title="Not screened: no watchlist is loaded",
        )
    requested = inputs.params.get("datasets")
    lists, missing = scope.chosen(context.lists, requested)
    if missing:
        raise CheckFailed(
            f"the check names lists that are not loaded: {', '.join(missing)}, so nobody "
            f"was screened for {label}; import them, or change the check's datasets",
            title=f"Not screened: {', '.join(missing)} not loaded",
        )
    topics = TOPICS[inputs.check_type]
    found = scope.holding(lists, topics, context.matcher.dataset_topics())
    news = inputs.check_type is CheckType.adverse_media and context.news is not None
    if not found and not news:
        raise CheckFailed(
            f"none of the loaded lists ({', '.join(item.label for item in lists)}) holds "
            f"{label} data (topics {', '.join(sorted(topics))}), so nobody was screened "
            f"for {label}. {_WHAT_TO_LOAD[inputs.check_type]}",
            title=f"Not screened: no {label} list is loaded",
        )
    return found


def run_screening(inputs: CheckInputs, context: RunContext) -> CheckResult:
    searched = _searched_lists(inputs, context)
    assert context.matcher is not None
    threshold = float(inputs.params.get("threshold", DEFAULT_THRESHOLD))
    subjects = screening_subjects(inputs)
    found = screen_subjects(
        context.matcher,
        inputs.check_type,
        subjects,
        threshold=threshold,
        datasets={item.name for item in searched},
    )
    evidence: dict[str, Any] = {
        "screened": found.screened,
        "threshold": threshold,
        "topics": sorted(TOPICS[inputs.check_type]),
        "datasets": [item.as_dict() for item in searched],
        "warnings": scope.warnings(searched),
    }
    if inputs.check_type is CheckType.adverse_media and context.news is not None:
        news_matches, evidence["news"] = _search_news(context.news, subjects, threshold)
        found.matches.extend(news_matches)
        if not searched:
            evidence["news_only"] = (
                f"No loaded list holds adverse media data, so no list was searched: only "
                f"the news provider {context.news.name}."
            )
    assessment = assess(
        inputs.check_type,
        found.screened,
        [(m.subject, m.caption, m.score, MatchDecision.unreviewed) for m in found.matches],
        scope_lines(evidence),
    )
    return CheckResult(
        risk_score=assessment.risk_score,
        outcome=assessment.outcome,
        title=assessment.title,
        reasoning=assessment.reasoning,
        evidence=evidence,
        matches=found.matches,
        dataset_versions=scope.versions(searched),
    )


def _search_news(
    provider: NewsProvider, subjects: list[Subject], threshold: float
) -> tuple[list[FoundMatch], dict[str, Any]]:
    """The provider's articles on each subject, kept at ``threshold`` relevance or above."""
    matches: list[FoundMatch] = []
    articles = 0
    for subject in subjects:
        try:
            found = provider.search(subject, since=None)
        except NewsUnavailable as exc:
            raise CheckFailed(
                f"the news provider {provider.name} is unavailable ({exc}); rerun the check later"
            ) from exc
        articles += len(found)
        matches.extend(
            _article_matches(
                provider.name,
                subject,
                found,
                threshold=threshold,
                limit=MATCHES_PER_SUBJECT,
            )
        )
    return matches, {"provider": provider.name, "articles": articles, "matches": len(matches)}


def _article_matches(
    provider_name: str,
    subject: Subject,
    articles: Iterable[Article],
    *,
    threshold: float,
    limit: int,
) -> list[FoundMatch]:
    """The ``limit`` most relevant articles at or above ``threshold``, as matches.

    An article found twice (the same url) counts once.
    """
    dataset = dataset_name(provider_name)
    kept: dict[str, Article] = {}
    for article in sorted(articles, key=lambda a: a.relevance, reverse=True):
        if article.relevance >= threshold:
            kept.setdefault(article_key(article.url), article)
    return [
        FoundMatch(
            subject=subject.name,
            subject_role=subject.role,
            dataset=dataset,
            entity_key=key,
            caption=article.title or article.url,
            schema=SCHEMA,
            topics=list(article.categories),
            programs=[],
            score=article.relevance,
            explanation=_explanation(provider_name, subject, article),
        )
        for key, article in list(kept.items())[:limit]
    ]


def _explanation(provider_name: str, subject: Subject, article: Article) -> dict[str, Any]:
    return {
        "kind": "news",
        "provider": provider_name,
        "url": article.url,
        "title": article.title,
        "source": article.source,
        "published": article.published.isoformat() if article.published else None,
        "snippet": article.snippet[:SNIPPET_CHARS],
        "categories": list(article.categories),
        "relevance": article.relevance,
        "subject": {"name": subject.name, "role": subject.role},
    }
