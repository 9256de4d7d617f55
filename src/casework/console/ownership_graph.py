"""The ownership structure a UBO check stored, drawn as an SVG graph on the server.

Entities are laid out in rows by their distance (in holdings) from the subject, the
subject at the bottom and its ultimate owners at the top; each holding is an arrow from
owner to owned, labelled with its percentage. Every name reaches the markup as an
argument of ``Markup.format``, which escapes it. The same facts are listed in tables,
for screen readers and for structures too large to draw legibly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from markupsafe import Markup

MAX_DRAWN = 60  # entities; larger structures are shown as tables only
BOX_W, BOX_H = 200, 46
GAP_X, GAP_Y = 24, 78
BEND_W = 24
CYCLE_SHIFT = 16
MARGIN = 16
NAME_CHARS = 23


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    type: str
    country: str | None
    nominee: bool
    bearer_shares: bool


@dataclass(frozen=True)
class Link:
    owner: Node
    owned: Node
    percentage: float | None
    control: bool

    @property
    def label(self) -> str:
        share = "?" if self.percentage is None else f"{self.percentage:g}%"
        return f"{share} + control" if self.control else share


@dataclass(frozen=True)
class Owner:
    name: str
    effective_percent: float
    lower_bound: bool
    is_beneficial_owner: bool
    is_controller: bool


@dataclass(frozen=True)
class OwnershipView:
    subject: Node
    nodes: list[Node]
    links: list[Link]
    owners: list[Owner]
    threshold: float | None
    flags: list[str]
    svg: Markup | None  # None when the structure is too large to draw


def ownership_view(evidence: dict[str, Any], key: str) -> OwnershipView | None:
    """The view of a UBO check's evidence, or None when it holds no structure.
    ``key`` makes the SVG's element ids unique on the page."""
    graph = evidence.get("graph")
    if not isinstance(graph, dict) or not graph.get("nodes"):
        return None
    nodes = {n["id"]: _node(n) for n in graph["nodes"]}
    subject = nodes.get(str(evidence.get("subject")))
    if subject is None:
        return None
    links = [
        Link(nodes[e["owner"]], nodes[e["owned"]], e.get("percentage"), bool(e.get("control")))
        for e in graph.get("edges", [])
        if e.get("owner") in nodes and e.get("owned") in nodes
    ]
    beneficial = set(evidence.get("beneficial_owners", []))
    drawn = (
        _svg(subject, list(nodes.values()), links, beneficial, key)
        if len(nodes) <= MAX_DRAWN
        else None
    )
    return OwnershipView(
        subject=subject,
        nodes=list(nodes.values()),
        links=links,
        owners=[_owner(o) for o in evidence.get("owners", [])],
        threshold=evidence.get("threshold"),
        flags=[str(f.get("message", f.get("code", ""))) for f in evidence.get("flags", [])],
        svg=drawn,
    )


def _node(raw: dict[str, Any]) -> Node:
    return Node(
        id=str(raw["id"]),
        name=str(raw.get("name", raw["id"])),
        type=str(raw.get("type", "other")),
        country=raw.get("country"),
        nominee=bool(raw.get("nominee")),
        bearer_shares=bool(raw.get("bearer_shares")),
    )


def _owner(raw: dict[str, Any]) -> Owner:
    return Owner(
        name=str(raw.get("name", raw.get("id", ""))),
        effective_percent=float(raw.get("effective_percent", 0.0)),
        lower_bound=bool(raw.get("lower_bound")),
        is_beneficial_owner=bool(raw.get("is_beneficial_owner")),
        is_controller=bool(raw.get("is_controller")),
    )


