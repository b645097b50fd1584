"""Plain-text captures of web pages → the article's own paragraphs, without the site around it.

1. Lines become paragraphs: a blank-line block that was hard-wrapped (each line broken because
   the next word did not fit) is joined back into one paragraph; other lines stand alone.
2. jusText's context-free classifier (length, stopword density) says which paragraphs are prose.
3. The body is the contiguous run of paragraphs holding the most prose, where every non-prose
   paragraph costs a fixed number of characters: the maximum-subarray idea of Body Text
   Extraction. Menus, teaser lists, comment threads and footers lie outside it, cut off by runs
   of short lines; headings and list items inside it stay, carried by the prose around them.
4. Title, author, date and any dek are read from the few lines just above the body, and
   interface words ("Share", "19 Min Read") are dropped. Nothing here knows about any one site.
Before 3, lines that are the page's wherever they stand (captions, promotions in capitals, a
teaser heading and its headlines) become kind "nav": never prose, never kept, never the title.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ingest.byline import COPYRIGHT_LINE, READING_TIME, UI_LINE, author_names, date_match, read_byline, site_owner
from ingest.document import Block, colophon
from ingest.language import detect, stoplist
from retrieval.base.errors import EmptyDocument
from retrieval.index.records import Metadata

# One non-prose paragraph inside the body costs as much as this many characters of prose: a
# heading or a list item between long paragraphs is kept, a gap of menu lines ends the body.
JUNK_COST = 40
# The byline block: at most this many lines (interface words not counted) above the body.
HEADER_LINES = 8
# Hard wrapping happens at a fixed width, in practice 60–80 columns.
WRAP_WIDTHS = (50, 100)

_ROMAN = re.compile(r"^(?=[IVXLC]+\.)[IVXLC]+\.\s+\S")
_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+\S")
_BULLET = re.compile(r"^[-*•◦▪–]\s+")
_LIST_ITEM = re.compile(r"^(?:[-*•◦▪–]\s+|\d{1,2}[.)]\s+|[a-z][.)]\s+)")
# "2. Incapability of Iran …: During a period …" — a numbered lead-in heading inside a paragraph.
_LEAD_IN = re.compile(r"^\d{1,2}[.)]\s+[^:]{3,160}:\s+\S")
_END_PUNCT = tuple(".!?:;,\"”")


@dataclass(frozen=True)
class Line:
    """A paragraph of the capture and how jusText's context-free classifier sees it."""

    text: str
    kind: str  # good, neargood, short or bad (jusText's), or nav: the page's wherever it stands

    @property
    def prose(self) -> bool:
        return self.kind in ("good", "neargood")


def clean_capture(text: str, source: str) -> tuple[list[Block], Metadata]:
    paragraphs = capture_paragraphs(text)
    # The language of the capture's prose-length lines: menus and teasers say little of it.
    language = detect("\n".join(p for p in paragraphs if len(p) > 80) or text)
    lines = navigation(classify(paragraphs, language))
    span = body_span(lines)
    if span is None and stoplist(language):
        # No prose by the language's stopwords (a page of scores, a table of figures): length
        # alone decides, as for a language jusText has no stoplist for. A page of menu lines
        # still has none.
        lines = navigation(classify(paragraphs, ""))
        span = body_span(lines)
    if span is None:
        raise EmptyDocument(source)
    start, end = span[0], with_closing_list(lines, span[1])
    header = header_lines(lines, start)
    byline = read_byline([line.text for line in header], [line.prose for line in header])

    blocks: list[Block] = []
    if byline.title is not None:
        blocks.append(Block(header[byline.title].text, "title"))
    blocks.extend(_byline_blocks(header, byline.author, byline.date))
    blocks.extend(Block(header[i].text) for i in byline.deks)
    kept: set[str] = set()
    for line in lines[start:end]:
        if line.kind == "nav" or UI_LINE.match(line.text) or _site_notice(line) or line.text in kept:
            continue  # captions, teasers, interface words, the site's notices, a gallery's repeats
        if len(line.text) >= REPEAT_CHARS:  # short lines may repeat ("See it now: Amazon"), a caption not
            kept.add(line.text)
        blocks.append(_block(line.text))
    # The colophon: the site's name from its copyright notices, wherever they are, and the
    # reading-time badge from the byline block (which header_lines drops as an interface word).
    site = site_owner([line.text for line in lines if _site_notice(line)])
    badge = next((line.text for line in lines[max(0, start - HEADER_LINES * 2):start] if READING_TIME.match(line.text)), "")
    blocks.extend(colophon(site, badge))
    meta = Metadata(
        title=header[byline.title].text if byline.title is not None else "",
        authors=byline.authors,
        date=byline.iso_date,
        site=site,
        source=source,
        language=language,
    )
    return blocks, meta


