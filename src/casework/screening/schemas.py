from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from casework.infra.strict import StrictModel
from casework.infra.validation import DatasetName, country_alpha3
from casework.screening.entity import Entity, Schema

Country = Annotated[str, AfterValidator(country_alpha3)]
Text = Annotated[str, Field(min_length=1, max_length=300)]
# A screening reads a birth date as records write it and never fails on it
# (casework.screening.birth_dates); what it could not use is said in the result.
WrittenDate = Annotated[str, Field(min_length=1, max_length=60)]


class Subject(StrictModel):
    """Who or what to look for."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text
    aliases: list[Text] = Field(default_factory=list, max_length=20)
    birth_date: WrittenDate | None = Field(
        default=None,
        description=(
            "YYYY-MM-DD, YYYY-MM or YYYY; other ways of writing a date are read for what is "
            "certain (12/08/1977 as the year 1977, 1975-1979 as a range), and the result's "
            "warnings say so"
        ),
    )
    countries: list[Country] = Field(default_factory=list, max_length=10)
    gender: str | None = Field(default=None, pattern="^(male|female)$")
    identifiers: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=20
    )


class ScreeningRequest(Subject):
    schema_: Schema | None = Field(
        default=None,
        alias="schema",
        description="Person, Company, Organization, ...; any if absent",
    )
    datasets: list[DatasetName] | None = Field(default=None, max_length=50)
    topics: list[Annotated[str, Field(max_length=40)]] | None = Field(default=None, max_length=20)
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    limit: int = Field(default=10, ge=1, le=100)


class MatchOut(BaseModel):
    entity_id: str
    datasets: list[str]
    schema_: str = Field(alias="schema")
    caption: str
    names: list[str]
    score: float
    match: bool
    explanation: dict[str, Any]
    topics: list[str]
    programs: list[str]
    birth_dates: list[str]
    countries: list[str]

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class SearchedDataset(BaseModel):
    """One list version a screening searched."""

    name: str
    version: int
    published_at: datetime | None = Field(
        description="When the publisher issued this version; null when the source does not say"
    )
    imported_at: datetime
    stale: bool = Field(description="Older than CASEWORK_LIST_MAX_AGE_DAYS")


class ScreeningResult(BaseModel):
    matches: list[MatchOut]
    dataset_versions: dict[str, int]
    datasets: list[SearchedDataset] = Field(description="The list versions searched")
    warnings: list[str] = Field(
        description="Stale lists among those searched, and what of the query could not be used"
    )
    took_ms: float


class BatchRequest(StrictModel):
    """Each query is read on its own: one that is not valid is answered with its error in
    its place, and the others are screened."""

    model_config = ConfigDict(extra="forbid")

    queries: list[Any] = Field(
        min_length=1,
        max_length=1000,
        json_schema_extra={"items": {"$ref": "#/components/schemas/ScreeningRequest"}},
    )


class FieldProblem(BaseModel):
    field: str
    message: str


class QueryProblem(BaseModel):
    """Why one query of a batch was not screened, as a problem (RFC 9457) would say it."""

    status: int
    title: str
    detail: str
    errors: list[FieldProblem]


class QueryFailed(BaseModel):
    """A query of a batch that was not screened: it has no matches, only its error."""

    error: QueryProblem


class BatchResult(BaseModel):
    results: list[ScreeningResult | QueryFailed]


class CompareRequest(StrictModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: Schema = Field(default=Schema.person, alias="schema")
    a: Subject
    b: Subject
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class CompareResult(BaseModel):
    score: float
    match: bool
    explanation: dict[str, Any]
    warnings: list[str] = Field(
        default_factory=list, description="What of the two records could not be used"
    )


class EntityOut(BaseModel):
    entity_id: str
    dataset: str
    schema_: str = Field(alias="schema")
    caption: str
    entity: dict[str, Any]

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    @classmethod
    def of(cls, dataset: str, entity: Entity) -> EntityOut:
        return cls(
            entity_id=f"{dataset}:{entity.key}",
            dataset=dataset,
            schema_=entity.schema.value,
            caption=entity.caption,
            entity=entity.to_document(),
        )
