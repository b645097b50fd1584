"""Plain-text captures of web pages → the article's own paragraphs, without the site around it.

jusText's classifier (stopword density, length, context) is run over the capture's lines, each fed
as a paragraph; what it keeps is the body. The short lines it keeps just above the body are the
byline block: title, author and date are read from it, and interface words ("Share", "19 Min
Read") are dropped. Nothing here knows about any one site.
"""

from __future__ import annotations

import html
import re

from cited.errors import EmptyDocument
from ingest.byline import UI_LINE, read_byline
from ingest.document import Block, Metadata

_ROMAN = re.compile(r"^(?=[IVXLC]+\.)[IVXLC]+\.\s+\S")
_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+\S")
# "2. Incapability of Iran …: During a period …" — a numbered lead-in heading inside a paragraph.
_LEAD_IN = re.compile(r"^\d{1,2}[.)]\s+[^:]{3,160}:\s+\S")
_END_PUNCT = tuple(".!?:;,\"”")


def clean_capture(text: str, source: str) -> tuple[list[Block], Metadata]:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    kept = _classify(lines)
    if not any(good for _, good in kept):
        raise EmptyDocument(source)
    body_start = next(i for i, (_, good) in enumerate(kept) if good)
    header_lines = [lines[i] for i, _ in kept[:body_start]]
    header_lines = _dedupe([line for line in header_lines if not UI_LINE.match(line)])
    byline = read_byline(header_lines)

    blocks: list[Block] = []
    if byline.title is not None:
        blocks.append(Block(header_lines[byline.title], "title"))
    if byline.author is not None:
        blocks.append(Block(header_lines[byline.author], "author"))
    if byline.date is not None:
        blocks.append(Block(header_lines[byline.date], "date"))
    for i, line in enumerate(header_lines):  # a dek or subtitle: keep when it reads as prose
        if i not in (byline.title, byline.author, byline.date) and len(line.split()) >= 6:
            blocks.append(Block(line))

    body_lines = [i for i, _ in kept[body_start:]]
    blocks.extend(_body_blocks(lines, body_lines))
    meta = Metadata(
        title=header_lines[byline.title] if byline.title is not None else "",
        authors=byline.authors,
        date=byline.iso_date,
        source=source,
    )
    return blocks, meta


def _classify(lines: list[str]) -> list[tuple[int, bool]]:
    """(line index, is it a long 'good' paragraph) for every line jusText keeps."""
    import justext  # heavy import; only ingest needs it

    indexed = [i for i, line in enumerate(lines) if line]
    if not indexed:
        return []
    page = "<html><body>" + "".join(f"<p>{html.escape(lines[i])}</p>" for i in indexed) + "</body></html>"
    paragraphs = justext.justext(page.encode("utf-8"), justext.get_stoplist("English"), encoding="utf-8")
    kept = []
    for i, p in zip(indexed, paragraphs):
        if p.class_type == "good" and not (UI_LINE.match(lines[i])):
            kept.append((i, p.cf_class == "good"))
    return kept


def _body_blocks(lines: list[str], kept: list[int]) -> list[Block]:
    """Kept lines → paragraphs: lines of one blank-line-separated block are joined (hard wraps),
    list items and headings stand alone."""
    blocks: list[Block] = []
    run: list[str] = []
    previous = None

    def flush() -> None:
        if run:
            blocks.append(_block(" ".join(run)))
            run.clear()

    for i in kept:
        line = lines[i]
        contiguous = previous is not None and i == previous + 1
        standalone = _is_heading(line) or _NUMBERED.match(line) or line.startswith(("•", "-", "*"))
        if not contiguous or standalone or (run and _is_heading(run[-1])):
            flush()
        run.append(line)
        previous = i
    flush()
    return blocks


def _block(text: str) -> Block:
    if _is_heading(text):
        return Block(text, "heading", level=2 if _NUMBERED.match(text) else 1)
    if _LEAD_IN.match(text):
        return Block(text, "text", level=2)
    return Block(text)


def _is_heading(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 12 and not line.endswith(_END_PUNCT) and (
        line[0].isupper() or bool(_ROMAN.match(line)) or bool(_NUMBERED.match(line))
    )


def _dedupe(lines: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for line in lines:
        if line.lower() not in seen:
            seen.add(line.lower())
            out.append(line)
    return out