def _depths(subject: Node, nodes: list[Node], links: list[Link]) -> dict[str, int]:
    """Each entity's row: the longest chain of holdings from it down to the subject, so
    that every arrow points down; a holding that closes a cycle is not followed, and
    entities that reach the subject through no holding get a row of their own on top."""
    owned_by: dict[str, list[str]] = {n.id: [] for n in nodes}
    for link in links:
        owned_by[link.owner.id].append(link.owned.id)
    known = {subject.id: 0}
    on_path: set[str] = set()

    def depth(node: str) -> int:
        if node in known:
            return known[node]
        on_path.add(node)
        below = [depth(o) for o in owned_by[node] if o not in on_path]
        on_path.discard(node)
        known[node] = max((d + 1 for d in below if d >= 0), default=-1)
        return known[node]

    found = {n.id: depth(n.id) for n in nodes}
    top = max(found.values()) + 1
    return {node: d if d >= 0 else top for node, d in found.items()}


Slot = str | tuple[int, int]  # an entity's id, or (holding, row) for a bend of a long arrow
Point = tuple[float, float]


@dataclass(frozen=True)
class Layout:
    centres: dict[str, Point]  # of each entity's box
    bends: dict[int, list[Point]]  # by holding: where an arrow spanning rows passes each row
    width: int
    height: int


def _layout(subject: Node, nodes: list[Node], links: list[Link]) -> Layout:
    """Rows by depth; an arrow spanning several rows gets a bend in each row between, which
    takes a narrow place in that row, so that it runs beside the boxes and not across them.
    Rows are ordered by barycentres, sweeping up, down and up again."""
    depth = _depths(subject, nodes, links)
    rows: dict[int, list[Slot]] = {}
    below: dict[Slot, list[Slot]] = {n.id: [] for n in nodes}
    above: dict[Slot, list[Slot]] = {n.id: [] for n in nodes}
    for node in nodes:
        rows.setdefault(depth[node.id], []).append(node.id)
    for index, link in enumerate(links):
        if depth[link.owner.id] <= depth[link.owned.id]:
            continue  # a holding closing a cycle does not order the rows
        previous: Slot = link.owner.id
        for level in range(depth[link.owner.id] - 1, depth[link.owned.id], -1):
            rows.setdefault(level, []).append((index, level))
            below[previous].append((index, level))
            below[(index, level)], above[(index, level)] = [], [previous]
            previous = (index, level)
        below[previous].append(link.owned.id)
        above[link.owned.id].append(previous)
    names = {n.id: n.name for n in nodes}
    width: float = max(_span(row) for row in rows.values())
    order = sorted(rows)
    x_of: dict[Slot, float] = {}
    for levels, toward in ((order, below), (order[::-1], above), (order, below)):
        for level in levels:
            rows[level].sort(key=lambda s: _sort_key(s, toward[s], x_of, names))
            cursor = MARGIN + (width - _span(rows[level])) / 2
            for slot in rows[level]:
                x_of[slot] = cursor + _width(slot) / 2
                cursor += _width(slot) + GAP_X
    for levels in (order, order[::-1]):
        for level in levels:
            _straighten(rows[level], {s: below[s] + above[s] for s in rows[level]}, x_of)
    left = min(x - _width(slot) / 2 for slot, x in x_of.items())
    x_of = {slot: x - left + MARGIN for slot, x in x_of.items()}
    width = max(x + _width(slot) / 2 for slot, x in x_of.items()) - MARGIN
    deepest = order[-1]
    y_of = {level: MARGIN + (deepest - level) * (BOX_H + GAP_Y) + BOX_H / 2 for level in order}
    bends: dict[int, list[Point]] = {}
    for slot, x in x_of.items():
        if not isinstance(slot, str):
            bends.setdefault(slot[0], []).append((x, y_of[slot[1]]))
    return Layout(
        centres={n.id: (x_of[n.id], y_of[depth[n.id]]) for n in nodes},
        bends={i: sorted(points, key=lambda p: p[1]) for i, points in bends.items()},
        width=round(width + 2 * MARGIN),
        height=round((deepest + 1) * (BOX_H + GAP_Y) - GAP_Y + 2 * MARGIN),
    )


