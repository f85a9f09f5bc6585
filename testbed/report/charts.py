"""Inline SVG charts: the report opens anywhere, with no scripts, fonts or network.

Every chart is an ``<svg class="chart">`` with a ``<title>``, so screen readers and the browser
test can find it. A chart is returned as :class:`markupsafe.Markup`, ready for a page template:
every fragment is built with ``Markup.format``, which escapes each value put into it (labels,
titles, a series' name come from the user's scenario), so the markup is safe to mark as such.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

PALETTE = ("#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057",
           "#c97b63", "#5c946e", "#a05195")
WIDTH = 720
Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float | None = None
    high: float | None = None
    text: str = ""


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]


def _svg(ident: str, title: str, height: float, body: Sequence[Markup]) -> Markup:
    return Markup('<svg class="chart" id="{ident}" viewBox="0 0 {width} {height:.0f}" '
                  'role="img" aria-labelledby="{ident}-title" '
                  'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">'
                  '<title id="{ident}-title">{title}</title>{body}</svg>').format(
        ident=ident, width=WIDTH, height=height, title=title, body=Markup("").join(body))


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12,
          weight: str = "normal") -> Markup:
    return Markup('<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
                  'font-weight="{weight}">{text}</text>').format(
        x=x, y=y, anchor=anchor, size=size, weight=weight, text=text)


def _swatch(x: float, y: float, colour: str) -> Markup:
    """A legend's colour square, its label to be written at (x + 18, y + 1)."""
    return Markup('<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>').format(
        x=x, y=y - 9, colour=colour)


def text_width(text: str, size: int = 11) -> float:
    """A generous estimate of a sans-serif text's width: no font is embedded, so the layout
    must leave room for the widest a reader's font might draw it."""
    return len(text) * size * 0.62


LEGEND_ROW = 20


def _legend_rows(labels: Sequence[str], width: float) -> list[list[tuple[float, str]]]:
    """The legend's entries flowed into rows no wider than ``width``: (x offset, label) each,
    so no label runs over the next however long the names are."""
    rows: list[list[tuple[float, str]]] = [[]]
    x = 0.0
    for label in labels:
        entry = 18 + text_width(label) + 16
        if rows[-1] and x + entry > width:
            rows.append([])
            x = 0.0
        rows[-1].append((x, label))
        x += entry
    return rows


def _legend(left: float, top: float, rows: list[list[tuple[float, str]]],
            colours: Sequence[str]) -> list[Markup]:
    body: list[Markup] = []
    index = 0
    for r, row in enumerate(rows):
        for offset, label in row:
            x, y = left + offset, top + r * LEGEND_ROW
            body.append(_swatch(x, y, colours[index]))
            body.append(Markup('<text class="legend" x="{x:.1f}" y="{y:.1f}" font-size="11">'
                               '{label}</text>').format(x=x + 18, y=y + 1, label=label))
            index += 1
    return body


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (steps of 1, 2 or 5 times a power of ten)."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = [round(start, 12)]
    # The last tick must reach the highest value, or bars run past the axis.
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def bars(ident: str, title: str, rows: Sequence[Bar], fmt: Formatter) -> Markup:
    """Horizontal bars from zero, one per row, with the 95 % interval as a whisker where given.
    Values may be negative (a change that went down): the axis then spans zero. A row's value is
    written right of both its bar and its whisker, so no line crosses a label."""
    label_w = min(230.0, 16 + max([text_width(r.label, 12) for r in rows] + [60.0]))
    texts = [r.text or fmt(r.value) for r in rows]
    right = 12 + max([text_width(t) for t in texts] + [40.0])
    area = WIDTH - label_w - right
    row_h = 26
    height = 40 + row_h * len(rows) + 24
    ends = [v for r in rows for v in (r.value, r.low, r.high) if v is not None]
    ticks = nice_ticks(min([*ends, 0.0]), max([*ends, 0.0]) or 1.0)
    scale = area / (ticks[-1] - ticks[0])

    def to_x(v: float) -> float:
        return label_w + (v - ticks[0]) * scale

    body = [_text(0, 18, title, size=14, weight="bold")]
    for tick in ticks:
        x = to_x(tick)
        body.append(Markup('<line class="grid" x1="{x:.1f}" y1="32" x2="{x:.1f}" y2="{y2:.1f}" '
                           'stroke="{colour}"/>').format(
            x=x, y2=height - 22, colour="#888" if tick == 0 else "#ddd"))
        body.append(_text(x, height - 6, fmt(tick), "middle", 10))
    for i, (row, text) in enumerate(zip(rows, texts, strict=True)):
        y = 36 + i * row_h
        colour = PALETTE[i % len(PALETTE)]
        x0, x1 = sorted((to_x(0.0), to_x(row.value)))
        body.append(_text(label_w - 8, y + 15, row.label, "end"))
        body.append(Markup('<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{height}" '
                           'fill="{colour}"/>').format(x=x0, y=y + 3, width=x1 - x0,
                                                       height=row_h - 8, colour=colour))
        reach = x1
        if row.low is not None and row.high is not None:
            w1, w2 = to_x(row.low), to_x(row.high)
            mid = y + row_h / 2 - 1
            body.append(Markup('<line class="interval" x1="{x1:.1f}" y1="{mid:.1f}" '
                               'x2="{x2:.1f}" y2="{mid:.1f}" stroke="#222" '
                               'stroke-width="1.5"/>').format(x1=w1, x2=w2, mid=mid))
            reach = max(reach, w1, w2)
        body.append(_text(reach + 6, y + 15, text, size=11))
    return _svg(ident, title, height, body)


