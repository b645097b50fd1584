"""Title, author and date from the lines just above an article's body (its byline block)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july",
         "august", "september", "october", "november", "december"]
    )
}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTH_RE = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"

_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>(?:19|20)\d\d)[/.-](?P<mnum>\d{1,2})[/.-](?P<day>\d{1,2})\b"),
    re.compile(_MONTH_RE + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_RE + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
]

# Words of a page's interface, not of an article: share buttons, reading-time badges, sign-in.
UI_LINE = re.compile(
    r"^\s*(share( this( article| post)?)?|tweet|print|e-?mail|copy link|save|bookmark|like|"
    r"follow( us)?|subscribe|sign (in|up)|log ?in|register|read more|advertisement|comments?|"
    r"\d+\s*(min(ute)?s?)\s*read|reading time.*|listen( to this article)?|"
    r"(facebook|twitter|whatsapp|linkedin|telegram|x|email)(\s+(facebook|twitter|whatsapp|linkedin|telegram|email))*)\s*$",
    re.I,
)
_NAME = re.compile(r"^(?:by\s+)?(?P<name>[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|de|al|bin|van|von|el|da)){1,3})$")
_AUTHOR_PREFIX = re.compile(r"^\s*(?:by|written by|author:?)\s+(?P<name>.+?)\s*$", re.I)


@dataclass(frozen=True)
class Byline:
    title: int | None = None  # indexes into the lines given
    author: int | None = None
    date: int | None = None
    authors: tuple[str, ...] = ()
    iso_date: str = ""


def find_date(line: str) -> str:
    """The first date in a line as YYYY-MM-DD, or ""."""
    for pattern in _DATE_PATTERNS:
        m = pattern.search(line)
        if not m:
            continue
        groups = m.groupdict()
        month = int(groups["mnum"]) if groups.get("mnum") else _MONTHS[groups["month"].lower().rstrip(".")]
        day, year = int(groups["day"]), int(groups["year"])
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def author_name(line: str) -> str:
    """The name on a byline line ("By Jane Doe", "Jane Doe"), or ""."""
    line = line.strip()
    m = _AUTHOR_PREFIX.match(line)
    if m and len(m.group("name").split()) <= 8:
        return m.group("name").strip()
    m = _NAME.match(line)
    return m.group("name") if m else ""


def read_byline(lines: list[str]) -> Byline:
    """Pick title, author and date among the short lines above the body."""
    title = author = date = None
    authors: list[str] = []
    iso = ""
    for i, line in enumerate(lines):
        if date is None and len(line.split()) <= 12 and find_date(line):
            date, iso = i, find_date(line)
        elif author is None and author_name(line) and not find_date(line):
            author, authors = i, [author_name(line)]
    candidates = [i for i, line in enumerate(lines) if i not in (author, date) and len(line.split()) >= 3]
    if candidates:
        title = max(candidates, key=lambda i: len(lines[i]))
    return Byline(title, author, date, tuple(authors), iso)
