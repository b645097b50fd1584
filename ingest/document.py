"""Blocks of text from the readers → the clean Document (retrieval.records) with numbered
paragraphs and their offsets: the boundary between reading/cleaning and chunking."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from retrieval.index.records import HEADER_KINDS, Document, Metadata, Paragraph


@dataclass(frozen=True)
class Block:
    """A paragraph before it has offsets: what readers and cleaners produce."""

    text: str
    kind: str = "text"
    level: int = 0  # heading level (1 = top) when kind == "heading"
    page: int | None = None


def header_blocks(title: str, authors: tuple[str, ...], date: str, body: list[Block] = ()) -> list[Block]:
    """The blocks that open a document: its title, "By …" its authors, its date — each left out
    when empty, or when the body already has a paragraph of that kind (a byline under the title)."""
    header = [Block(title, "title")] if title else []
    if authors and not any(b.kind == "author" for b in body):
        header.append(Block("By " + ", ".join(authors), "author"))
    if date and not any(b.kind == "date" for b in body):
        header.append(Block(date, "date"))
    return header


def colophon(site: str, reading_time: str = "") -> list[Block]:
    """What the page says of the article besides its byline, after its last paragraph (so that the
    body's paragraph numbers do not move): who published it ("Published by …", from the site's
    name) and how long it takes to read ("19 Min Read") — each left out when unknown."""
    blocks = [Block(f"Published by {site}", "site")] if site else []
    return blocks + ([Block(reading_time, "length")] if reading_time else [])


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assemble(doc_id: str, blocks: list[Block], meta: Metadata, fmt: str, sha256: str) -> Document:
    """Join blocks into one clean text (blank line between paragraphs), number the paragraphs,
    and give each the path of headings it sits under."""
    parts: list[str] = []
    paragraphs: list[Paragraph] = []
    headings: list[tuple[int, str]] = []  # open (level, heading) stack
    offset = 0
    for block in blocks:
        text = block.text.strip()
        if not text:
            continue
        if block.kind == "heading":
            level = max(block.level, 1)
            headings = [h for h in headings if h[0] < level] + [(level, text)]
            section = tuple(h[1] for h in headings)
        elif block.kind in HEADER_KINDS:
            section = ()
        else:
            section = tuple(h[1] for h in headings)
            if block.level:  # an inline lead-in heading ("2. Title: text …") opens a subsection
                headings = [h for h in headings if h[0] < block.level] + [(block.level, _lead_in(text))]
                section = tuple(h[1] for h in headings)
        if parts:
            offset += 2  # the "\n\n" separator
        start, end = offset, offset + len(text)
        paragraphs.append(Paragraph(len(paragraphs) + 1, start, end, block.kind, section, block.page))
        parts.append(text)
        offset = end
    return Document(doc_id, "\n\n".join(parts), tuple(paragraphs), meta, fmt, sha256)


def _lead_in(text: str) -> str:
    return text.split(":", 1)[0].strip()
