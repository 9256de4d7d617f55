"""Server-drawn SVG charts, each followed by the numbers it shows.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and summarised by its
``<desc>`` (both referenced by ``aria-labelledby``), and is followed by a ``<details>``
table of the same numbers, so nothing on the dashboard exists only as a picture. The
markup is assembled with ``Markup.format``, which escapes every value it is given:
labels such as analyst names and case titles are user input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
INK = "#1d2433"
MUTED = "#5b6475"
GRID = "#d7dce5"
BAR = "#1f5fbf"
# Distinguishable for the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
LABEL_CHARS = 24
_CHART_ID = re.compile(r"[a-z][a-z0-9-]{0,40}")

Items = Sequence[tuple[str, int]]
Series = Sequence[tuple[str, Sequence[int]]]
_NOTHING = Markup("")


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _checked_id(chart_id: str) -> str:
    if not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart id {chart_id!r} must be lowercase letters, digits and dashes")
    return chart_id


def _open_svg(
    chart_id: str, title: str, summary: str, width: int, height: int, *, wide: bool = False
) -> Markup:
    # A wide chart is drawn at about the width it is shown and then scaled to fill its
    # container (class chart-wide); the others keep the size they are drawn at.
    return Markup(
        '<svg xmlns="{ns}" class="{css}" role="img" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" aria-labelledby="{id}-title {id}-desc">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{summary}</desc>'
    ).format(
        ns=SVG_NS,
        css="chart chart-wide" if wide else "chart",
        w=width,
        h=height,
        id=chart_id,
        title=title,
        summary=summary,
    )


def _summary(items: Items) -> str:
    return "; ".join(f"{label}: {value}" for label, value in items) or "No data."


def _empty(width: int, height: int) -> Markup:
    return Markup(
        '<text x="{}" y="{}" text-anchor="middle" fill="{}" font-size="13">No data</text>'
    ).format(width // 2, height // 2, MUTED)


def _numbers(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Markup:
    head = _NOTHING.join(Markup('<th scope="col">{}</th>').format(h) for h in header)
    body = _NOTHING.join(
        Markup('<tr><th scope="row">{}</th>{}</tr>').format(
            row[0], _NOTHING.join(Markup("<td>{}</td>").format(cell) for cell in row[1:])
        )
        for row in rows
    )
    return Markup(
        '<details class="chart-numbers"><summary>Numbers: {}</summary>'
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table></details>"
    ).format(title, head, body)


def horizontal_bars(
    chart_id: str, title: str, items: Items, *, key: str = "", unit: str = "cases"
) -> Markup:
    """One labelled bar per item, the largest value spanning the full width."""
    chart_id = _checked_id(chart_id)
    label_w, plot_w, value_w, row_h = 170, 300, 44, 26
    width, height = label_w + plot_w + value_w, max(len(items), 1) * row_h + 8
    peak = max((value for _, value in items), default=0)
    parts = [_open_svg(chart_id, title, _summary(items), width, height)]
    if peak == 0:
        parts.append(_empty(width, height))
    bar_markup = Markup(
        "<g><title>{label}: {value}</title>"
        '<text x="{label_x}" y="{text_y}" text-anchor="end" fill="{ink}" font-size="13">'
        "{short}</text>"
        '<rect x="{bar_x}" y="{bar_y}" width="{bar_w}" height="{bar_h}" fill="{fill}" rx="2"/>'
        '<text x="{value_x}" y="{text_y}" fill="{ink}" font-size="13">{value}</text></g>'
    )
    for row, (label, value) in enumerate(items if peak else ()):
        y, bar = 4 + row * row_h, round(plot_w * value / peak)
        parts.append(
            bar_markup.format(
                label=label,
                value=value,
                short=_short(label),
                label_x=label_w - 8,
                text_y=y + 17,
                bar_x=label_w,
                bar_y=y + 4,
                bar_w=bar,
                bar_h=row_h - 8,
                value_x=label_w + bar + 6,
                ink=INK,
                fill=BAR,
            )
        )
    parts.append(Markup("</svg>"))
    return _NOTHING.join(parts) + _numbers(title, [key, unit.capitalize()], items)


def vertical_bars(
    chart_id: str, title: str, items: Items, *, key: str = "", unit: str = "cases"
) -> Markup:
    """One column per item, labelled underneath, its value on top."""
    chart_id = _checked_id(chart_id)
    column_w, plot_h, top, bottom = 96, 150, 22, 28
    width, height = max(len(items), 3) * column_w, top + plot_h + bottom
    base = top + plot_h
    peak = max((value for _, value in items), default=0)
    parts = [
        _open_svg(chart_id, title, _summary(items), width, height),
        Markup('<line x1="0" y1="{y}" x2="{w}" y2="{y}" stroke="{c}"/>').format(
            y=base, w=width, c=GRID
        ),
    ]
    if peak == 0:
        parts.append(_empty(width, height))
    column_markup = Markup(
        "<g><title>{label}: {value}</title>"
        '<rect x="{x}" y="{top}" width="{bar_w}" height="{bar_h}" fill="{fill}" rx="2"/>'
        '<text x="{mid}" y="{value_y}" text-anchor="middle" fill="{ink}" font-size="13">'
        "{value}</text>"
        '<text x="{mid}" y="{label_y}" text-anchor="middle" fill="{ink}" font-size="12">'
        "{short}</text></g>"
    )
    for column, (label, value) in enumerate(items if peak else ()):
        x, bar = column * column_w, round(plot_h * value / peak)
        parts.append(
            column_markup.format(
                label=label,
                value=value,
                short=_short(label),
                x=x + 18,
                top=base - bar,
                bar_w=column_w - 36,
                bar_h=bar,
                mid=x + column_w // 2,
                value_y=base - bar - 6,
                label_y=base + 18,
                ink=INK,
                fill=BAR,
            )
        )
    parts.append(Markup("</svg>"))
    return _NOTHING.join(parts) + _numbers(title, [key, unit.capitalize()], items)


def _legend(series: Series, y: int) -> list[Markup]:
    parts, x = [], 44
    for index, (name, _) in enumerate(series):
        parts.append(
            Markup(
                '<rect x="{x}" y="{y}" width="12" height="12" fill="{fill}"/>'
                '<text x="{text_x}" y="{text_y}" fill="{ink}" font-size="12">{name}</text>'
            ).format(
                x=x,
                y=y,
                fill=PALETTE[index % len(PALETTE)],
                text_x=x + 17,
                text_y=y + 11,
                ink=INK,
                name=name,
            )
        )
        x += 30 + 7 * len(name)
    return parts


def _column(
    x: int, bar_w: int, base: int, scale: float, category: str, stack: list[tuple[str, int]]
) -> Markup:
    described = ", ".join(f"{name} {value}" for name, value in stack if value) or "none"
    parts = [Markup("<g><title>{}: {}</title>").format(category, described)]
    y = base
    for index, (_, value) in enumerate(stack):
        if value:
            height = round(value * scale)
            y -= height
            parts.append(
                Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>').format(
                    x, y, bar_w, height, PALETTE[index % len(PALETTE)]
                )
            )
    parts.append(Markup("</g>"))
    return _NOTHING.join(parts)


def _axis(left: int, width: int, base: int, peak: int, scale: float) -> list[Markup]:
    ticks = sorted({0, peak // 2, peak})
    return [
        Markup(
            '<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{grid}"/>'
            '<text x="{text_x}" y="{text_y}" text-anchor="end" fill="{muted}" font-size="11">'
            "{tick}</text>"
        ).format(
            x1=left - 4,
            x2=width,
            y=base - round(tick * scale),
            grid=GRID,
            text_x=left - 8,
            text_y=base - round(tick * scale) + 4,
            muted=MUTED,
            tick=tick,
        )
        for tick in ticks
    ]


def stacked_bars(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Series,
    *,
    key: str = "",
    tick_every: int = 5,
    width: int = 1200,
) -> Markup:
    """One column per category (such as a day), split into one segment per series, the
    columns spread over ``width`` (the chart then fills the width it is shown in)."""
    chart_id = _checked_id(chart_id)
    left, right, top, plot_h, bottom = 44, 10, 30, 150, 26
    step = max(8, (width - left - right) // max(len(categories), 1))
    bar_w = max(4, round(step * 0.7))
    width, height = left + step * max(len(categories), 1) + right, top + plot_h + bottom
    base = top + plot_h
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    peak = max(totals, default=0)
    summary = f"{sum(totals)} in total; at most {peak} in one column." if peak else "No data."
    scale = plot_h / peak if peak else 0.0
    parts = [_open_svg(chart_id, title, summary, width, height, wide=True), *_legend(series, 4)]
    parts.extend(_axis(left, width, base, peak, scale))
    for index, category in enumerate(categories):
        x = left + index * step + (step - bar_w) // 2
        stack = [(n, v[index]) for n, v in series]
        parts.append(_column(x, bar_w, base, scale, category, stack))
        if index % tick_every == 0 or index == len(categories) - 1:
            parts.append(
                Markup(
                    '<text x="{}" y="{}" text-anchor="middle" fill="{}" font-size="11">{}</text>'
                ).format(x + bar_w // 2, base + 16, MUTED, category[-5:])
            )
    if not peak:
        parts.append(_empty(width, height))
    parts.append(Markup("</svg>"))
    rows = [
        [category, *(values[i] for _, values in series), totals[i]]
        for i, category in enumerate(categories)
    ]
    header = [key, *(name for name, _ in series), "Total"]
    return _NOTHING.join(parts) + _numbers(title, header, rows)
