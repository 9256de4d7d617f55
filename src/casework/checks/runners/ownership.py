"""Beneficial ownership: which natural persons ultimately own or control the subject.

Pure: the structure comes in as data (``parse_structure``) and ``resolve`` works it out
without I/O. A person's effective ownership is the sum, over every simple chain of holdings
from the person to the subject, of the product of the holdings on the chain, computed with
exact fractions so that a threshold of exactly 25% is met by 50% of 50%.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from casework.infra.errors import FieldError, ValidationFailed
from casework.infra.field_paths import field_path
from casework.infra.validation import country_alpha3

MAX_ENTITIES = 2_000
MAX_OWNERSHIPS = 10_000
# The number of simple chains can grow exponentially with the structure, so enumeration
# stops at these caps; the shares found by then are reported as lower bounds.
MAX_STEPS = 250_000
MAX_PATHS = 5_000
MAX_CYCLES = 20
# Holding more than half of an entity controls it just as an explicit control right does.
MAJORITY = Fraction(1, 2)
_MAX_PROBLEMS = 50


EntityType = Literal[
    "person", "company", "trust", "foundation", "partnership", "fund", "government", "other"
]

# Risk: a transparent structure with identified owners scores BASE_RISK; each finding adds
# its code's weight, a code counting at most MAX_FINDINGS_PER_CODE times so that one long
# list of similar findings does not drown the rest; the total is capped at 1.0.
BASE_RISK = 0.05
MAX_FINDINGS_PER_CODE = 3
RISK_WEIGHTS: dict[str, float] = {
    "no_beneficial_owner": 0.30,
    "unresolved_chain": 0.20,
    "circular_ownership": 0.20,
    "missing_percentage": 0.10,
    "shares_exceed_100": 0.15,
    "nominee_holder": 0.20,
    "bearer_shares": 0.30,
    "trust_or_foundation_holder": 0.10,
    "high_risk_jurisdiction": 0.20,
    # Informational: an entity that holds nothing reaching the subject hides nothing.
    "unconnected_entity": 0.0,
}
FLAG_CODES = tuple(RISK_WEIGHTS)  # also the order in which flags are reported


class _Model(BaseModel):
    # Unknown keys are refused: a misspelt "percent" would otherwise read as a missing share.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


EntityId = Annotated[str, Field(min_length=1, max_length=100)]


class Entity(_Model):
    id: EntityId
    name: str = Field(min_length=1, max_length=300)
    type: EntityType
    country: Annotated[str, AfterValidator(country_alpha3)] | None = None
    nominee: bool = False
    bearer_shares: bool = False


class Ownership(_Model):
    owner: EntityId
    owned: EntityId
    percentage: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    control: bool = False


class OwnershipStructure(_Model):
    subject: EntityId
    entities: tuple[Entity, ...] = Field(min_length=1, max_length=MAX_ENTITIES)
    ownerships: tuple[Ownership, ...] = Field(default=(), max_length=MAX_OWNERSHIPS)

    @model_validator(mode="after")
    def _references(self) -> OwnershipStructure:
        problems = _reference_problems(self)
        if problems:
            raise _invalid(problems)
        return self


def _reference_problems(structure: OwnershipStructure) -> list[FieldError]:
    problems: list[FieldError] = []
    first: dict[str, int] = {}
    for i, entity in enumerate(structure.entities):
        if entity.id in first:
            message = f"duplicate id {entity.id!r} (also entities[{first[entity.id]}])"
            problems.append(FieldError(f"entities[{i}].id", message))
        first.setdefault(entity.id, i)
    types = {e.id: e.type for e in structure.entities}
    if structure.subject not in types:
        problems.append(FieldError("subject", f"{structure.subject!r} is not one of the entities"))
    elif types[structure.subject] == "person":
        problems.append(FieldError("subject", "must be a legal entity, not a person"))
    seen: dict[tuple[str, str], int] = {}
    for i, link in enumerate(structure.ownerships):
        for side, ref in (("owner", link.owner), ("owned", link.owned)):
            if ref not in types:
                problems.append(FieldError(f"ownerships[{i}].{side}", f"unknown entity {ref!r}"))
        if types.get(link.owned) == "person":
            problems.append(FieldError(f"ownerships[{i}].owned", "a person cannot be owned"))
        if link.owner == link.owned:
            problems.append(FieldError(f"ownerships[{i}].owned", "an entity cannot own itself"))
        key = (link.owner, link.owned)
        if key in seen:
            message = f"{link.owner!r} already holds {link.owned!r} in ownerships[{seen[key]}]"
            problems.append(FieldError(f"ownerships[{i}]", f"{message}; combine the two"))
        seen.setdefault(key, i)
    return problems[:_MAX_PROBLEMS]


def _invalid(problems: list[FieldError]) -> ValidationFailed:
    listed = "; ".join(f"{p.field}: {p.message}" for p in problems[:3])
    return ValidationFailed(f"Invalid ownership structure: {listed}", errors=problems)


def parse_structure(data: object) -> OwnershipStructure:
    """Validate a check's input; every problem names its field, e.g. ``ownerships[2].owner``."""
    try:
        return OwnershipStructure.model_validate(data)
    except ValidationError as exc:
        problems = [
            FieldError(
                field_path(e["loc"], empty="structure"), e["msg"].removeprefix("Value error, ")
            )
            for e in exc.errors(include_url=False)
        ]
        raise _invalid(problems[:_MAX_PROBLEMS]) from None


