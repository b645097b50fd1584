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
_MONTHS["sept"] = 9
_MONTH_RE = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"

_YEAR_END = r"(?:\b|(?=\d{1,2}:\d\d))"  # "NOV 20 20194:29 AM": a time glued to the year
_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>(?:19|20)\d\d)[/.-](?P<mnum>\d{1,2})[/.-](?P<day>\d{1,2})\b"),
    re.compile(r"\b" + _MONTH_RE + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)" + _YEAR_END, re.I),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_RE + r",?\s+(?P<year>(?:19|20)\d\d)" + _YEAR_END, re.I),
    re.compile(r"\b(?P<day>\d{1,2})\.(?P<mnum>\d{1,2})\.(?P<year>(?:19|20)\d\d)\b"),  # 19.11.2019
]

# Words of a page's interface, not of an article: share buttons, reading-time badges, sign-in,
# in-article advertising, "related" links and picture credits.
UI_LINE = re.compile(
    r"^\s*(share( this( article| post| story)?)?:?|tweet|print|e-?mail|copy link|save|bookmark|like|"
    r"follow( us)?|subscribe|sign (in|up)|log ?in|register|read more|advertisement|skip advertisement|"
    r"story continues( below)?( advertisement)?|comments?|leave a (comment|reply)|reply|"
    r"(related|read more|see also|also read|recommended|more on this( story)?)\s*:.*|"
    r"(photo(graph)?|image|illustration|video|credit)s?\s*(:|by\b).*|"
    r"\d+\s*(min(ute)?s?)\s*read|reading time.*|listen( to this article)?|"
    r"(facebook|twitter|whatsapp|linkedin|telegram|x|email)(\s+(facebook|twitter|whatsapp|linkedin|telegram|email))*)\s*$",
    re.I,
)
COPYRIGHT_LINE = re.compile(r"©|\(c\)\s*\d{4}|\ball rights reserved\b|\bcopyright\b", re.I)
# "19 Min Read": how long the page says the article takes to read.
READING_TIME = re.compile(r"^\s*\d+\s*(min(ute)?s?)\.?\s*read\s*$", re.I)
# The words of a copyright notice around the owner it names: "All Rights Reserved to Egyptian
# Center for Strategic Studies - ECSS © 2023", "© 2022 Example Media Ltd. All rights reserved.",
# "Copyright 2024, Powered by …".
_NOTICE_WORDS = re.compile(r"©|\(c\)|\ball rights reserved(\s+to\b)?\.?|\bcopyright\b|\bunless otherwise noted\b|"
                           r"\b(19|20)\d\d\b(\s*[-–]\s*(19|20)?\d\d)?|"
                           r"[,|]?\s*\b(powered|designed|developed|hosted) by\b.*$", re.I)
# Where an owner's name ends: a sentence's end, or a separator before the notice's other parts.
_OWNER_END = re.compile(r"(?<=\w{2})\.\s|\s[-–—|•·]\s|\s{2,}|"
                        r"\s(?:or its|and its|in England|registered|regulated)\b", re.I)
_OWNER = re.compile(r"^[A-Z][\w&'’.-]+(?:\s+[\w&'’.-]+){0,5}$")
_NOT_IN_A_NAME = re.compile(r"\b(is|are|this|site|its)\b", re.I)  # "The contents of this site are …"
_LINK_WORDS = {"policy", "privacy", "privacy policy", "terms", "terms of use", "terms of service", "contact", "cookies",
               "imprint", "sitemap", "about", "about us", "image", "images", "photo", "photos", "picture", "pictures"}


def site_owner(notices: list[str]) -> str:
    """The site's owner as its copyright notices name it, the longest of their names ("Egyptian
    Center for Strategic Studies" over "ECSS"); "" when no notice names one."""
    owners = []
    for line in notices:
        said = _NOTICE_WORDS.sub(" ", line).strip(" -–—,.;:|")
        owner = _OWNER_END.split(said, maxsplit=1)[0].strip(" -–—,.;:|")
        if _OWNER.match(owner) and owner.lower() not in _LINK_WORDS and not _NOT_IN_A_NAME.search(owner):
            owners.append(owner)
    return max(owners, key=len, default="")

