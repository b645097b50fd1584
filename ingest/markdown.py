"""Markdown notes → blocks: '#' and underlined headings give the section path, front matter (or
a "By …" line under the title) gives author and date; inline markup is reduced to its text."""

from __future__ import annotations

import re

from ingest.byline import author_names, find_date
from ingest.document import Block, header_blocks
from retrieval.base.errors import EmptyDocument
from retrieval.index.records import Metadata

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_FENCE = re.compile(r"^(```|~~~)")
_BULLET = re.compile(r"^[-*+]\s+")
_NUMBERED = re.compile(r"^\d+[.)]\s")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_INLINE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links: keep the words
    (re.compile(r"(\*\*|__)(\S(?:.*?\S)?)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])"), r"\1"),  # italics
    (re.compile(r"`([^`]+)`"), r"\1"),  # code spans
    (re.compile(r"<!--.*?-->"), ""),
]


def read_markdown(text: str, source: str) -> tuple[list[Block], Metadata]:
    title, authors, date, body = _front_matter(text)
    blocks: list[Block] = []
    paragraph: list[str] = []
    code: list[str] | None = None

    def flush() -> None:
        if paragraph:
            blocks.append(Block(_inline(" ".join(paragraph))))
            paragraph.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if code is not None:  # inside a fenced code block: verbatim, one block
            if _FENCE.match(line):
                blocks.append(Block("\n".join(code)))
                code = None
            elif line:
                code.append(raw.rstrip())
            continue
        heading = _HEADING.match(line)
        if _FENCE.match(line):
            flush()
            code = []
        elif heading:
            flush()
            level, words = len(heading.group(1)), _inline(heading.group(2).strip())
            if level == 1 and (not title or words == title):
                title = title or words
            else:
                blocks.append(Block(words, "heading", level=level))
        elif _SETEXT.match(line) and len(paragraph) == 1:
            words = _inline(paragraph.pop())
            level = 1 if line.startswith("=") else 2
            if level == 1 and (not title or words == title):
                title = title or words
            else:
                blocks.append(Block(words, "heading", level=level))
        elif not line or _TABLE_RULE.match(line):
            flush()
        elif _BULLET.match(line) or _NUMBERED.match(line):
            flush()
            paragraph.append(_BULLET.sub("", line))
        else:
            paragraph.append(line.lstrip("> ") if line.startswith(">") else line)
    flush()
    if code:
        blocks.append(Block("\n".join(code)))
    blocks = [b for b in blocks if b.text.strip()]
    if not any(b.kind == "text" for b in blocks):
        raise EmptyDocument(source)
    header, blocks, authors, date = _byline(title, authors, date, blocks)
    return header + blocks, Metadata(title=title, authors=authors, date=date, source=source)


def _front_matter(text: str) -> tuple[str, tuple[str, ...], str, str]:
    title, authors, date = "", (), ""
    match = _FRONT_MATTER.match(text)
    if not match:
        return title, authors, date, text
    for line in match.group(1).splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip().strip("'\"")
        if key == "title":
            title = value
        elif key in ("author", "authors"):
            authors = tuple(a.strip().strip("'\"") for a in value.strip("[]").split(",") if a.strip())
        elif key in ("date", "published", "updated", "lastmod") and not date:
            date = find_date(value)
    return title, authors, date, text[match.end() :]


def _byline(title: str, authors: tuple[str, ...], date: str, blocks: list[Block]):
    """Header blocks for title, author and date; a "By …" or date line right under the title
    becomes the author or date paragraph itself."""
    leading = blocks[:2]
    for block in leading:
        names, _ = author_names(block.text)
        if not authors and block.kind == "text" and names and block.text.lower().startswith("by "):
            authors = names
            blocks = [Block(block.text, "author") if b is block else b for b in blocks]
        elif not date and block.kind == "text" and len(block.text.split()) <= 8 and find_date(block.text):
            date = find_date(block.text)
            blocks = [Block(block.text, "date") if b is block else b for b in blocks]
    return header_blocks(title, authors, date, blocks), blocks, authors, date


def _inline(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())