@dataclass(frozen=True)
class OwnershipPath:
    """One simple chain of holdings, the person first and the subject last."""

    ids: tuple[str, ...]
    percentages: tuple[float | None, ...]  # the holding on each link, in chain order
    share: Fraction | None  # product of the holdings; None if one is missing


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    entity_ids: tuple[str, ...]


@dataclass(frozen=True)
class OwnerResult:
    id: str
    name: str
    effective: Fraction  # exact share of the subject, 0..1; a lower bound when `lower_bound`
    effective_percent: float  # the same in percent, rounded to 4 places
    lower_bound: bool
    is_beneficial_owner: bool
    is_controller: bool
    paths: tuple[OwnershipPath, ...]
    control_path: tuple[str, ...]  # person first, subject last; empty unless a controller


@dataclass(frozen=True)
class UboAnalysis:
    structure: OwnershipStructure
    threshold: float
    owners: tuple[OwnerResult, ...]  # descending share, then name
    beneficial_owners: tuple[str, ...]  # person ids, descending share
    controllers: tuple[str, ...]  # person ids, same order
    flags: tuple[Flag, ...]
    complete: bool  # False when enumeration hit a cap
    risk_score: float
    title: str
    reasoning: tuple[str, ...] = field(repr=False)

    def as_evidence(self) -> dict[str, Any]:
        """JSON-serialisable: the graph, each person's result with its chains, the flags."""
        nodes = [e.model_dump(mode="json") for e in self.structure.entities]
        edges = [o.model_dump(mode="json") for o in self.structure.ownerships]
        owners = [
            {
                "id": o.id,
                "name": o.name,
                "effective_percent": o.effective_percent,
                "lower_bound": o.lower_bound,
                "is_beneficial_owner": o.is_beneficial_owner,
                "is_controller": o.is_controller,
                "paths": [
                    {"ids": list(p.ids), "percent": _percent_or_none(p.share)} for p in o.paths
                ],
                "control_path": list(o.control_path),
            }
            for o in self.owners
        ]
        return {
            "subject": self.structure.subject,
            "threshold": self.threshold,
            "complete": self.complete,
            "graph": {"nodes": nodes, "edges": edges},
            "owners": owners,
            "beneficial_owners": list(self.beneficial_owners),
            "controllers": list(self.controllers),
            "flags": [asdict(f) for f in self.flags],
            "risk_score": self.risk_score,
        }


class _Link(NamedTuple):
    owner: str
    owned: str
    percentage: float | None
    share: Fraction | None
    control: bool


class _Graph:
    def __init__(self, structure: OwnershipStructure) -> None:
        self.subject = structure.subject
        self.entities = {e.id: e for e in structure.entities}
        self.owners_of: dict[str, list[_Link]] = {e.id: [] for e in structure.entities}
        for o in structure.ownerships:
            share = None if o.percentage is None else _fraction(o.percentage) / 100
            self.owners_of[o.owned].append(_Link(o.owner, o.owned, o.percentage, share, o.control))
        # Everything that can reach the subject through holdings, the subject included.
        self.relevant = _reachable(self.subject, lambda n: (x.owner for x in self.owners_of[n]))

    def name(self, entity_id: str) -> str:
        return self.entities[entity_id].name


def _fraction(value: float) -> Fraction:
    # Through the shortest decimal repr, so that 30.1 is 301/10 and not the binary float.
    return Fraction(Decimal(repr(value)))


def _percent(share: Fraction) -> float:
    return round(float(share * 100), 4)


def _percent_or_none(share: Fraction | None) -> float | None:
    return None if share is None else _percent(share)


def _reachable(start: str, step: Callable[[str], Iterable[str]]) -> dict[str, str | None]:
    """Breadth-first from start: each node reached, with the node it was reached from."""
    via: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in step(node):
            if nxt not in via:
                via[nxt] = node
                queue.append(nxt)
    return via


@dataclass
class _Walk:
    paths: list[OwnershipPath] = field(default_factory=list)
    cycles: dict[frozenset[str], list[str]] = field(default_factory=dict)
    complete: bool = True


