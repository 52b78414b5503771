"""Inline SVG for the timeline: the calendar heatmap and small cumulative line charts.

Plain strings, no chart library and no script: the charts work from `file://`
and in print. Colours come from CSS classes, so dark mode restyles them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from html import escape

from .timeline import Cell, Series

PITCH = 13  # a day cell and its gap
CELL = 11
LEFT = 28
TOP = 18


def heatmap_svg(cells: Sequence[Cell], *, href: Callable[[Cell], str], tip: Callable[[Cell], str],
                month_names: Sequence[str], weekday_names: Sequence[str], label: str) -> str:
    weeks = max((c.week for c in cells), default=0) + 1
    width, height = LEFT + weeks * PITCH, TOP + 7 * PITCH
    out = [f'<svg class="heatmap" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{escape(label)}">']
    for c in cells:
        if c.day.day == 1:
            out.append(f'<text class="axis" x="{LEFT + c.week * PITCH}" y="11">{escape(month_names[c.day.month - 1])}</text>')
    for row in (0, 2, 4):
        out.append(f'<text class="axis" x="0" y="{TOP + row * PITCH + 9}">{escape(weekday_names[row])}</text>')
    for c in cells:
        x, y = LEFT + c.week * PITCH, TOP + c.weekday * PITCH
        rect = f'<rect class="l{c.level}" x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2"'
        if c.entry is None:
            out.append(f"{rect}/>")
        else:
            out.append(f'<a href="{escape(href(c))}" data-date="{c.day.isoformat()}">{rect}><title>{escape(tip(c))}</title></rect></a>')
    out.append("</svg>")
    return "".join(out)


def line_svg(series: Series, *, label: str, fmt_date: Callable[[dt.date], str]) -> str:
    """A small cumulative chart: a line from zero to the total, first and last dates under it."""
    width, height, pad, bottom = 320, 120, 6, 18
    points = series.points
    if not points:
        return ""
    start, end = points[0][0], points[-1][0]
    span = max(1, (end - start).days)
    top = max(1, series.total)
    xy = [
        (pad + (width - 2 * pad) * (day - start).days / span, height - bottom - (height - bottom - pad) * value / top)
        for day, value in points
    ]
    if len(xy) == 1:
        xy = [(pad, height - bottom), xy[0]]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    area = f"{xy[0][0]:.1f},{height - bottom} {line} {xy[-1][0]:.1f},{height - bottom}"
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}: {series.total}">'
        f'<polygon class="area" points="{area}"/><polyline class="line" points="{line}"/>'
        f'<line class="base" x1="{pad}" y1="{height - bottom}" x2="{width - pad}" y2="{height - bottom}"/>'
        f'<text class="axis" x="{pad}" y="{height - 4}">{escape(fmt_date(start))}</text>'
        f'<text class="axis" x="{width - pad}" y="{height - 4}" text-anchor="end">{escape(fmt_date(end))}</text>'
        "</svg>"
    )