def _sort_key(
    slot: Slot, neighbours: list[Slot], x_of: dict[Slot, float], names: dict[str, str]
) -> tuple[float, float, str]:
    """A slot's place in its row: the mean x of its placed neighbours, then where it is."""
    here = x_of.get(slot, math.inf)
    return _mean(neighbours, x_of, here), here, names[slot] if isinstance(slot, str) else ""


def _mean(slots: list[Slot], x_of: dict[Slot, float], default: float) -> float:
    placed = [x_of[s] for s in slots if s in x_of]
    return sum(placed) / len(placed) if placed else default


def _straighten(
    row: list[Slot], neighbours: dict[Slot, list[Slot]], x_of: dict[Slot, float]
) -> None:
    """Move each slot of an ordered row towards its neighbours, keeping the order and the
    spacing: the mean of pushing right from the left and left from the right."""
    wanted = [_mean(neighbours[s], x_of, x_of[s]) for s in row]
    apart = [(_width(a) + _width(b)) / 2 + GAP_X for a, b in pairwise(row)]
    rightward, leftward = list(wanted), list(wanted)
    for i in range(1, len(row)):
        rightward[i] = max(rightward[i], rightward[i - 1] + apart[i - 1])
    for i in range(len(row) - 2, -1, -1):
        leftward[i] = min(leftward[i], leftward[i + 1] - apart[i])
    for slot, right, left in zip(row, rightward, leftward, strict=True):
        x_of[slot] = (right + left) / 2


def _width(slot: Slot) -> int:
    return BOX_W if isinstance(slot, str) else BEND_W


def _span(row: list[Slot]) -> int:
    return sum(_width(slot) for slot in row) + GAP_X * (len(row) - 1)


def _ports(links: list[Link], layout: Layout) -> dict[tuple[int, str], float]:
    """Where each downward arrow leaves its owner and reaches what it owns, as an offset
    from the box's centre: arrows sharing a box are spread along its edge, in the order
    of where they come from or go to, so their labels do not sit on one another."""
    ends: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for index, link in enumerate(links):
        owner, owned = layout.centres[link.owner.id], layout.centres[link.owned.id]
        bends = layout.bends.get(index, [])
        first, last = (bends[0], bends[-1]) if bends else (owned, owner)
        ends.setdefault(("out", link.owner.id), []).append((first[0], index))
        ends.setdefault(("in", link.owned.id), []).append((last[0], index))
    offsets: dict[tuple[int, str], float] = {}
    for (side, _node), found in ends.items():
        step = min(BOX_W * 0.7 / len(found), 36.0)
        for rank, (_x, index) in enumerate(sorted(found)):
            offsets[(index, side)] = (rank - (len(found) - 1) / 2) * step
    return offsets


def _arrow(
    index: int, link: Link, layout: Layout, ports: dict[tuple[int, str], float], marker: str
) -> Markup:
    (x1, y1), (x2, y2) = layout.centres[link.owner.id], layout.centres[link.owned.id]
    points: list[Point]
    if y1 < y2:  # downward, as every holding is unless it closes a cycle
        start = (x1 + ports[(index, "out")], y1 + BOX_H / 2 + 2)
        end = (x2 + ports[(index, "in")], y2 - BOX_H / 2 - 4)
        points = [start, *layout.bends.get(index, []), end]
        label = _label_at(points[-2], end)
    elif y1 > y2:  # back up a cycle: beside the arrows going down, labelled near its top
        start = (x1 + CYCLE_SHIFT, y1 - BOX_H / 2 - 2)
        end = (x2 + CYCLE_SHIFT, y2 + BOX_H / 2 + 4)
        points = [start, end]
        y = end[1] + GAP_Y * 0.3
        label = (start[0] + (end[0] - start[0]) * (y - start[1]) / (end[1] - start[1]), y)
    else:  # within a row
        t = _clip(x2 - x1, 0)
        points = [(x1 + (x2 - x1) * t, y1), (x2 - (x2 - x1) * t, y2)]
        label = ((x1 + x2) / 2, y1 - 8)
    return Markup(
        '<polyline class="{kind}" points="{points}" marker-end="url(#{marker})"/>'
        '<text class="share" x="{x}" y="{y}" text-anchor="middle">{label}</text>'
    ).format(
        kind="down" if y1 < y2 else "cycle",
        points=" ".join(f"{x:.0f},{y:.0f}" for x, y in points),
        x=round(label[0]),
        y=round(label[1] + 4),
        label=link.label,
        marker=marker,
    )


