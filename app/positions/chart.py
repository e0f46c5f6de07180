"""Geometry of the coalition timeline: a stacked step chart drawn as inline SVG.

Pure functions from a counts series to coordinates; the template only draws them. A
count holds from its date until the next one (a position stands until superseded), so
each band is a step function, and the last count is drawn over one more step.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.positions.schemas import CountPoint, Step

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 26, 44
MAX_X_TICKS = 7
MIN_SYMBOL_HEIGHT = 16.0


@dataclass(frozen=True)
class Band:
    """One value's band: its outline, and where its symbol goes (None if too thin)."""

    value: str
    path: str
    symbol_at: tuple[float, float] | None


@dataclass(frozen=True)
class Tick:
    """An axis tick: its position along the axis and its label."""

    at: float
    label: str


@dataclass(frozen=True)
class StackedChart:
    """Everything the template needs to draw the chart."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bands: list[Band]
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def _date_label(day: date, step: Step, show_year: bool) -> str:
    if step is Step.MONTH:
        return day.strftime("%b %Y")
    return f"{day.day} {day:%b}" + (f" {day.year}" if show_year else "")


def _y_step(top: int) -> int:
    # At most about five gridlines: 1, 2, 5, 10, 20, 50, ... actors apart.
    raw = max(1.0, top / 5)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def stacked_steps(series: Sequence[CountPoint], values: Sequence[str], step: Step) -> StackedChart:
    """Bands stacked in the order of `values` (first at the bottom), with axis ticks."""
    left, right, top, bottom = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM
    dates = [p.as_of for p in series]
    last_width = dates[-1] - dates[-2] if len(dates) > 1 else timedelta(days=7)
    ends = [*dates[1:], dates[-1] + last_width]
    span = max((ends[-1] - dates[0]).days, 1)

    def x(day: date) -> float:
        return left + (right - left) * (day - dates[0]).days / span

    highest = max((p.total for p in series), default=0)
    y_step = _y_step(highest)
    y_top = max(y_step, math.ceil(highest / y_step) * y_step)

    def y(count: float) -> float:
        return bottom - (bottom - top) * count / y_top

    bands: list[Band] = []
    below = [0] * len(series)
    for value in values:
        counts = [p.counts.get(value, 0) for p in series]
        if not any(counts):
            continue
        above = [b + c for b, c in zip(below, counts, strict=True)]
        upper = [
            f"{_fmt(x(d0))},{_fmt(y(a))} {_fmt(x(d1))},{_fmt(y(a))}"
            for d0, d1, a in zip(dates, ends, above, strict=True)
        ]
        lower = [
            f"{_fmt(x(d1))},{_fmt(y(b))} {_fmt(x(d0))},{_fmt(y(b))}"
            for d0, d1, b in reversed(list(zip(dates, ends, below, strict=True)))
        ]
        path = "M" + " L".join(upper + lower) + " Z"
        symbol_at = None
        if y(below[-1]) - y(above[-1]) >= MIN_SYMBOL_HEIGHT:
            symbol_at = (
                round((x(dates[-1]) + x(ends[-1])) / 2, 1),
                round((y(below[-1]) + y(above[-1])) / 2, 1),
            )
        bands.append(Band(value=value, path=path, symbol_at=symbol_at))
        below = above

    every = max(1, math.ceil(len(dates) / MAX_X_TICKS))
    x_ticks: list[Tick] = []
    shown_year: int | None = None
    for day in dates[::every]:
        x_ticks.append(
            Tick(at=round(x(day), 1), label=_date_label(day, step, day.year != shown_year))
        )
        shown_year = day.year
    y_ticks = [Tick(at=round(y(n), 1), label=str(n)) for n in range(0, y_top + 1, y_step)]
    return StackedChart(
        width=WIDTH,
        height=HEIGHT,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bands=bands,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
    )