_NAME_WORD = r"(?:[A-Z][\w'’.-]*|de|al|bin|van|von|el|da|der|du|la|le)"
_NAME = re.compile(r"^" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){1,3}$")
# "By Jane Doe", "Written by …", "Author: …", and "… by Jane Doe" after a date.
_BY = re.compile(r"(?:^|\s)(?:by|written by|author:|authors:)\s+(?P<names>.+)$", re.I)
# Job titles that follow a name on a byline ("Jane Doe Environment correspondent").
_ROLES = {
    "correspondent", "editor", "reporter", "writer", "columnist", "contributor", "staff", "analyst",
    "researcher", "fellow", "journalist", "producer", "critic", "director", "professor", "team",
}


@dataclass(frozen=True)
class Byline:
    """Which of the given lines is the title, the author line, the date line and any dek
    (a prose summary under the title), and what they say."""

    title: int | None = None  # indexes into the lines given
    author: int | None = None
    date: int | None = None
    deks: tuple[int, ...] = ()
    authors: tuple[str, ...] = ()
    iso_date: str = ""


def date_match(line: str) -> tuple[str, int, int] | None:
    """The first date in a line: (YYYY-MM-DD, start, end), or None."""
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(line):
            groups = m.groupdict()
            month = int(groups["mnum"]) if groups.get("mnum") else _MONTHS[groups["month"].lower().rstrip(".")]
            day, year = int(groups["day"]), int(groups["year"])
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}", m.start(), m.end()
    return None


def find_date(line: str) -> str:
    """The first date in a line as YYYY-MM-DD, or ""."""
    found = date_match(line)
    return found[0] if found else ""


def author_names(line: str) -> tuple[tuple[str, ...], int]:
    """The names on a byline line and where the author part starts: "By Jane Doe and Li Wei"
    → (("Jane Doe", "Li Wei"), 0). A line without a byline gives ((), -1)."""
    line = line.strip()
    found = date_match(line)
    rest = line[: found[1]] + " " * (found[2] - found[1]) + line[found[2] :] if found else line
    by = _BY.search(rest)
    if by:
        names = tuple(n for n in (_name(part) for part in _split_names(by.group("names"))) if n)
        if names and len(by.group("names").split()) <= 12:
            return names, by.start() + (1 if rest[by.start()].isspace() else 0)
        return (), -1
    bare = re.sub(r"^[\s|·•—–,-]+|[\s|·•—–,-]+$", "", rest)  # "Jane Doe · March 3, 2023"
    name, _, role = bare.partition(", ")  # "Tom Krisher, AP Auto Writer"
    if role and _NAME.match(name) and len(role.split()) <= 5 and _ROLES & set(role.lower().split()):
        bare = name
    if _NAME.match(bare) and not bare.isupper():
        return (bare,), line.find(bare)
    return (), -1


def _split_names(text: str) -> list[str]:
    text = re.split(r"\s[|·—–]\s|\s+on\s+", text)[0]
    return [p for p in re.split(r",|\s+and\s+|\s+&\s+", text) if p.strip()]


def _name(part: str) -> str:
    """The leading capitalized words of a byline part, without a job title after them."""
    words = part.split()
    name: list[str] = []
    for word in words:
        if word.lower().strip(".,") in _ROLES:
            if len(name) >= 3:  # "Priya Raman Environment correspondent": the role's adjective
                name.pop()
            break
        if not re.fullmatch(_NAME_WORD, word.strip(",")) or len(name) == 4:
            break
        name.append(word.strip(","))
    return " ".join(name) if len(name) >= 2 else ""


# A bar of teaser headlines ("Trending: A | B | C") is navigation, never the title: one pipe may
# join a title to its site or series ("Milan Design Week 2018 | …"), two or more list teasers.
_TEASER_BAR = re.compile(r"(?:\s[|•·]\s.*){2,}|^(?:trending|popular|most read|latest|breaking|top stories|"
                         r"read more|related|more from)\b[^.!?]*:", re.I)