def _walk(graph: _Graph) -> _Walk:
    """Every simple chain from a person to the subject, following holdings backwards."""
    # A holding leading back onto the current chain closes a cycle; every cycle among the
    # entities that reach the subject is met this way.
    walk = _Walk()
    depth = {graph.subject: 0}
    # Each entity on the chain, the holdings into it still to try, and its share of the subject.
    stack: list[tuple[str, Iterator[_Link], Fraction | None]] = [
        (graph.subject, iter(graph.owners_of[graph.subject]), Fraction(1))
    ]
    links: list[_Link] = []  # links[k] leads into stack[k]
    closing: set[tuple[str, str]] = set()
    steps = 0
    while stack:
        node, incoming, held = stack[-1]
        link = next(incoming, None)
        if link is None:
            stack.pop()
            del depth[node]
            if links:
                links.pop()
            continue
        steps += 1
        if steps > MAX_STEPS:
            walk.complete = False
            return walk
        if link.owner in depth:
            if len(walk.cycles) < MAX_CYCLES and (link.owner, node) not in closing:
                closing.add((link.owner, node))
                loop = [n for n, _, _ in stack[depth[link.owner] :]]
                walk.cycles.setdefault(frozenset(loop), [loop[0], *loop[::-1]])
            continue
        share = None if held is None or link.share is None else held * link.share
        if graph.entities[link.owner].type == "person":
            if len(walk.paths) == MAX_PATHS:
                walk.complete = False
                return walk
            walk.paths.append(_path_of([*links, link], share))
        else:
            links.append(link)
            depth[link.owner] = len(stack)
            stack.append((link.owner, iter(graph.owners_of[link.owner]), share))
    return walk


def _path_of(links: list[_Link], share: Fraction | None) -> OwnershipPath:
    chain = links[::-1]
    ids = (chain[0].owner, *(link.owned for link in chain))
    return OwnershipPath(ids, tuple(link.percentage for link in chain), share)


def _controls(link: _Link) -> bool:
    return link.control or (link.share is not None and link.share > MAJORITY)


def resolve(
    structure: OwnershipStructure,
    *,
    threshold: float = 25.0,
    high_risk_countries: frozenset[str] = frozenset(),
) -> UboAnalysis:
    """Effective shares, beneficial owners (share >= threshold percent), controllers, flags."""
    if not 0 < threshold <= 100:
        raise ValueError("threshold must be a percentage above 0 and at most 100")
    graph = _Graph(structure)
    walk = _walk(graph)
    controlling = _reachable(
        graph.subject, lambda n: (x.owner for x in graph.owners_of[n] if _controls(x))
    )
    bar = _fraction(threshold) / 100
    by_person: dict[str, list[OwnershipPath]] = {}
    for path in walk.paths:
        by_person.setdefault(path.ids[0], []).append(path)
    owners: list[OwnerResult] = []
    for person in structure.entities:
        if person.type != "person":
            continue
        paths = tuple(by_person.get(person.id, ()))
        control_path: list[str] = []
        step: str | None = person.id if person.id in controlling else None
        while step is not None:
            control_path.append(step)
            step = controlling[step]
        if not paths and not control_path:
            continue
        total = sum((p.share for p in paths if p.share is not None), Fraction(0))
        lower = not walk.complete or any(p.share is None for p in paths)
        owners.append(
            OwnerResult(
                id=person.id,
                name=person.name,
                effective=total,
                effective_percent=_percent(total),
                lower_bound=lower,
                is_beneficial_owner=total >= bar,
                is_controller=bool(control_path),
                paths=paths,
                control_path=tuple(control_path),
            )
        )
    owners.sort(key=lambda o: (-o.effective, o.name, o.id))
    beneficial = tuple(o.id for o in owners if o.is_beneficial_owner)
    controllers = tuple(o.id for o in owners if o.is_controller)
    risky = frozenset(c.strip().upper() for c in high_risk_countries)
    flags = _flags(graph, walk, risky)
    if not beneficial and not controllers:
        message = f"No natural person holds {_pct(threshold)} or more, or control"
        flags.append(Flag("no_beneficial_owner", message, (graph.subject,)))
    flags.sort(key=lambda f: FLAG_CODES.index(f.code))
    counts = Counter(f.code for f in flags)
    score = BASE_RISK + sum(
        RISK_WEIGHTS[c] * min(n, MAX_FINDINGS_PER_CODE) for c, n in counts.items()
    )
    others = len(set(controllers) - set(beneficial))
    return UboAnalysis(
        structure=structure,
        threshold=threshold,
        owners=tuple(owners),
        beneficial_owners=beneficial,
        controllers=controllers,
        flags=tuple(flags),
        complete=walk.complete,
        risk_score=round(min(score, 1.0), 4),
        title=_title(len(beneficial), others, len(flags)),
        reasoning=tuple(_reasoning(graph, owners, flags, threshold)),
    )


