"""Geometry of the server-drawn SVG charts: numbers in, coordinates out; the templates only draw them.

No chart library: a page's charts are a few rectangles, a polyline and text
labels, computed here so that they are tested without a browser.
"""

import math
from dataclasses import dataclass

BAR_CHART_WIDTH = 720
BAR_LABEL_WIDTH = 210
BAR_AREA_WIDTH = 420
BAR_ROW_HEIGHT = 30
BAR_THICKNESS = 18


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    href: str
    y: float
    width: float
    has_value: bool

    @property
    def text_y(self) -> float:
        return self.y + BAR_THICKNESS - 4

    @property
    def value_x(self) -> float:
        return BAR_LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int = BAR_LABEL_WIDTH
    area_width: int = BAR_AREA_WIDTH
    thickness: int = BAR_THICKNESS


def bar_chart(items: list[tuple[str, float | None, str, str]], *, maximum: float) -> BarChart:
    """Horizontal bars of (label, value, value text, link), scaled so that ``maximum`` fills the area."""
    bars = [
        Bar(
            label=label,
            value_text=text,
            href=href,
            y=4 + index * BAR_ROW_HEIGHT,
            width=0 if value is None else round(BAR_AREA_WIDTH * max(0.0, min(value, maximum)) / maximum, 1),
            has_value=value is not None,
        )
        for index, (label, value, text, href) in enumerate(items)
    ]
    return BarChart(bars=bars, width=BAR_CHART_WIDTH, height=8 + len(bars) * BAR_ROW_HEIGHT)


LINE_WIDTH = 720
LINE_HEIGHT = 260
LINE_LEFT = 48
LINE_RIGHT = 24
LINE_TOP = 24
LINE_BOTTOM = 40


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: int


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    ticks: list[Tick]
    path: str
    width: int = LINE_WIDTH
    height: int = LINE_HEIGHT
    left: int = LINE_LEFT
    right_edge: int = LINE_WIDTH - LINE_RIGHT
    baseline: int = LINE_HEIGHT - LINE_BOTTOM

    @property
    def label_y(self) -> int:
        return self.baseline + 22


def nice_ceiling(value: int) -> int:
    """The top of the scale: the value rounded up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def line_chart(values: list[tuple[str, int]]) -> LineChart:
    """A line through (label, count) points, evenly spaced, on a scale from 0 with three gridlines."""
    top = nice_ceiling(max((value for _label, value in values), default=0))
    plot_height = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    plot_width = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    step = plot_width / max(len(values) - 1, 1)

    def y_of(value: float) -> float:
        return round(LINE_TOP + plot_height * (1 - value / top), 1)

    points = [
        Point(x=round(LINE_LEFT + index * step, 1), y=y_of(value), label=label, value=value)
        for index, (label, value) in enumerate(values)
    ]
    tick_values = sorted({0, top // 2, top}) if top > 1 else [0, 1]
    ticks = [Tick(y=y_of(value), value=value) for value in tick_values]
    path = " ".join(f"{'M' if index == 0 else 'L'}{point.x},{point.y}" for index, point in enumerate(points))
    return LineChart(points=points, ticks=ticks, path=path)
