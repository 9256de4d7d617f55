"""Running claimed checks, with no transaction open: each batch with the matcher, the
lists its tenant may search, and the news provider, each check with its documents, and
a TRANSACTION_RISK check with its tenant's enabled rules and the case's transactions."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from casework.checks import runners
from casework.checks.runners import CheckFailed, CheckResult, LinkedTransactions, news
from casework.infra.jobs import JobContext
from casework.models.enums import CheckType
from casework.processing.claim import Batch, Claimed
from casework.rules import engine
from casework.screening import scope
from casework.screening.matching import MatcherHolder
from casework.transactions import repository as transactions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ran:
    claimed: Claimed
    result: CheckResult | None
    error: str | None
    error_title: str | None = None  # what the check shows when it could not run


def run_checks(context: JobContext, batches: list[Batch]) -> list[tuple[Batch, list[Ran]]]:
    """Run each claimed check; a check that cannot run gives its reason instead."""
    with context.database.session(write=False) as session:
        matcher, versions = _matchers(context).get(session)
        # Each tenant searches the shared lists and its own, never another tenant's.
        lists = {
            tenant_id: scope.searchable(
                session,
                tenant_id=tenant_id,
                held=versions,
                max_age_days=context.settings.list_max_age_days,
            )
            for tenant_id in {batch.tenant_id for batch in batches}
        }
        linked = _linked_transactions(session, batches)
    try:
        provider, news_error = news.load_provider(context.settings.news_provider), None
    except ValueError as exc:  # a bad setting fails the checks that need it, visibly
        log.error("%s", exc)
        provider, news_error = None, str(exc)
    # Documents are read here, with no transaction open: on SQLite the claiming one
    # holds the database's write lock.
    storage = context.store()
    done = []
    for batch in batches:
        run_context = runners.RunContext(
            matcher=matcher if versions else None,
            lists=lists[batch.tenant_id],
            policy=batch.policy,
            country_risk=batch.country_risk,
            news=provider,
        )
        ran = []
        for claimed in batch.checks:
            if news_error and claimed.inputs.check_type is CheckType.adverse_media:
                ran.append(Ran(claimed, None, news_error))
                continue
            try:
                documents = {
                    doc_id: storage.read(key) for doc_id, key in claimed.document_keys.items()
                }
                inputs = replace(
                    claimed.inputs, documents=documents, transactions=linked.get(batch.case_id)
                )
                result = runners.run(inputs, run_context)
                ran.append(Ran(claimed, result, None))
            except CheckFailed as exc:
                ran.append(Ran(claimed, None, str(exc), exc.title))
            except Exception as exc:  # recorded on the check; the case reports ERROR
                log.exception("check %s failed", claimed.check_id)
                ran.append(Ran(claimed, None, f"internal error: {type(exc).__name__}"))
        done.append((batch, ran))
    return done


def _linked_transactions(session: Session, batches: list[Batch]) -> dict[str, LinkedTransactions]:
    """By case, what the TRANSACTION_RISK checks among ``batches`` run on: read here, as
    live monitoring reads it, so that the runner itself only evaluates."""
    rules: dict[str, tuple[engine.CompiledRule, ...]] = {}
    found: dict[str, LinkedTransactions] = {}
    for batch in batches:
        if all(c.inputs.check_type is not CheckType.transaction_risk for c in batch.checks):
            continue
        tenant_id = batch.tenant_id
        if tenant_id not in rules:
            rules[tenant_id] = tuple(engine.enabled_rules(session, tenant_id=tenant_id))
        ids = transactions.linked_ids(session, tenant_id=tenant_id, case_id=batch.case_id)
        loaded = engine.load_evaluated(
            session, tenant_id=tenant_id, rules=rules[tenant_id], transaction_ids=ids
        )
        read = [t.id for items in loaded.histories.by_customer.values() for t in items]
        found[batch.case_id] = LinkedTransactions(
            rules=rules[tenant_id],
            loaded=loaded,
            external_ids=transactions.external_ids(session, tenant_id=tenant_id, ids=read),
        )
    return found


def _matchers(context: JobContext) -> MatcherHolder:
    if context.matchers is None:  # a context made without one keeps the one built here
        context.matchers = MatcherHolder.shared(context.settings, context.storage)
    return context.matchers
