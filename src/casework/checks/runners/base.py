"""What every check runner takes and gives: the check's inputs, what the runners
share, the result, and the failure of a check that cannot run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from casework.checks.country_risk import CountryRiskView
from casework.checks.policy import OutcomePolicy
from casework.checks.runners.news import NewsProvider
from casework.models.enums import CheckType, CustomerType, Outcome
from casework.rules.engine import CompiledRule, Loaded
from casework.screening.engine import Matcher
from casework.screening.scope import SearchedList

if TYPE_CHECKING:
    # Only named in annotations: the screening runner itself builds on this module.
    from casework.checks.runners.screening import FoundMatch


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
class LinkedTransactions:
    """What a TRANSACTION_RISK check runs on, read together: the tenant's enabled rules,
    the case's linked transactions as those rules see them (with the history of their
    customers that the rules read), and the external id of every transaction read."""

    rules: tuple[CompiledRule, ...]
    loaded: Loaded
    external_ids: dict[str, str]


@dataclass(frozen=True)
class CheckInputs:
    check_type: CheckType
    params: dict[str, Any]
    input_details: dict[str, Any]
    customer: CustomerFacts | None
    documents: dict[str, bytes]  # linked documents' bytes, by id
    today: date
    transactions: LinkedTransactions | None = None  # read, like documents, before the run


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


def input_details(inputs: CheckInputs) -> dict[str, Any]:
    """The check's own input_details over the customer's."""
    base = dict(inputs.customer.input_details) if inputs.customer else {}
    return base | inputs.input_details
