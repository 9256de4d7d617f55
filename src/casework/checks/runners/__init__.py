"""One runner per check type, each pure given its inputs and the list versions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from casework.checks.country_risk import CountryRiskView, load_table, with_overrides
from casework.checks.policy import OutcomePolicy
from casework.checks.runners import ownership as ubo
from casework.checks.runners import screening as screening_check
from casework.checks.runners.jurisdiction import run_jurisdiction
from casework.checks.runners.news import NewsProvider, NewsUnavailable, article_matches
from casework.checks.runners.screening import FoundMatch, Subject
from casework.checks.runners.shareholder_register import parse_register
from casework.errors import ValidationFailed
from casework.models.enums import CheckType, CustomerType, MatchDecision, Outcome
from casework.screening import scope
from casework.screening.birth_dates import read_birth_date
from casework.screening.engine import DEFAULT_THRESHOLD, Matcher
from casework.screening.entity import Schema
from casework.screening.scope import SearchedList


@dataclass(frozen=True)
class CustomerFacts:
    """What the checks know of a customer: a plain copy, read in the claiming transaction."""

    customer_type: CustomerType
    name: str
    aliases: tuple[str, ...] = ()
    birth_date: str | None = None
    countries: tuple[str, ...] = ()
    input_details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckInputs:
    check_type: CheckType
    params: dict[str, Any]
    input_details: dict[str, Any]
    customer: CustomerFacts | None
    documents: dict[str, bytes]  # linked documents' bytes, by id
    today: date


@dataclass
class CheckResult:
    risk_score: float
    outcome: Outcome
    title: str
    note: str | None = None
    reasoning: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    matches: list[FoundMatch] = field(default_factory=list)
    dataset_versions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunContext:
    """What runners share: the matcher, the lists the case's tenant may search in it,
    the outcome policy."""

    matcher: Matcher | None
    lists: Sequence[SearchedList]
    policy: OutcomePolicy
    country_risk: CountryRiskView | None = None  # the tenant's view, for JURISDICTION and UBO
    news: NewsProvider | None = None  # searched by ADVERSE_MEDIA, besides the lists


class CheckFailed(Exception):
    """The check cannot run on these inputs; the message is shown on the check, under
    ``title`` when one says more than that it could not run."""

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.title = title


Runner = Callable[[CheckInputs, RunContext], CheckResult]


def _details(inputs: CheckInputs) -> dict[str, Any]:
    """The check's own input_details over the customer's."""
    base = dict(inputs.customer.input_details) if inputs.customer else {}
    return base | inputs.input_details


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
        details = _details(inputs)
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
    label = screening_check.LABELS[inputs.check_type]
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
    topics = screening_check.TOPICS[inputs.check_type]
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
    found = screening_check.screen_subjects(
        context.matcher,
        inputs.check_type,
        subjects,
        threshold=threshold,
        datasets={item.name for item in searched},
    )
    evidence: dict[str, Any] = {
        "screened": found.screened,
        "threshold": threshold,
        "topics": sorted(screening_check.TOPICS[inputs.check_type]),
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
    assessment = screening_check.assess(
        inputs.check_type,
        found.screened,
        [(m.subject, m.caption, m.score, MatchDecision.unreviewed) for m in found.matches],
        screening_check.scope_lines(evidence),
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
            article_matches(
                provider.name,
                subject,
                found,
                threshold=threshold,
                limit=screening_check.MATCHES_PER_SUBJECT,
            )
        )
    return matches, {"provider": provider.name, "articles": articles, "matches": len(matches)}


def _ownership_countries(details: dict[str, Any]) -> dict[str, list[str]]:
    """Countries of every entity in an ownership structure, by name (not the subject)."""
    ownership = details.get("ownership")
    found: dict[str, list[str]] = {}
    if not isinstance(ownership, dict):
        return found
    subject = ownership.get("subject")
    for entity in ownership.get("entities") or []:
        if not isinstance(entity, dict) or entity.get("id") == subject:
            continue
        country, name = entity.get("country"), entity.get("name")
        if isinstance(country, str) and isinstance(name, str):
            found.setdefault(name, []).append(country)
    return found


def run_country_risk(inputs: CheckInputs, context: RunContext) -> CheckResult:
    view = context.country_risk or with_overrides(load_table(), ())
    details = _details(inputs)
    counterparties = details.get("counterparty_countries") or []
    if not isinstance(counterparties, list):
        raise CheckFailed("input_details.counterparty_countries must be a list of countries")
    result = run_jurisdiction(
        customer_countries=list(inputs.customer.countries) if inputs.customer else [],
        owner_countries=_ownership_countries(details),
        counterparty_countries={"counterparty": [c for c in counterparties if isinstance(c, str)]},
        view=view,
        on=inputs.today,
    )
    return CheckResult(
        risk_score=result.risk_score,
        outcome=context.policy.outcome(result.risk_score),
        title=result.title,
        note=result.note,
        reasoning=result.reasoning,
        evidence=result.evidence | {"findings": result.findings},
        dataset_versions=dict(result.dataset_versions),
    )


HIGH_RISK_FROM = 0.6  # a country at this risk or above counts as high-risk for ownership


def _ownership(inputs: CheckInputs) -> ubo.OwnershipStructure:
    details = _details(inputs)
    try:
        if "ownership" in details:
            return ubo.parse_structure(details["ownership"])
        for content in inputs.documents.values():
            subject = inputs.customer.name if inputs.customer else None
            return parse_register(content.decode("utf-8-sig"), subject_name=subject)
    except ValidationFailed as exc:
        problems = "; ".join(f"{e.field}: {e.message}" for e in exc.errors[:5])
        raise CheckFailed(f"the ownership structure is not valid: {problems}") from exc
    except UnicodeDecodeError as exc:
        raise CheckFailed("the shareholder register is not UTF-8 text") from exc
    raise CheckFailed(
        "no ownership structure: give input_details.ownership or a shareholder register"
    )


def run_ubo(inputs: CheckInputs, context: RunContext) -> CheckResult:
    structure = _ownership(inputs)
    view = context.country_risk or with_overrides(load_table(), ())
    countries = {e.country for e in structure.entities if e.country}
    high_risk = frozenset(c for c in countries if view.risk(c, inputs.today) >= HIGH_RISK_FROM)
    analysis = ubo.resolve(
        structure,
        threshold=float(inputs.params.get("ubo_threshold") or 25.0),
        high_risk_countries=high_risk,
    )
    return CheckResult(
        risk_score=analysis.risk_score,
        outcome=context.policy.outcome(analysis.risk_score),
        title=analysis.title,
        reasoning=list(analysis.reasoning),
        evidence=analysis.as_evidence(),
    )


RUNNERS: dict[CheckType, Runner] = {
    CheckType.ubo_resolution: run_ubo,
    CheckType.jurisdiction: run_country_risk,
    CheckType.sanctions: run_screening,
    CheckType.pep: run_screening,
    CheckType.adverse_media: run_screening,
}


def run(inputs: CheckInputs, context: RunContext) -> CheckResult:
    runner = RUNNERS.get(inputs.check_type)
    if runner is None:
        raise CheckFailed(f"{inputs.check_type.value} checks cannot run here")
    return runner(inputs, context)
