"""Screening requests against the matcher, shaped for the API."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from casework.errors import NotFound, ValidationFailed
from casework.screening.engine import Matcher, Query
from casework.screening.entity import Entity, NameKind, Schema
from casework.screening.matching import MatcherHolder
from casework.screening.schemas import (
    CompareRequest,
    CompareResult,
    EntityOut,
    MatchOut,
    ScreeningRequest,
    ScreeningResult,
    Subject,
)


def _query(subject: Subject, schema: Schema | None) -> Query:
    return Query(
        schema=schema,
        name=subject.name,
        aliases=list(subject.aliases),
        birth_date=subject.birth_date,
        countries=list(subject.countries),
        gender=subject.gender,
        identifiers=list(subject.identifiers),
    )


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
    matcher: Matcher, versions: dict[str, int], request: ScreeningRequest, default_threshold: float
) -> ScreeningResult:
    started = time.perf_counter()
    if request.datasets:
        unknown = sorted(set(request.datasets) - set(versions))
        if unknown:
            raise ValidationFailed.on("datasets", f"no imported dataset {', '.join(unknown)}")
    threshold = request.threshold if request.threshold is not None else default_threshold
    found = matcher.search(
        _query(request, request.schema_),
        threshold=threshold,
        limit=request.limit,
        datasets=set(request.datasets) if request.datasets else None,
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
        dataset_versions=versions,
        took_ms=round((time.perf_counter() - started) * 1000, 3),
    )


def screen(
    session: Session, holder: MatcherHolder, request: ScreeningRequest, default_threshold: float
) -> ScreeningResult:
    matcher, versions = holder.get(session)
    return _run(matcher, versions, request, default_threshold)


def screen_many(
    session: Session,
    holder: MatcherHolder,
    requests: list[ScreeningRequest],
    default_threshold: float,
) -> list[ScreeningResult]:
    matcher, versions = holder.get(session)
    results = []
    for index, request in enumerate(requests):
        try:
            results.append(_run(matcher, versions, request, default_threshold))
        except ValidationFailed as exc:
            raise ValidationFailed.on(f"queries[{index}].datasets", exc.errors[0].message) from exc
    return results


def compare(request: CompareRequest, default_threshold: float) -> CompareResult:
    score, explanation = Matcher.compare(
        request.schema_, _query(request.a, request.schema_), _query(request.b, request.schema_)
    )
    threshold = request.threshold if request.threshold is not None else default_threshold
    return CompareResult(score=round(score, 4), match=score >= threshold, explanation=explanation)


def get_entity(session: Session, holder: MatcherHolder, entity_id: str) -> EntityOut:
    dataset, sep, key = entity_id.partition(":")
    matcher, _ = holder.get(session)
    entity = matcher.entity(dataset, key) if sep else None
    if entity is None:
        raise NotFound(f"no watchlist entity {entity_id}")
    return EntityOut.of(dataset, entity)
