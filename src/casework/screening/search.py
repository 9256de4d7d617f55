"""Screening requests against the matcher, shaped for the API."""

from __future__ import annotations

import math
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from casework.config import Settings
from casework.infra.errors import DomainError, NotFound
from casework.infra.field_paths import field_path
from casework.screening import scope
from casework.screening.birth_dates import read_birth_date
from casework.screening.engine import Matcher, Query
from casework.screening.entity import Entity, NameKind, Schema
from casework.screening.matching import MatcherHolder, worker_matcher
from casework.screening.schemas import (
    CompareRequest,
    CompareResult,
    EntityOut,
    FieldProblem,
    MatchOut,
    QueryFailed,
    QueryProblem,
    ScreeningRequest,
    ScreeningResult,
    SearchedDataset,
    Subject,
)
from casework.screening.scope import SearchedList

POOLED_FROM = 100  # queries in a batch from which worker processes screen it
PARTS_PER_WORKER = 4

Answer = ScreeningResult | QueryFailed
_ANSWER: TypeAdapter[Answer] = TypeAdapter(Answer)


def _query(subject: Subject, schema: Schema | None) -> tuple[Query, list[str]]:
    """The engine's query, and notes on what of the subject could not be used."""
    born = read_birth_date(subject.birth_date) if subject.birth_date else None
    query = Query(
        schema=schema,
        name=subject.name,
        aliases=list(subject.aliases),
        birth_dates=list(born.dates) if born else [],
        countries=list(subject.countries),
        gender=subject.gender,
        identifiers=list(subject.identifiers),
    )
    return query, [born.note] if born and born.note else []


def _match_out(
    dataset: str, entity: Entity, score: float, threshold: float, explanation: dict[str, object]
) -> MatchOut:
    return MatchOut(
        entity_id=f"{dataset}:{entity.key}",
        datasets=[dataset],
        schema_=entity.schema.value,
        caption=entity.caption,
        names=[n.value for n in entity.names if n.kind != NameKind.weak],
        score=round(score, 4),
        match=score >= threshold,
        explanation=dict(explanation),
        topics=entity.topics,
        programs=entity.programs,
        birth_dates=entity.birth_dates,
        countries=sorted({*entity.countries, *entity.nationalities}),
    )


def _run(
    matcher: Matcher,
    lists: list[SearchedList],
    visible: set[str],
    request: ScreeningRequest,
    default_threshold: float,
    field: str = "datasets",
) -> ScreeningResult:
    started = time.perf_counter()
    searched = scope.pick(
        lists,
        visible=visible,
        requested=request.datasets,
        topics=request.topics,
        dataset_topics=matcher.dataset_topics(),
        field=field,
    )
    threshold = request.threshold if request.threshold is not None else default_threshold
    query, notes = _query(request, request.schema_)
    found = matcher.search(
        query,
        threshold=threshold,
        limit=request.limit,
        datasets={item.name for item in searched},
        topics=set(request.topics) if request.topics else None,
    )
    matches = []
    for match in found:
        entity = matcher.entity(match.dataset, match.entity_key)
        if entity is not None:
            matches.append(
                _match_out(match.dataset, entity, match.score, threshold, match.explanation)
            )
    return ScreeningResult(
        matches=matches,
        dataset_versions=scope.versions(searched),
        datasets=[SearchedDataset.model_validate(item, from_attributes=True) for item in searched],
        warnings=scope.warnings(searched) + notes,
        took_ms=round((time.perf_counter() - started) * 1000, 3),
    )


def _lists(
    session: Session, holder: MatcherHolder, tenant_id: str | None, settings: Settings
) -> tuple[Matcher, list[SearchedList], set[str]]:
    """The matcher, the lists the tenant may search in it, and every name it may see."""
    matcher, held = holder.get(session)
    lists = scope.searchable(
        session, tenant_id=tenant_id, held=held, max_age_days=settings.list_max_age_days
    )
    return matcher, lists, scope.visible_names(session, tenant_id=tenant_id)


def screen(
    session: Session,
    holder: MatcherHolder,
    request: ScreeningRequest,
    *,
    tenant_id: str | None,
    settings: Settings,
) -> ScreeningResult:
    """Screen one request against the lists ``tenant_id`` may search (None: only the
    lists every tenant shares)."""
    matcher, lists, visible = _lists(session, holder, tenant_id, settings)
    return _run(matcher, lists, visible, request, settings.screening_threshold)