def lines(ident: str, title: str, series: Sequence[Series], x_label: str, y_label: str,
          x_fmt: Formatter, y_fmt: Formatter, log_x: bool = False,
          x_ticks: Sequence[float] | None = None) -> Markup:
    """One line per series with markers, and a legend. ``x_ticks``: where the x axis is marked
    (a sweep's own values), instead of round numbers from zero."""
    left, right, top_pad = 70, 20, 36
    legend = _legend_rows([s.label for s in series], WIDTH - left - right)
    plot_h = 260
    height = top_pad + plot_h + 50 + LEGEND_ROW * len(legend)
    xs = [x for s in series for x, _ in s.points if not log_x or x > 0]
    ys = [y for s in series for _, y in s.points]
    if x_ticks:
        marks = sorted(x_ticks)
        low, high = marks[0], marks[-1] if marks[-1] > marks[0] else marks[0] + 1.0

        def to_x(v: float) -> float:
            return left + (v - low) / (high - low) * (WIDTH - left - right)
    elif log_x:
        lo_e = math.floor(math.log10(min(xs))) if xs else 0
        hi_e = math.ceil(math.log10(max(xs))) if xs else 1
        hi_e = max(hi_e, lo_e + 1)
        marks = [10.0 ** e for e in range(lo_e, hi_e + 1)]

        def to_x(v: float) -> float:
            share = (math.log10(max(v, marks[0])) - lo_e) / (hi_e - lo_e)
            return left + share * (WIDTH - left - right)
    else:
        marks = nice_ticks(min([*xs, 0.0]), max([*xs, 1.0]))

        def to_x(v: float) -> float:
            share = (v - marks[0]) / (marks[-1] - marks[0])
            return left + share * (WIDTH - left - right)
    y_ticks = nice_ticks(min([*ys, 0.0]), max([*ys, 1.0]))

    def to_y(v: float) -> float:
        share = (v - y_ticks[0]) / (y_ticks[-1] - y_ticks[0])
        return top_pad + plot_h - share * plot_h

    body = [_text(0, 18, title, size=14, weight="bold")]
    for tick in marks:
        x = to_x(tick)
        body.append(Markup('<line class="grid" x1="{x:.1f}" y1="{y1}" x2="{x:.1f}" y2="{y2}" '
                           'stroke="#ddd"/>').format(x=x, y1=top_pad, y2=top_pad + plot_h))
        body.append(_text(x, top_pad + plot_h + 16, x_fmt(tick), "middle", 10))
    for tick in y_ticks:
        y = to_y(tick)
        body.append(Markup('<line class="grid" x1="{x1}" y1="{y:.1f}" x2="{x2}" y2="{y:.1f}" '
                           'stroke="#ddd"/>').format(x1=left, x2=WIDTH - right, y=y))
        body.append(_text(left - 6, y + 4, y_fmt(tick), "end", 10))
    body.append(_text((left + WIDTH - right) / 2, top_pad + plot_h + 34, x_label, "middle"))
    body.append(Markup('<text x="14" y="{y:.1f}" text-anchor="middle" '
                       'transform="rotate(-90 14 {y:.1f})">{label}</text>').format(
        y=top_pad + plot_h / 2, label=y_label))
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        points = [(to_x(x), to_y(y)) for x, y in s.points if not log_x or x > 0]
        if not points:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(Markup('<polyline points="{path}" fill="none" stroke="{colour}" '
                           'stroke-width="2"/>').format(path=path, colour=colour))
        body.extend(Markup('<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>').format(
                        x=x, y=y, colour=colour)
                    for x, y in points)
    body += _legend(left, top_pad + plot_h + 52, legend,
                    [PALETTE[i % len(PALETTE)] for i in range(len(series))])
    return _svg(ident, title, height, body)