# --- 1. paragraphs ---------------------------------------------------------------------------


def capture_paragraphs(text: str) -> list[str]:
    """Each line a paragraph, except that the lines of a hard-wrapped block are joined."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in block.splitlines()]
        out.extend(unwrap([line for line in lines if line]))
    return out


def unwrap(lines: list[str]) -> list[str]:
    """Join the lines of a hard-wrapped block. A line was wrapped when the next line's first word
    would not have fitted after it; a block counts as wrapped when most of its lines were."""
    if len(lines) < 2:
        return lines
    width = max(len(line) for line in lines)
    full = [len(a) + 1 + len(b.split()[0]) > width and not _LIST_ITEM.match(b) for a, b in zip(lines, lines[1:])]
    if not (WRAP_WIDTHS[0] <= width <= WRAP_WIDTHS[1]) or sum(full) * 2 < len(full):
        return lines
    out, current = [], [lines[0]]
    for line, wrapped in zip(lines[1:], full):
        if wrapped:
            current.append(line)
        else:
            out.append(" ".join(current))
            current = [line]
    out.append(" ".join(current))
    return out


# --- 2. prose or not -------------------------------------------------------------------------


DENSE_SCRIPTS = {"ja", "zh"}  # written without spaces: jusText's length thresholds (70/200 characters) scaled by ~1/3


def classify(paragraphs: list[str], language: str = "en") -> list[Line]:
    """jusText's context-free class of each paragraph, with the stoplist of the page's language;
    language-neutral (length alone) for a language jusText has none for (ingest/language.py)."""
    import justext  # heavy import; only ingest needs it

    if not paragraphs:
        return []
    page = "<html><body>" + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + "</body></html>"
    stopwords = stoplist(language)
    neutral = {} if stopwords else {"stopwords_low": 0, "stopwords_high": 0}
    if language in DENSE_SCRIPTS:  # a character there says about as much as a word elsewhere
        neutral |= {"length_low": 25, "length_high": 70}
    found = justext.justext(page.encode("utf-8"), stopwords, encoding="utf-8", **neutral)
    if len(found) != len(paragraphs):  # jusText merged or dropped one: should not happen
        raise ValueError(f"jusText returned {len(found)} paragraphs for {len(paragraphs)}")
    return [Line(text, p.cf_class) for text, p in zip(paragraphs, found)]


# A heading over the site's teaser headlines ("Most read in world news", "RELATED", "More in
# Politics"): it and the headlines under it, up to the next line that ends like a sentence, are
# the site's, even in the middle of the article.
_TEASER_HEADING = re.compile(
    r"^(related( (news|articles?|stories|links|posts|content|coverage|reading))?|more (stories|news)|more(?=:)|"
    r"more (from|in|on) .{1,40}|most (read|popular|viewed|shared|watched)( .{1,40})?|trending( now| stories)?|"
    r"recommended( (for you|articles|stories|reading))?|top stories|you (may|might) also like|"
    r"read (next|also)|see also|explore further|editor'?s picks|popular (stories|articles|now))\s*:?$", re.I)
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*$")
# A line in capitals of this many words is a promotion ("CLICK HERE TO GET THE APP"), not a heading.
SHOUT_WORDS = 6
TEASER_WORDS = 25  # a headline is shorter


def navigation(lines: list[Line]) -> list[Line]:
    """The lines that are the page's wherever they stand, as kind "nav": never prose, never kept.
    A photo's caption, a promotion in capitals, a teaser heading and the headlines under it."""
    out, teasers, prose = [], False, 0
    for line in lines:
        text = line.text
        if _TEASER_HEADING.match(text) and prose >= MIN_ARTICLE_CHARS:  # above the article, the span decides
            teasers = True
        elif teasers and (_SENTENCE_END.search(text) or text.endswith(":") or len(text.split()) > TEASER_WORDS):
            teasers = False  # the article again: a sentence, a lead-in, a paragraph
        shout = (len(text.split()) >= SHOUT_WORDS and text.isupper() and not _SENTENCE_END.search(text)
                 and not any(c.isdigit() for c in text))
        nav = teasers or shout or bool(_CAPTION.search(text))
        out.append(Line(text, "nav") if nav else line)
        prose += len(text) if line.kind == "good" else 0
    return out