def screen_many(
    session: Session,
    holder: MatcherHolder,
    queries: list[Any],
    *,
    tenant_id: str | None,
    settings: Settings,
) -> list[bytes]:
    """Screen each query on its own: one that is invalid, or names a list that cannot be
    searched, is answered with its error in its place and the others are screened.
    With no list at all every query would fail alike, so that is one error.

    Each answer comes back as its JSON (``answer_json``), for ``batch_body`` to join.
    A large batch is screened by worker processes holding the same matcher, all at
    once (``MatcherHolder.workers``); the answers are the same either way. A worker
    sends its answers back written: bytes cross between processes for next to nothing,
    where the models themselves would cost the request more to unpickle than to
    screen."""
    matcher, lists, visible = _lists(session, holder, tenant_id, settings)
    if not lists:
        raise scope.NothingToSearch.on(
            "datasets", f"nothing was searched: no watchlist is loaded; {scope.LOAD_HINT}"
        )
    threshold = settings.screening_threshold
    workers = (
        holder.workers(matcher, settings.screening_processes)
        if len(queries) >= POOLED_FROM
        else None
    )
    if workers is None:
        return _written(_screen_part(matcher, lists, visible, queries, 0, threshold))
    # Parts several to a worker, so that one slow part leaves the others busy.
    size = max(1, math.ceil(len(queries) / (workers.count * PARTS_PER_WORKER)))
    try:
        parts = [
            workers.pool.submit(
                _screen_in_worker, lists, visible, queries[at : at + size], at, threshold
            )
            for at in range(0, len(queries), size)
        ]
        return [result for part in parts for result in part.result()]
    except BrokenProcessPool:
        # A worker died (killed, out of memory): this batch is screened here, and the
        # next one by new workers.
        holder.drop_workers(workers)
        return _written(_screen_part(matcher, lists, visible, queries, 0, threshold))


def _screen_in_worker(
    lists: list[SearchedList],
    visible: set[str],
    queries: list[Any],
    offset: int,
    default_threshold: float,
) -> list[bytes]:
    """``_screen_part`` in a worker process, with the matcher it mapped."""
    return _written(
        _screen_part(worker_matcher(), lists, visible, queries, offset, default_threshold)
    )


def answer_json(answer: Answer) -> bytes:
    """One answer of a batch as the API writes it (fields by their aliases)."""
    return _ANSWER.dump_json(answer, by_alias=True)


def _written(answers: list[Answer]) -> list[bytes]:
    return [answer_json(answer) for answer in answers]


def batch_body(answers: list[bytes]) -> bytes:
    """The JSON of ``BatchResult`` holding these answers (each ``answer_json``)."""
    return b'{"results":[' + b",".join(answers) + b"]}"


def _screen_part(
    matcher: Matcher,
    lists: list[SearchedList],
    visible: set[str],
    queries: list[Any],
    offset: int,
    default_threshold: float,
) -> list[Answer]:
    """Each query screened on its own (``queries[offset]`` onwards of a batch), an
    invalid one answered with its error in its place."""
    results: list[Answer] = []
    for index, raw in enumerate(queries, start=offset):
        field = f"queries[{index}]"
        try:
            request = ScreeningRequest.model_validate(raw)
            results.append(
                _run(matcher, lists, visible, request, default_threshold, f"{field}.datasets")
            )
        except ValidationError as exc:
            results.append(_invalid(field, exc))
        except DomainError as exc:
            results.append(_failed(exc))
    return results


def _invalid(field: str, exc: ValidationError) -> QueryFailed:
    errors = [
        FieldProblem(
            field=field_path((field, *error["loc"]), indexed=False),
            message=str(error["msg"]),
        )
        for error in exc.errors(include_url=False, include_input=False)
    ]
    names = ", ".join(sorted({e.field for e in errors}))
    return QueryFailed(
        error=QueryProblem(
            status=422, title="Validation failed", detail=f"invalid fields: {names}", errors=errors
        )
    )


def _failed(exc: DomainError) -> QueryFailed:
    return QueryFailed(
        error=QueryProblem(
            status=exc.status,
            title=exc.title,
            detail=exc.detail,
            errors=[FieldProblem(**e.as_dict()) for e in exc.errors],
        )
    )


def compare(request: CompareRequest, default_threshold: float) -> CompareResult:
    (a, notes_a), (b, notes_b) = (
        _query(request.a, request.schema_),
        _query(request.b, request.schema_),
    )
    score, explanation = Matcher.compare(request.schema_, a, b)
    threshold = request.threshold if request.threshold is not None else default_threshold
    return CompareResult(
        score=round(score, 4),
        match=score >= threshold,
        explanation=explanation,
        warnings=[f"a: {n}" for n in notes_a] + [f"b: {n}" for n in notes_b],
    )


def get_entity(
    session: Session, holder: MatcherHolder, entity_id: str, *, tenant_id: str | None
) -> EntityOut:
    """A listed entity of a list ``tenant_id`` may see; any other is not found."""
    dataset, sep, key = entity_id.partition(":")
    matcher, _ = holder.get(session)
    visible = sep and scope.is_visible(session, dataset, tenant_id=tenant_id)
    entity = matcher.entity(dataset, key) if visible else None
    if entity is None:
        raise NotFound(f"no watchlist entity {entity_id}")
    return EntityOut.of(dataset, entity)