def stacked(ident: str, title: str, rows: Sequence[tuple[str, Sequence[tuple[str, float]]]],
            fmt: Formatter) -> Markup:
    """Horizontal stacked bars: each row split into named parts, with a legend."""
    parts = list(dict.fromkeys(name for _, row in rows for name, _ in row))
    label_w, right = 230, 90
    area = WIDTH - label_w - right
    row_h = 26
    legend = _legend_rows(parts, WIDTH - 20)
    height = 40 + row_h * len(rows) + 24 + LEGEND_ROW * len(legend)
    top = max([sum(v for _, v in row) for _, row in rows] + [0.0])
    ticks = nice_ticks(0.0, top or 1.0)
    scale = area / ticks[-1]
    body = [_text(0, 18, title, size=14, weight="bold")]
    axis_y = 36 + row_h * len(rows)
    for tick in ticks:
        x = label_w + tick * scale
        body.append(Markup('<line class="grid" x1="{x:.1f}" y1="32" x2="{x:.1f}" y2="{y2:.1f}" '
                           'stroke="#ddd"/>').format(x=x, y2=axis_y))
        body.append(_text(x, axis_y + 14, fmt(tick), "middle", 10))
    for i, (label, row) in enumerate(rows):
        y = 36 + i * row_h
        x = float(label_w)
        body.append(_text(label_w - 8, y + 15, label, "end"))
        for name, value in row:
            width = max(value, 0.0) * scale
            colour = PALETTE[parts.index(name) % len(PALETTE)]
            body.append(Markup('<rect x="{x:.1f}" y="{y}" width="{width:.1f}" '
                               'height="{height}" fill="{colour}"><title>{name}: '
                               '{value}</title></rect>').format(
                x=x, y=y + 3, width=width, height=row_h - 8, colour=colour, name=name,
                value=fmt(value)))
            x += width
        body.append(_text(x + 6, y + 15, fmt(sum(v for _, v in row)), size=11))
    body += _legend(10, axis_y + 36, legend, [PALETTE[j % len(PALETTE)]
                                              for j in range(len(parts))])
    return _svg(ident, title, height, body)


RAMI_LAYERS = ("business", "functional", "information", "communication", "integration",
               "asset")
IIRA_TIERS = ("edge", "platform", "enterprise")


@dataclass(frozen=True)
class Box:
    ident: str
    label: str
    layer: str
    tier: str
    vendor: str


def diagram(ident: str, title: str, boxes: Sequence[Box],
            edges: Sequence[tuple[str, str]]) -> Markup:
    """Components placed on the RAMI 4.0 layers (rows) and IIRA tiers (columns), with the data
    paths between them drawn over the layer bands and under the boxes."""
    label_w, col_w, box_h, top = 110, (WIDTH - 110) / 3, 34, 50
    cells: dict[tuple[str, str], list[Box]] = {}
    for box in boxes:
        cells.setdefault((box.layer, box.tier), []).append(box)
    bands = [_text(label_w + (j + 0.5) * col_w, 40, f"IIRA {tier} tier", "middle", 11, "bold")
             for j, tier in enumerate(IIRA_TIERS)]
    drawn: list[Markup] = []
    centres: dict[str, tuple[float, float]] = {}
    y = float(top)
    for index, layer in enumerate(RAMI_LAYERS):
        stack = max([len(cells.get((layer, t), [])) for t in IIRA_TIERS] + [1])
        height = stack * box_h + 12
        shade = "#f4f6f8" if index % 2 else "#ffffff"
        bands.append(Markup('<rect x="0" y="{y:.1f}" width="{width}" height="{height:.1f}" '
                            'fill="{shade}"/>').format(y=y, width=WIDTH, height=height,
                                                       shade=shade))
        bands.append(_text(6, y + 16, f"RAMI {layer}", size=11, weight="bold"))
        for j, tier in enumerate(IIRA_TIERS):
            for k, box in enumerate(cells.get((layer, tier), [])):
                bx, by = label_w + j * col_w + 8, y + 6 + k * box_h
                centres[box.ident] = (bx + (col_w - 16) / 2, by + 14)
                drawn.append(Markup('<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                                    'height="28" rx="4" fill="#fff" stroke="#1b6ca8">'
                                    '<title>{ident} ({vendor})</title></rect>').format(
                    x=bx, y=by, width=col_w - 16, ident=box.ident, vendor=box.vendor))
                drawn.append(_text(bx + (col_w - 16) / 2, by + 18, box.label, "middle", 11))
        y += height
    paths = []
    for a, b in edges:
        if a in centres and b in centres:
            (x1, y1), (x2, y2) = centres[a], centres[b]
            paths.append(Markup('<line class="path" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
                                'y2="{y2:.1f}" stroke="#d1495b" stroke-opacity="0.6" '
                                'stroke-width="1.5"/>').format(x1=x1, y1=y1, x2=x2, y2=y2))
    body = [_text(0, 18, title, size=14, weight="bold"), *bands, *paths, *drawn]
    return _svg(ident, title, y + 8, body)
