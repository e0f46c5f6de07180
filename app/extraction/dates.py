"""Day expressions in news text, resolved against the publication date (codebook section 7)."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
# A day is written on one line: "11 July\n\n21:50" is a day header, then a time.
_SPACE = r"[ \t\u00a0]+"
_YEAR = r"(?:,?" + _SPACE + r"(?P<year>(?:19|20)\d\d))?"
_PATTERNS = [
    ("iso", re.compile(r"\b(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)\b")),
    ("month_day", re.compile(r"\b" + _MONTH + _SPACE + _DAY + r"\b" + _YEAR, re.I)),
    (
        "day_month",
        re.compile(
            r"\b" + _DAY + _SPACE + r"(?:of" + _SPACE + r")?" + _MONTH + r"\b" + _YEAR, re.I
        ),
    ),
    (
        "weekday",
        re.compile(
            r"\b(?:(?P<rel>this|last|on|next|since|until|by)\s+)?"
            r"(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
            re.I,
        ),
    ),
    ("relative", re.compile(r"\b(?P<rel>yesterday|today|tonight|this morning)\b", re.I)),
    # A time that names no day: the sentence is dated, but not to a day it gives.
    (
        "vague",
        re.compile(
            r"\b(?:this|last|next)\s+(?:week|month|year)\b|\bin\s+(?:"
            + "|".join(sorted((m for m in MONTHS if len(m) > 3), key=len, reverse=True))
            + r")\b",
            re.I,
        ),
    ),
]


@dataclass(frozen=True)
class DateMention:
    """A day expression at character offsets [start, end); `day` None when it names none."""

    start: int
    end: int
    day: date | None


def find_dates(text: str, published_on: date, offset: int = 0) -> list[DateMention]:
    """Every day expression in the text, resolved; days after publication are dropped."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            day = _resolve(kind, m, published_on)
            if day is not None and day > published_on:
                continue
            if kind != "vague" and day is None:
                continue
            taken.append((m.start(), m.end()))
            found.append(DateMention(offset + m.start(), offset + m.end(), day))
    found.sort(key=lambda d: d.start)
    return found


def _resolve(kind: str, m: re.Match[str], published_on: date) -> date | None:
    if kind == "iso":
        try:
            return date.fromisoformat(m.group("iso"))
        except ValueError:
            return None
    if kind in ("month_day", "day_month"):
        month = MONTHS[m.group("month").lower()]
        year = int(m.group("year")) if m.group("year") else published_on.year
        try:
            day = date(year, month, int(m.group("day")))
        except ValueError:
            return None
        if not m.group("year") and day > published_on:
            try:
                day = day.replace(year=year - 1)
            except ValueError:
                return None
        return day
    if kind == "weekday":
        rel = (m.group("rel") or "").lower()
        if rel in ("next", "until", "by"):
            return None
        return weekday_on_or_before(m.group("weekday").lower(), published_on, strict=rel == "last")
    if kind == "relative":
        rel = m.group("rel").lower()
        return published_on - timedelta(days=1) if rel == "yesterday" else published_on
    return None


def weekday_on_or_before(weekday: str, published_on: date, *, strict: bool = False) -> date:
    """The latest such weekday on or before the publication date (before it, if strict)."""
    back = (published_on.weekday() - WEEKDAYS.index(weekday)) % 7
    if strict and back == 0:
        back = 7
    return published_on - timedelta(days=back)


_DATELINE = re.compile(
    r"^[ \t]*[A-Z][A-Z .'-]{1,40}(?:,\s*[A-Z][A-Za-z .]{0,30})?,?\s+"
    r"(?:" + "|".join(m.capitalize() for m in MONTHS) + r")\.?\s+\d{1,2}\s*(?:,\s*\d{4}\s*)?"
    r"(?:\([^)]{1,40}\)\s*)?[-\u2013\u2014]+\s*",
    re.M,
)


def datelines(text: str) -> list[tuple[int, int]]:
    """Character spans of wire datelines ("WASHINGTON, Aug 20 - "): neither actors nor days."""
    return [(m.start(), m.end()) for m in _DATELINE.finditer(text)]