# --- 3. the body -----------------------------------------------------------------------------


def body_span(lines: list[Line]) -> tuple[int, int] | None:
    """[start, end) of the run of paragraphs with the most prose (maximum-sum subarray), or None
    when there is no prose at all. A comment thread that follows some prose is never the body,
    however long its comments."""
    best, best_span = 0.0, None
    total, start = 0.0, 0
    for i, line in enumerate(lines[: _article_end(lines)]):
        if total <= 0:
            total, start = 0.0, i
        total += _gain(line)
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


# What the site says of itself, in prose: cookie banners, privacy notices, contact boxes. jusText
# reads them as prose, and a long cookie banner below a short article would outweigh it.
_SITE_PROSE = re.compile(
    r"\b(this|our) (web ?site|site)\b|\bcookies? (policy|settings|consent|preferences)\b|"
    r"\b(use|uses|use of|accept|necessary|essential|third-party|functional|analytics|performance) cookies\b|"
    r"\bcookies (are|that|which|may|help)\b|\bprivacy (policy|overview|notice|settings)\b|"
    r"\bterms (of (use|service)|and conditions|& conditions)\b|\bcustomer service\b|"
    r"\b(subscribe to|sign up for) (our|the)\b|\bnewsletters?\b.*\b(subscribe|sign up|inbox)\b|\bunsubscribe\b|"
    r"\bif you (enjoyed|liked) this (article|story|post)\b|\bfollow (us|him|her|them|me) on (twitter|facebook|instagram)\b",
    re.I)


# Where a comment thread begins ("34 responses to …", "Leave a Reply"): the article never runs on
# past it, however long the comments below are.
_COMMENTS_START = re.compile(
    r"^(\d+\s+(comments?|responses?|replies|thoughts)\b|(leave a (reply|comment)|post a comment|add a comment|"
    r"join the (discussion|conversation)|comments? (are|is) closed|show comments|view comments)\b)", re.I)
MIN_ARTICLE_CHARS = 300  # of prose above a comment-thread marker, for it to end the article


def _article_end(lines: list[Line]) -> int:
    """Where the article must have ended: a comment thread, or a line that is only a date or a
    byline (the next teaser of a "more from us" feed), once some prose has come before it."""
    prose = 0
    for i, line in enumerate(lines):
        if prose >= MIN_ARTICLE_CHARS and (_COMMENTS_START.match(line.text) or _date_only(line.text)
                                           or _next_byline(line.text)):
            return i
        if line.kind == "good":  # long prose only: a dek or a teaser above the article is not its start
            prose += len(line.text)
    return len(lines)


