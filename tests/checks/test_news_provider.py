"""ADVERSE_MEDIA with a news provider: articles become matches beside the list matches,
decided and rolled up the same way. The runners are called directly, with no database."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from casework.checks import runners, service
from casework.checks.policy import OutcomePolicy
from casework.checks.runners import CheckFailed, CheckInputs, CustomerFacts, RunContext, news
from casework.checks.runners.news import Article, NewsProvider, NewsUnavailable
from casework.checks.runners.screening import Subject, assess
from casework.models import Check
from casework.models.enums import CheckType, CustomerType, MatchDecision, Outcome
from casework.screening.engine import Matcher
from casework.screening.entity import Entity, Name, Schema
from casework.screening.scope import SearchedList

TODAY = date(2025, 9, 1)
FRAUD_URL = "https://news.example/2024/05/kestrel-ridge-fraud-probe"


def _article(url: str, relevance: float, **fields: object) -> Article:
    values: dict[str, object] = {
        "title": f"Story at {url}",
        "source": "Example Times",
        "published": date(2024, 5, 2),
        "snippet": "Prosecutors opened an inquiry.",
        "categories": ("crime.fraud",),
    }
    return Article(url=url, relevance=relevance, **values | fields)  # type: ignore[arg-type]


@dataclass
class StaticProvider:
    """A news source that answers from a fixed table, by subject name, and notes its calls."""

    articles: dict[str, list[Article]] = field(default_factory=dict)
    name: str = "static"
    calls: list[tuple[Subject, date | None]] = field(default_factory=list)

    def search(self, subject: Subject, *, since: date | None) -> list[Article]:
        self.calls.append((subject, since))
        return list(self.articles.get(subject.name, []))


class DownProvider:
    name = "down"

    def search(self, subject: Subject, *, since: date | None) -> list[Article]:
        raise NewsUnavailable("timed out after 10s")


def make_provider() -> NewsProvider:
    return StaticProvider(name="factory")


NOT_CALLABLE = "static"


def not_a_provider() -> object:
    return object()


class BrokenProvider:
    name = "broken"

    def __init__(self) -> None:
        raise RuntimeError("NEWS_API_KEY is not set")


def unnamed_provider() -> StaticProvider:
    return StaticProvider(name="")


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(
        [
            (
                "warnings",
                Entity(
                    key="kr",
                    schema=Schema.company,
                    names=[Name("Kestrel Ridge Trading FZE")],
                    topics=["reg.warn"],
                ),
            ),
            # Sanctions and PEP lists, so that those checks have something to search.
            (
                "officials",
                Entity(
                    key="o1",
                    schema=Schema.person,
                    names=[Name("Tobiah Quenneville-Araki")],
                    topics=["sanction", "role.pep"],
                ),
            ),
        ]
    )


def _list(name: str, version: int) -> SearchedList:
    imported = datetime(2025, 8, 30, tzinfo=UTC)
    return SearchedList.of(
        name,
        version,
        published_at=None,
        imported_at=imported,
        now=imported + timedelta(days=2),
        max_age_days=30,
    )


def _context(matcher: Matcher, provider: NewsProvider | None) -> RunContext:
    return RunContext(
        matcher=matcher,
        lists=[_list("officials", 1), _list("warnings", 3)],
        policy=OutcomePolicy.of(None),
        news=provider,
    )


def _inputs(
    check_type: CheckType = CheckType.adverse_media,
    name: str = "Marta Okonkwo-Lindqvist",
    **params: object,
) -> CheckInputs:
    return CheckInputs(
        check_type=check_type,
        params=dict(params),
        input_details={},
        customer=CustomerFacts(customer_type=CustomerType.individual, name=name),
        documents={},
        today=TODAY,
    )


def _business(check_type: CheckType = CheckType.adverse_media) -> CheckInputs:
    return replace(
        _inputs(check_type),
        customer=CustomerFacts(
            customer_type=CustomerType.business,
            name="Kestrel Ridge Trading FZE",
            input_details={"directors": [{"name": "Marta Okonkwo-Lindqvist"}]},
        ),
    )


def test_articles_become_matches_with_their_explanation(matcher: Matcher) -> None:
    provider = StaticProvider(
        {"Marta Okonkwo-Lindqvist": [_article(FRAUD_URL, 0.91, categories=("crime.fraud",))]}
    )
    result = runners.run(_inputs(), _context(matcher, provider))

    assert [(s.name, since) for s, since in provider.calls] == [("Marta Okonkwo-Lindqvist", None)]
    [match] = result.matches
    assert match.dataset == "news:static"
    assert match.entity_key == hashlib.sha256(FRAUD_URL.encode()).hexdigest()
    assert match.entity_ref == f"news:static:{match.entity_key}"
    assert (match.subject, match.subject_role) == ("Marta Okonkwo-Lindqvist", "customer")
    assert match.caption == f"Story at {FRAUD_URL}"
    assert match.schema == "Article"
    assert (match.topics, match.programs, match.score) == (["crime.fraud"], [], 0.91)
    assert match.explanation == {
        "kind": "news",
        "provider": "static",
        "url": FRAUD_URL,
        "title": f"Story at {FRAUD_URL}",
        "source": "Example Times",
        "published": "2024-05-02",
        "snippet": "Prosecutors opened an inquiry.",
        "categories": ["crime.fraud"],
        "relevance": 0.91,
        "subject": {"name": "Marta Okonkwo-Lindqvist", "role": "customer"},
    }
    assert result.outcome is Outcome.pending
    assert result.risk_score == 0.91
    assert result.title == "1 potential adverse media match(es) to review"
    assert result.evidence["news"] == {"provider": "static", "articles": 1, "matches": 1}
    assert result.dataset_versions == {"warnings": 3}


def test_every_subject_is_searched_and_news_adds_to_list_matches(matcher: Matcher) -> None:
    provider = StaticProvider(
        {
            "Kestrel Ridge Trading FZE": [_article(FRAUD_URL, 0.8)],
            "Marta Okonkwo-Lindqvist": [_article("https://news.example/b", 0.75)],
        }
    )
    result = runners.run(_business(), _context(matcher, provider))

    assert [s.role for s, _ in provider.calls] == ["customer", "director"]
    assert [(m.dataset, m.subject_role) for m in result.matches] == [
        ("warnings", "customer"),
        ("news:static", "customer"),
        ("news:static", "director"),
    ]
    assert result.title == "3 potential adverse media match(es) to review"
    assert result.evidence["news"] == {"provider": "static", "articles": 2, "matches": 2}


def test_articles_below_the_threshold_are_ignored(matcher: Matcher) -> None:
    provider = StaticProvider({"Marta Okonkwo-Lindqvist": [_article(FRAUD_URL, 0.5)]})

    result = runners.run(_inputs(), _context(matcher, provider))
    assert result.matches == []
    assert result.outcome is Outcome.accepted
    assert result.evidence["news"] == {"provider": "static", "articles": 1, "matches": 0}

    lower = runners.run(_inputs(threshold=0.4), _context(matcher, provider))
    assert [m.score for m in lower.matches] == [0.5]


def test_an_article_found_twice_counts_once_and_each_subject_is_capped(matcher: Matcher) -> None:
    many = [_article(f"https://news.example/{i}", 0.7 + i / 100) for i in range(15)]
    provider = StaticProvider(
        {"Marta Okonkwo-Lindqvist": [_article(FRAUD_URL, 0.8), _article(FRAUD_URL, 0.9), *many]}
    )
    result = runners.run(_inputs(), _context(matcher, provider))

    assert len(result.matches) == 10
    assert result.matches[0].score == 0.9  # the more relevant copy, ranked first
    assert [m.entity_key for m in result.matches].count(news.article_key(FRAUD_URL)) == 1
    assert result.evidence["news"] == {"provider": "static", "articles": 17, "matches": 10}


@pytest.mark.parametrize("check_type", [CheckType.sanctions, CheckType.pep])
def test_sanctions_and_pep_never_ask_the_provider(matcher: Matcher, check_type: CheckType) -> None:
    provider = StaticProvider({"Kestrel Ridge Trading FZE": [_article(FRAUD_URL, 0.99)]})
    result = runners.run(_business(check_type), _context(matcher, provider))
    assert provider.calls == []
    assert all(not m.dataset.startswith("news:") for m in result.matches)
    assert "news" not in result.evidence


def test_without_a_provider_adverse_media_screens_the_lists_only(matcher: Matcher) -> None:
    result = runners.run(_business(), _context(matcher, None))
    assert [m.dataset for m in result.matches] == ["warnings"]
    assert set(result.evidence) == {"screened", "threshold", "topics", "datasets", "warnings"}
    assert [d["name"] for d in result.evidence["datasets"]] == ["warnings"]


def test_an_unavailable_provider_fails_the_check(matcher: Matcher) -> None:
    with pytest.raises(CheckFailed, match=r"news provider down is unavailable \(timed out"):
        runners.run(_inputs(), _context(matcher, DownProvider()))


def test_news_and_list_matches_are_assessed_together() -> None:
    def decided(news_decision: MatchDecision) -> Outcome:
        return assess(
            CheckType.adverse_media,
            ["Kestrel Ridge Trading FZE (customer)"],
            [
                (
                    "Kestrel Ridge Trading FZE",
                    "Kestrel Ridge Trading FZE",
                    0.8,
                    MatchDecision.false_positive,
                ),
                ("Kestrel Ridge Trading FZE", "Fraud probe", 0.9, news_decision),
            ],
        ).outcome

    assert decided(MatchDecision.unreviewed) is Outcome.pending
    assert decided(MatchDecision.false_positive) is Outcome.accepted
    assert decided(MatchDecision.true_positive) is Outcome.rejected


def test_a_false_positive_on_a_news_match_clears_it(matcher: Matcher) -> None:
    provider = StaticProvider({"Marta Okonkwo-Lindqvist": [_article(FRAUD_URL, 0.91)]})
    result = runners.run(_inputs(), _context(matcher, provider))
    [found] = result.matches

    # As the worker stores the result, then as an analyst's decision reassesses it.
    check = Check(
        tenant_id="t",
        case_id="c",
        type=CheckType.adverse_media,
        risk_score=result.risk_score,
        outcome=result.outcome,
        title=result.title,
        reasoning=result.reasoning,
        evidence=result.evidence,
    )
    service.store_matches(check, result.matches)
    [match] = check.matches
    assert (match.dataset, match.entity_key, match.explanation) == (
        found.dataset,
        found.entity_key,
        found.explanation,
    )
    match.decision = MatchDecision.unreviewed  # the column default
    service.reassess_screening(check)
    assert (check.outcome, check.risk_score) == (Outcome.pending, 0.91)

    match.decision = MatchDecision.false_positive
    service.reassess_screening(check)
    assert (check.outcome, check.risk_score) == (Outcome.accepted, 0.0)
    assert check.title == "No adverse media match (1 cleared)"

    match.decision = MatchDecision.true_positive
    service.reassess_screening(check)
    assert (check.outcome, check.risk_score) == (Outcome.rejected, 1.0)


def test_articles_check_their_relevance() -> None:
    with pytest.raises(ValueError, match="relevance"):
        _article(FRAUD_URL, 1.5)
    with pytest.raises(ValueError, match="url"):
        _article(" ", 0.5)


def test_load_provider_from_a_class_or_a_factory() -> None:
    assert news.load_provider(None) is None
    assert news.load_provider("  ") is None
    provider = news.load_provider(f"{__name__}:StaticProvider")
    assert provider is not None
    assert provider.name == "static"
    assert news.load_provider(f"{__name__}:StaticProvider") is provider  # made once
    made = news.load_provider(f"{__name__}:make_provider")
    assert made is not None
    assert made.name == "factory"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("casework.checks.news", "expected 'package.module:attr'"),
        (":StaticProvider", "expected 'package.module:attr'"),
        (f"{__name__}:", "expected 'package.module:attr'"),
        ("casework.no_such_module:Provider", "cannot import casework.no_such_module"),
        (f"{__name__}:Missing", "has no Missing"),
        (f"{__name__}:NOT_CALLABLE", "not a class or factory"),
        (f"{__name__}:not_a_provider", "needs a str name and a search method"),
        (f"{__name__}:BrokenProvider", "could not be created: NEWS_API_KEY is not set"),
        (f"{__name__}:unnamed_provider", "name must be 1 to 58 characters"),
    ],
)
def test_load_provider_rejects_a_bad_path(path: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        news.load_provider(path)
