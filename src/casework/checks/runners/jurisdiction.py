"""The JURISDICTION check: how exposed a customer is to high-risk countries, on a given date.

Pure: it reads nothing but its arguments, so a worker, a rerun and a test all get the same result
for the same input. Every country given is looked up in the tenant's :class:`CountryRiskView`;
the score is the highest risk found, weighted by whose country it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from casework.checks.country_risk import (
    Assessment,
    CountryRiskView,
    Listing,
    Override,
    load_table,
    normalise_country,
    with_overrides,
)
from casework.checks.runners.base import (
    CheckFailed,
    CheckInputs,
    CheckResult,
    RunContext,
    input_details,
)

# The customer's own countries count in full. Owners and counterparties expose the customer less
# directly (ownership may be partial or indirect; a counterparty is one relationship among many),
# so the same country weighs slightly less there: a call-for-action owner country still scores
# 0.95 x 0.9 = 0.855, high enough for review.
CUSTOMER_WEIGHT = 1.0
OWNER_WEIGHT = 0.9
COUNTERPARTY_WEIGHT = 0.8
# A customer with no usable country cannot be cleared: scored as moderate, between the grey-list
# weight and none, until someone records the country.
NO_COUNTRY_SCORE = 0.5

_TITLE_LENGTH = 300  # the checks table's title column
_TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True)
class JurisdictionResult:
    risk_score: float  # 0..1
    title: str
    note: str
    reasoning: list[str]  # one line per country, then how the score was reached
    evidence: dict[str, Any]  # JSON-ready: each country looked at, by role, with its listings
    findings: list[dict[str, Any]]  # JSON-ready: listed countries, unknown codes, gaps
    dataset_versions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Role:
    key: str  # in evidence and findings
    group: str  # the evidence key for the role
    label: str  # in reasoning lines
    weight: float


_CUSTOMER = _Role("customer", "customer", "Customer", CUSTOMER_WEIGHT)
_OWNER = _Role("owner", "owners", "Owner", OWNER_WEIGHT)
_COUNTERPARTY = _Role("counterparty", "counterparties", "Counterparty", COUNTERPARTY_WEIGHT)


@dataclass
class _Hit:
    """The best-scoring country so far, for the title and the closing line."""

    who: str
    assessment: Assessment
    weighted: float


def _num(value: float) -> str:
    """0.95, 0.855, 0.50: enough digits to follow a weighted product by hand."""
    text = f"{value:.3f}"
    return text[:-1] if text.endswith("0") else text


def _weight(value: float) -> str:
    return f"{value:g}"


def _since(listing: Listing) -> str:
    return f" (since {listing.effective_from.isoformat()})" if listing.effective_from else ""


def _listings_text(listings: tuple[Listing, ...]) -> str:
    if not listings:
        return "on no list"
    return ", ".join(f"{listing.label}{_since(listing)}" for listing in listings)


def _override_text(view: CountryRiskView, override: Override) -> str:
    parts: list[str] = []
    if override.risk is not None:
        parts.append(f"rated {_num(override.risk)}")
    for list_id, member in override.lists.items():
        published = view.table.get_list(list_id)
        name = published.label if published is not None else list_id
        parts.append(f"{'put on' if member else 'taken off'} {name}")
    period = ""
    if override.effective_from and override.effective_to:
        period = f" {override.effective_from.isoformat()} to {override.effective_to.isoformat()}"
    elif override.effective_from:
        period = f" from {override.effective_from.isoformat()}"
    elif override.effective_to:
        period = f" until {override.effective_to.isoformat()}"
    note = f" ({override.note})" if override.note else ""
    return f"; tenant override{period}: {', '.join(parts)}{note}"


class _Run:
    def __init__(self, view: CountryRiskView, on: date) -> None:
        self.view = view
        self.on = on
        self.reasoning: list[str] = []
        self.findings: list[dict[str, Any]] = []
        self.best: _Hit | None = None
        self.checked = 0
        self.overrides_applied = 0

    def subject(self, role: _Role, name: str | None, raw: list[str]) -> dict[str, Any]:
        """Assess one subject's countries; returns its evidence entry."""
        who = role.label if name is None else f"{role.label} {name}"
        entries: list[dict[str, Any]] = []
        unknown: list[str] = []
        seen: set[str] = set()
        for value in raw:
            if not value.strip():
                continue
            code = normalise_country(value)
            if code is None:
                unknown.append(value)
                self._unknown(role, name, who, value)
            elif code not in seen:
                seen.add(code)
                entries.append(self._country(role, name, who, value, code))
        evidence: dict[str, Any] = {"countries": entries, "unknown": unknown}
        return evidence if name is None else {"name": name, **evidence}

    def _unknown(self, role: _Role, name: str | None, who: str, value: str) -> None:
        message = f"{who} country {value!r}: not an ISO 3166 country code, not assessed"
        self.reasoning.append(message)
        self.findings.append(
            {
                "kind": "unknown_country",
                "role": role.key,
                "subject": name,
                "value": value,
                "message": message,
            }
        )

    def _country(
        self, role: _Role, name: str | None, who: str, value: str, code: str
    ) -> dict[str, Any]:
        self.checked += 1
        assessment = self.view.assess(code, self.on)
        self.overrides_applied += len(assessment.overrides)
        weighted = round(assessment.risk * role.weight, 4)
        line = f"{who} country {code}: {_listings_text(assessment.table_listings)}"
        line += "".join(_override_text(self.view, o) for o in assessment.overrides)
        line += f" — risk {_num(assessment.risk)}"
        if role.weight != 1.0 and assessment.risk > 0:
            line += f" {_TIMES} {_weight(role.weight)} = {_num(weighted)}"
        self.reasoning.append(line)
        if assessment.listings:
            self.findings.append(
                {
                    "kind": "listed_country",
                    "role": role.key,
                    "subject": name,
                    "country": code,
                    "lists": [listing.list_id for listing in assessment.listings],
                    "risk": assessment.risk,
                    "weighted_risk": weighted,
                    "message": f"{who} country {code}: {_listings_text(assessment.listings)}",
                }
            )
        if self.best is None or weighted > self.best.weighted:
            self.best = _Hit(who, assessment, weighted)
        return {
            "input": value,
            "weight": role.weight,
            "weighted_risk": weighted,
            **assessment.model_dump(mode="json", exclude={"on"}),
        }