# A line of a schedule ("June 9 -- Coral Sky Amphitheatre, West Palm Beach, FL") or of a table of
# figures ("3 Kevin Harvick 5033 4 6 15 26"): the shape of the lists articles end with.
_MONTH_START = re.compile(r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b", re.I)
_TABLE_ROW = re.compile(r"^\d{1,3}[.)]?\s+\D.*\d.*\d")
MIN_LIST_LINES = 5


def with_closing_list(lines: list[Line], end: int) -> int:
    """The body's end, moved past a list it ends with: at most one title line ("Tour dates:"),
    then at least MIN_LIST_LINES schedule or table lines. Prose-based detection leaves such lists
    out (every line is short), though they belong to the article."""
    first = end + 1 if end < len(lines) and len(lines[end].text.split()) <= 10 else end
    for begin in dict.fromkeys((end, first)):
        stop = begin
        while stop < len(lines) and (_MONTH_START.match(lines[stop].text) or _TABLE_ROW.match(lines[stop].text)):
            stop += 1
        if stop - begin >= MIN_LIST_LINES:
            return stop
    return end


def _next_byline(text: str) -> bool:
    """A short "By Jane Doe" line: the byline of the next teaser of a "more from us" feed."""
    return len(text.split()) <= 6 and text.lower().startswith("by ") and bool(author_names(text)[0])


def _date_only(text: str) -> bool:
    found = date_match(text)
    return found is not None and len(text.split()) <= 6 and len(text) - (found[2] - found[1]) <= 14


def _gain(line: Line) -> float:
    if UI_LINE.match(line.text) or _SITE_PROSE.search(line.text):
        return -JUNK_COST
    if line.kind == "good":
        return len(line.text)
    if line.kind == "neargood":  # prose, but short: counts, less
        return len(line.text) / 2
    return -JUNK_COST


# --- 4. the byline block ---------------------------------------------------------------------


def header_lines(lines: list[Line], body_start: int) -> list[Line]:
    """The lines just above the body, top to bottom, without captions, teasers, interface words,
    counts or repeats (a line repeated keeps its first place: a gallery may repeat the title below
    the byline). Stops at long prose, a copyright line or a menu item: those belong to the site."""
    out: list[Line] = []
    i = body_start - 1
    while i >= 0 and len({o.text.lower() for o in out}) < HEADER_LINES:
        line = lines[i]
        if line.kind == "good" or _site_notice(line) or _LIST_ITEM.match(line.text):
            break
        if line.kind != "nav" and not UI_LINE.match(line.text) and (
                any(c.isalpha() for c in line.text) or date_match(line.text)):
            out.append(line)
        i -= 1
    first = {}  # text → its topmost line
    for line in out[::-1]:
        first.setdefault(line.text.lower(), line)
    return list(first.values())


REPEAT_CHARS = 60
# A photo's caption or a gallery's controls inside the body, and the site's teasers between its
# paragraphs ("SEE MORE: …", "[VIDEO]").
_CAPTION = re.compile(
    r"\((image|photo|picture|pic|video|credit)s?:[^)]*\)\s*$|^(image|photo) \d+ of \d*|^\d+ / \d+$|"
    r"^(caption|close|back to gallery|see more:.*|don'?t miss|related articles|more:.*)$|"
    r"(\S|[.!?]\s+)(credit|photo|image)s?:\s*[^.:]{2,60}$|\[[^\]]*\b(via|file|photo|getty|reuters|ap|afp|courtesy)\b[^\]]*\]\s*$|"
    r"\[(video|insight|pics|poll|watch)\]", re.I)


def _site_notice(line: Line) -> bool:
    """A copyright line of the site ("© 2024 Example Ltd. All rights reserved."), not prose that
    happens to talk about copyright."""
    return not line.prose and bool(COPYRIGHT_LINE.search(line.text))


def _byline_blocks(header: list[Line], author: int | None, date: int | None) -> list[Block]:
    """The author and date lines as blocks; one line holding both ("Posted on March 3, 2023 by Sam
    Rivera") is split in two, so "who wrote it?" and "when?" each find their own paragraph."""
    if author is not None and author == date:
        text = header[author].text
        _, author_at = author_names(text)
        date_at = date_match(text)[1]
        cut = max(author_at, date_at)
        first, second = text[:cut].strip(), text[cut:].strip()
        kinds = ("date", "author") if date_at < author_at else ("author", "date")
        if first and second:
            return [Block(first, kinds[0]), Block(second, kinds[1])]
        return [Block(text, "author")]
    out = []
    if author is not None:
        out.append(Block(header[author].text, "author"))
    if date is not None:
        out.append(Block(header[date].text, "date"))
    return out


# --- headings --------------------------------------------------------------------------------


def _block(text: str) -> Block:
    if is_heading(text):
        return Block(text, "heading", level=2 if _NUMBERED.match(text) else 1)
    if _LEAD_IN.match(text):
        return Block(text, "text", level=2)
    return Block(text)


def is_heading(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 12 and not line.endswith(_END_PUNCT) and not _BULLET.match(line) and (
        line[0].isupper() or bool(_ROMAN.match(line)) or bool(_NUMBERED.match(line))
    )
