"""Server-rendered bar charts: the geometry is computed here, the SVG is drawn by a template macro.

No JavaScript and no inline style: the SVG uses only presentation attributes and classes of
site.css, and every chart comes with the same figures as a table (its text alternative).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bar:
    """One bar with its label and value text, in SVG user units."""

    label: str
    value: float
    text: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass
class Chart:
    """A chart's size, bars, axis ticks and baseline."""

    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, float, float, float, str]]  # x1, y1, x2, y2 of a grid line, and its label
    axis: tuple[float, float, float, float]
    horizontal: bool


def horizontal_bars(items: list[tuple[str, float | None]], maximum: float = 100.0, suffix: str = "%",
                    width: int = 640) -> Chart:
    """Bars from left to right, one per (label, value) row; None counts as 0 and shows as "–"."""
    left, right, top, row, gap = 110, 60, 24, 28, 6
    plot = width - left - right
    height = top + row * max(len(items), 1) + 10
    bars = []
    for i, (label, value) in enumerate(items):
        v = float(value or 0)
        w = plot * min(v, maximum) / maximum if maximum else 0
        y = top + i * row
        bars.append(Bar(label=label, value=v, text="–" if value is None else f"{v:g}{suffix}",
                        x=left, y=y + gap / 2, width=round(w, 2), height=row - gap,
                        label_x=left - 8, label_y=y + row / 2 + 5, value_x=left + w + 6, value_y=y + row / 2 + 5))
    ticks = []
    for step in range(0, 5):
        value = maximum * step / 4
        x = left + plot * step / 4
        ticks.append((round(x, 2), top - 4, round(x, 2), height - 10, f"{value:g}{suffix}"))
    return Chart(width, height, bars, ticks, (left, top - 4, left, height - 10), True)


def vertical_bars(items: list[tuple[str, int]], width: int = 640, height: int = 260) -> Chart:
    """Columns from bottom up, one per (label, count), e.g. completions per month."""
    left, right, top, bottom = 40, 10, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([v for _, v in items] + [1])
    maximum = max(4, -(-highest // 4) * 4)  # a multiple of 4, so the four grid steps are whole numbers
    step = plot_w / max(len(items), 1)
    every = max(1, -(-len(items) // 12))  # at most about twelve labels under the axis
    bars = []
    for i, (label, value) in enumerate(items):
        h = plot_h * value / maximum
        x = left + i * step
        bars.append(Bar(label=label if i % every == 0 else "", value=value, text=str(value), x=round(x + step * 0.15, 2),
                        y=round(top + plot_h - h, 2), width=round(step * 0.7, 2), height=round(h, 2),
                        label_x=round(x + step / 2, 2), label_y=top + plot_h + 16,
                        value_x=round(x + step / 2, 2), value_y=round(top + plot_h - h - 4, 2)))
    ticks = []
    for n in range(0, 5):
        value = maximum * n / 4
        y = top + plot_h - plot_h * n / 4
        ticks.append((left, round(y, 2), width - right, round(y, 2), f"{value:g}"))
    return Chart(width, height, bars, ticks, (left, top + plot_h, width - right, top + plot_h), False)