def _flags(graph: _Graph, walk: _Walk, high_risk: frozenset[str]) -> list[Flag]:
    flags: list[Flag] = []

    def add(code: str, ids: Iterable[str], message: str) -> None:
        flags.append(Flag(code, message, tuple(ids)))

    if not walk.complete:
        limit = f"Stopped after {MAX_PATHS} chains or {MAX_STEPS} steps"
        add("unresolved_chain", [graph.subject], f"{limit}; shares are lower bounds")
    for members, cycle in walk.cycles.items():
        loop = " → ".join(graph.name(e) for e in cycle)
        ids = [e for e in graph.entities if e in members]
        add("circular_ownership", ids, f"Circular ownership: {loop}; chains pass each once")
    subject = graph.name(graph.subject)
    for e in graph.entities.values():
        incoming = graph.owners_of[e.id]
        held = sum((x.share for x in incoming if x.share is not None), Fraction(0))
        if held > 1:
            ids = [e.id, *(x.owner for x in incoming)]
            add("shares_exceed_100", ids, f"Holdings in {e.name} add up to {_pct(held * 100)}")
        if e.id not in graph.relevant:
            add("unconnected_entity", [e.id], f"{e.name} holds nothing reaching {subject}")
            continue
        for x in (x for x in incoming if x.percentage is None):
            owner = graph.name(x.owner)
            add("missing_percentage", [x.owner, e.id], f"{owner}'s share of {e.name} is not given")
        if not incoming and e.type not in ("person", "government"):
            add("unresolved_chain", [e.id], f"No owners are given for {e.name} ({e.type})")
        if e.nominee and e.id != graph.subject:
            add("nominee_holder", [e.id], f"{e.name} holds as a nominee for someone unnamed")
        if e.bearer_shares:
            add("bearer_shares", [e.id], f"{e.name} has issued untraceable bearer shares")
        if e.type in ("trust", "foundation") and e.id != graph.subject:
            add("trust_or_foundation_holder", [e.id], f"{e.name} is a {e.type} in the chain")
        if e.country in high_risk:
            add("high_risk_jurisdiction", [e.id], f"{e.name} is in {e.country}, high-risk")
    return flags


def _pct(value: float | Fraction) -> str:
    return f"{float(value):.4f}".rstrip("0").rstrip(".") + "%"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _title(beneficial: int, other_controllers: int, findings: int) -> str:
    counted = ((beneficial, "beneficial owner"), (other_controllers, "controller"))
    found = [_plural(n, noun) for n, noun in counted if n]
    who = " and ".join(found) + " identified" if found else "No beneficial owner identified"
    return f"{who}; {_plural(findings, 'finding') if findings else 'no findings'}"


def _chain_line(graph: _Graph, path: OwnershipPath) -> str:
    given = [None if p is None else _pct(p) for p in path.percentages]
    hops = [graph.name(path.ids[0])]
    for entity_id, pct in zip(path.ids[1:], given, strict=True):
        # A single holding reads plainly; on longer chains each hop shows its own share.
        hops.append(graph.name(entity_id) + (f" ({pct or '?'})" if len(given) > 1 else ""))
    product = " \N{MULTIPLICATION SIGN} ".join(pct or "?" for pct in given)
    result = "unknown (a percentage is missing)" if path.share is None else _total(path.share)
    return f"{' → '.join(hops)}: {product} = {result}"


def _total(share: Fraction) -> str:
    return f"{float(share * 100):.2f}%"


def _reasoning(
    graph: _Graph, owners: list[OwnerResult], flags: list[Flag], threshold: float
) -> Iterator[str]:
    subject = graph.name(graph.subject)
    if not any(o.paths for o in owners):
        yield f"No chain of holdings leads from a natural person to {subject}."
    for owner in owners:
        yield from (_chain_line(graph, p) for p in owner.paths)
    for owner in owners:
        bound = "at least " if owner.lower_bound else ""
        verdict = "beneficial owner" if owner.is_beneficial_owner else "below the threshold"
        total = f"{bound}{_total(owner.effective)}"
        yield f"{owner.name}: {total} in total; {verdict} (threshold {_pct(threshold)})"
    for owner in (o for o in owners if o.is_controller):
        hops = [owner.name]
        for holder, held in zip(owner.control_path, owner.control_path[1:], strict=False):
            link = next(x for x in graph.owners_of[held] if x.owner == holder)
            how = "control right" if link.control else f"{_pct(link.percentage or 0)}, majority"
            hops.append(f"{graph.name(held)} ({how})")
        yield f"{owner.name} controls {subject}: {' → '.join(hops)}"
    for flag in flags:
        yield f"Finding ({flag.code}): {flag.message}"