def run_jurisdiction(
    *,
    customer_countries: list[str],
    owner_countries: dict[str, list[str]],
    counterparty_countries: Mapping[str | None, list[str]],
    view: CountryRiskView,
    on: date,
) -> JurisdictionResult:
    """Score the customer's exposure to listed countries on ``on``.

    Owners and counterparties are keyed by name; countries of counterparties nobody named
    are under ``None``. Codes may be alpha-3, alpha-2 or numeric ISO 3166-1, in any case;
    anything else is reported as an ``unknown_country`` finding rather than failing the check.
    """
    run = _Run(view, on)
    customer = run.subject(_CUSTOMER, None, customer_countries)
    owners = [run.subject(_OWNER, name, codes) for name, codes in owner_countries.items()]
    counterparties = [
        run.subject(_COUNTERPARTY, name, codes) for name, codes in counterparty_countries.items()
    ]

    best = run.best
    score = best.weighted if best is not None else 0.0
    no_customer_country = not customer["countries"]
    if no_customer_country:
        given = "no recognisable country" if customer["unknown"] else "no country"
        message = f"{given} given for the customer"
        run.findings.append({"kind": "no_country", "role": "customer", "message": message})
        run.reasoning.append(
            f"Customer: {message} — scored at least {_num(NO_COUNTRY_SCORE)} until one is recorded"
        )
        score = max(score, NO_COUNTRY_SCORE)

    uncovered = view.uncovered(on)
    for risk_list in uncovered:
        first = risk_list.versions[0].effective_from.isoformat()
        message = (
            f"The country-risk table has no {risk_list.label} list before {first}: "
            f"countries not assessed against it for {on.isoformat()}"
        )
        run.reasoning.append(message)
        run.findings.append(
            {"kind": "table_not_covering_date", "list": risk_list.id, "message": message}
        )

    score = min(1.0, max(0.0, round(score, 4)))
    weights = (
        f"customer {_TIMES}{_weight(CUSTOMER_WEIGHT)}, owners {_TIMES}{_weight(OWNER_WEIGHT)}, "
        f"counterparties {_TIMES}{_weight(COUNTERPARTY_WEIGHT)}"
    )
    top = best if best is not None and best.weighted > 0 else None
    if top is not None and top.weighted >= score:
        source = f"{top.who} country {top.assessment.country}"
        run.reasoning.append(
            f"Score {_num(score)}: the highest weighted risk ({weights}), "
            f"from {source[0].lower()}{source[1:]}"
        )
        label = top.assessment.listings[0].label if top.assessment.listings else "tenant rating"
        title = f"{source}: {label}"
    elif no_customer_country:
        run.reasoning.append(f"Score {_num(score)}: no customer country to assess ({weights})")
        title = "No customer country given"
    else:
        run.reasoning.append(f"Score {_num(score)}: no country on a risk list ({weights})")
        title = "No listed jurisdiction"

    table = view.table
    note = (
        f"{run.checked} {'country' if run.checked == 1 else 'countries'} checked against "
        f"country-risk table {table.version} as of {on.isoformat()}"
    )
    if run.overrides_applied:
        note += f", {run.overrides_applied} tenant override(s) applied"
    note += f"; score {_num(score)}."
    unknown_count = sum(1 for finding in run.findings if finding["kind"] == "unknown_country")
    if unknown_count:
        note += f" {unknown_count} code(s) not recognised."

    evidence: dict[str, Any] = {
        "on": on.isoformat(),
        "table_version": table.version,
        "weights": {
            "customer": CUSTOMER_WEIGHT,
            "owner": OWNER_WEIGHT,
            "counterparty": COUNTERPARTY_WEIGHT,
            "no_country": NO_COUNTRY_SCORE,
        },
        "uncovered_lists": [risk_list.id for risk_list in uncovered],
        "customer": customer,
        "owners": owners,
        "counterparties": counterparties,
    }
    return JurisdictionResult(
        risk_score=score,
        title=title[:_TITLE_LENGTH],
        note=note,
        reasoning=run.reasoning,
        evidence=evidence,
        findings=run.findings,
        dataset_versions={"country_risk": table.version},
    )


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


def _customer_countries(inputs: CheckInputs, details: dict[str, Any]) -> list[str]:
    """The customer's country and nationality, and ``input_details.country`` (the
    customer's or the check's), where integrations written for other products give it."""
    countries = list(inputs.customer.countries) if inputs.customer else []
    given = details.get("country")
    if given is not None and not isinstance(given, str):
        raise CheckFailed("input_details.country must be a country code, such as IRN")
    if given and given.strip():
        countries.append(given)
    return countries


def run_country_risk(inputs: CheckInputs, context: RunContext) -> CheckResult:
    view = context.country_risk or with_overrides(load_table(), ())
    details = input_details(inputs)
    counterparties = details.get("counterparty_countries") or []
    if not isinstance(counterparties, list):
        raise CheckFailed("input_details.counterparty_countries must be a list of countries")
    result = run_jurisdiction(
        customer_countries=_customer_countries(inputs, details),
        owner_countries=_ownership_countries(details),
        # Listed without names: each reads "Counterparty country IRN".
        counterparty_countries={None: [c for c in counterparties if isinstance(c, str)]},
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