# A breadcrumb ("Home News Business News …", "HomeSPORT NEWS…", "You are here: …"): what stands
# above it is the site's menu. A date line whose date did not parse ("Posted on Maret 30, 2015").
# Neither is ever the title.
_BREADCRUMB = re.compile(r"^(home(\s*[>/»›|]|\s+news\b|[A-Z])|you are here\b)", re.I)
_DATE_LINE = re.compile(r"^(posted|published|updated|last updated|first published)\b", re.I)


def _title_shaped(line: str) -> bool:
    words = line.split()
    return (2 <= len(words) <= 30 and not line.endswith(":") and not UI_LINE.match(line) and not find_date(line)
            and not _TEASER_BAR.search(line) and not _BREADCRUMB.match(line) and not _DATE_LINE.match(line))


def read_byline(lines: list[str], prose: list[bool]) -> Byline:
    """Pick title, author, date and dek among the lines above the body (top to bottom);
    prose[i] says whether line i reads as running text."""
    author = date = None
    authors: tuple[str, ...] = ()
    iso = ""
    short = [i for i, line in enumerate(lines) if len(line.split()) <= 16]
    explicit = [i for i in short if _BY.search(lines[i]) and author_names(lines[i])[0]]
    # A bare name ("Jane Doe") counts below a title only ("Breaking News" above one is a label).
    bare = [i for i in short if author_names(lines[i])[0]
            and any(_title_shaped(lines[j]) and not author_names(lines[j])[0] for j in range(i))]
    # "By Jane Doe" anywhere wins; a bare name counts only nearest the body.
    if explicit or bare:
        author = explicit[0] if explicit else bare[-1]
        authors = author_names(lines[author])[0]
    dated = [i for i in short if find_date(lines[i])]
    if dated:
        date, iso = dated[0], find_date(lines[dated[0]])
    if author is None and date is not None:  # "Charlie Wood, Business Insider" beside the date line
        beside = [i for i in (date - 1, date + 1) if 0 <= i < len(lines) and _name_and_org(lines[i])]
        if beside:
            author, authors = beside[0], (_name_and_org(lines[beside[0]]),)
            bare.append(author)
    named = set(bare)
    bylines = [i for i in (author, date) if i is not None]
    # The title is the heading directly above the author line (a date may stand above the title).
    first_byline = author if author is not None else date if date is not None else len(lines)
    top = max((i + 1 for i in range(first_byline) if _BREADCRUMB.match(lines[i])), default=0)
    candidates = [i for i in range(top, first_byline) if _title_shaped(lines[i]) and i not in named]
    if not candidates:  # the title may come after the byline
        candidates = [i for i in range(first_byline, len(lines)) if _title_shaped(lines[i]) and i not in named | set(bylines)][:1]
    title = candidates[-1] if candidates else None
    # A dek is a sentence-long summary under the title: when the line nearest the byline reads
    # like one and a title-shaped line stands above it, that line is the title.
    # A kicker in capitals above a long title ("BLACK DEATH FEARS") is a label, not the title.
    if title is not None and len(candidates) >= 2 and _is_dek(lines[title]) and not _kicker(lines[candidates[-2]]):
        title = candidates[-2]
    deks = tuple(
        i for i in range(len(lines))
        if title is not None and i > title and i not in bylines and prose[i] and len(lines[i].split()) >= 6
    )
    return Byline(title, author, date, deks, authors, iso)


def _name_and_org(line: str) -> str:
    """The name of a "Name, Organization" line ("Charlie Wood, Business Insider"), or ""."""
    name, _, org = line.strip().partition(", ")
    org_words = org.split()
    return name if _NAME.match(name) and 1 <= len(org_words) <= 4 and all(w[0].isupper() for w in org_words) else ""


def _kicker(line: str) -> bool:
    return line.isupper() and len(line.split()) <= 4


def _is_dek(line: str) -> bool:
    """A summary sentence, not a headline: it ends like one, holds two, or is long."""
    words = len(line.split())
    return words > 15 or (words >= 8 and (line.endswith(".") or bool(_TWO_SENTENCES.search(line))))


_TWO_SENTENCES = re.compile(r"[a-z]{2}[.!?] [A-Z]")