def _clip(dx: float, dy: float) -> float:
    """How far along (dx, dy) from a box's centre its border lies, as a fraction."""
    limits = [(BOX_W / 2 + 4) / abs(dx) if dx else math.inf]
    limits.append((BOX_H / 2 + 4) / abs(dy) if dy else math.inf)
    return min(min(limits), 0.5)


def _label_at(start: Point, end: Point) -> Point:
    """Where a holding's percentage goes: on its last stretch, in the gap just above
    what it owns."""
    (sx, sy), (ex, ey) = start, end
    if ey - sy <= GAP_Y:
        return (sx + ex) / 2, (sy + ey) / 2
    y = ey - GAP_Y / 2
    return sx + (ex - sx) * (y - sy) / (ey - sy), y


def _short(text: str) -> str:
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1] + "…"


def _box(node: Node, centre: Point, *, subject: bool, beneficial: bool) -> Markup:
    x, y = round(centre[0]), round(centre[1])
    kind = "person" if node.type == "person" else "entity"
    classes = [kind] + ["subject"] * subject + ["beneficial"] * beneficial
    facts = (
        node.type,
        node.country or "",
        "nominee" if node.nominee else "",
        "bearer shares" if node.bearer_shares else "",
    )
    detail = " · ".join(part for part in facts if part)
    return Markup(
        '<g class="{classes}"><title>{name} ({detail})</title>'
        '<rect x="{left}" y="{top}" width="{w}" height="{h}" rx="{radius}"/>'
        '<text x="{x}" y="{name_y}" text-anchor="middle" class="name">{short}</text>'
        '<text x="{x}" y="{kind_y}" text-anchor="middle" class="kind">{short_detail}</text></g>'
    ).format(
        classes=" ".join(classes),
        name=node.name,
        detail=detail,
        left=x - BOX_W // 2,
        top=y - BOX_H // 2,
        w=BOX_W,
        h=BOX_H,
        radius=BOX_H // 2 if kind == "person" else 4,
        x=x,
        name_y=y - 3,
        kind_y=y + 14,
        short=_short(node.name),
        short_detail=_short(detail),
    )


def _svg(
    subject: Node, nodes: list[Node], links: list[Link], beneficial: set[str], key: str
) -> Markup:
    layout = _layout(subject, nodes, links)
    ports = _ports(links, layout)
    head = Markup(
        '<svg class="ownership chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-labelledby="{title} {desc}">'
        '<title id="{title}">Ownership structure of {subject}</title>'
        '<desc id="{desc}">{nodes} entities and {links} holdings; the tables below list them.'
        "</desc>"
        '<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
        "</defs>"
    ).format(
        w=layout.width,
        h=layout.height,
        title=f"ownership-title-{key}",
        desc=f"ownership-desc-{key}",
        subject=subject.name,
        nodes=len(nodes),
        links=len(links),
        marker=f"arrow-{key}",
    )
    arrows = Markup("").join(
        _arrow(i, link, layout, ports, f"arrow-{key}") for i, link in enumerate(links)
    )
    boxes = Markup("").join(
        _box(n, layout.centres[n.id], subject=n.id == subject.id, beneficial=n.id in beneficial)
        for n in nodes
    )
    return head + Markup('<g class="links">') + arrows + Markup("</g>") + boxes + Markup("</svg>")
