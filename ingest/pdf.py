"""PDF → paragraphs with their page numbers, with pypdf; headings found by font size.

pypdf reports each piece of text with its position and font size. Pieces on one baseline form a
line; a line starts a new paragraph after a wider gap than the page's usual line spacing, after
a short line that ends a sentence, or when the font size changes. Lines set larger than the body
text are headings (the larger, the higher), so a PDF's citations carry a section as well as a page.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from statistics import median

from ingest.byline import find_date
from ingest.document import Block, header_blocks
from retrieval.base.errors import DocumentError
from retrieval.index.records import Metadata

HEADING_SCALE = 1.15  # a line set this much larger than the body text is a heading
PARAGRAPH_GAP = 1.3  # a gap this much wider than the usual line spacing ends a paragraph


@dataclass
class _Line:
    text: str
    y: float
    size: float


def read_pdf(data: bytes, source: str) -> tuple[list[Block], Metadata]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # pypdf logs each oddity it repairs; the one line a reader needs is our error, or nothing.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(source, "the PDF is password-protected; save an unlocked copy and ingest that.")
        pages = [_lines(page) for page in reader.pages]
        info = reader.metadata
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, NotImplementedError) as e:
        raise DocumentError(source, f"not a readable PDF: it is damaged or not a PDF at all ({type(e).__name__}).") from None
    if not any(pages):
        raise DocumentError(
            source, "the PDF has no text layer (its pages are images, e.g. a scan); run OCR on it first (e.g. ocrmypdf)."
        )
    title = _info(info, "title")
    author = _info(info, "author")
    date = ""
    if info is not None:
        stamp = info.get("/ModDate") or info.get("/CreationDate") or ""
        digits = re.sub(r"^D:", "", str(stamp))[:8]
        date = find_date(f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}") if len(digits) == 8 else ""
    blocks = _blocks(pages)
    if not title:
        title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1 and b.page == 1), "")
    blocks = [b for b in blocks if not (b.kind == "heading" and b.text == title)]
    authors = tuple(a.strip() for a in re.split(r";|,|\band\b", author) if a.strip())
    return header_blocks(title, authors, date) + blocks, Metadata(title=title, authors=authors, date=date, source=source)


def _info(info, name: str) -> str:
    value = getattr(info, name, None) if info is not None else None
    return " ".join(str(value).split()) if value else ""


def _lines(page) -> list[_Line]:
    """The page's text lines, top to bottom, each with its baseline and font size."""
    lines: list[_Line] = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (abs(tm[3]) or abs(tm[0]) or 1.0) * (abs(cm[3]) or 1.0)
        size = float(size) * scale
        if lines and abs(lines[-1].y - y) < 0.5 * max(size, 1.0):  # same baseline: one line
            lines[-1].text += text if lines[-1].text.endswith(" ") or text.startswith(" ") else " " + text
        else:
            lines.append(_Line(text, y, size))

    page.extract_text(visitor_text=visit)
    for line in lines:
        line.text = " ".join(line.text.split())
    return [line for line in lines if line.text]


def _blocks(pages: list[list[_Line]]) -> list[Block]:
    all_lines = [line for lines in pages for line in lines]
    if not all_lines:
        return []
    # The body size is the size most of the text is set in.
    weights: dict[float, int] = {}
    for line in all_lines:
        weights[round(line.size, 1)] = weights.get(round(line.size, 1), 0) + len(line.text)
    body_size = max(weights, key=weights.get)
    heading_sizes = sorted({s for s in weights if s >= body_size * HEADING_SCALE}, reverse=True)
    blocks: list[Block] = []
    for number, lines in enumerate(pages, start=1):
        gaps = [a.y - b.y for a, b in zip(lines, lines[1:]) if 0 < a.y - b.y and abs(a.size - b.size) < 0.5]
        spacing = median(gaps) if gaps else 0.0
        widest = max((len(line.text) for line in lines), default=0)
        paragraph: list[_Line] = []

        def flush() -> None:
            if paragraph:
                text = _join(line.text for line in paragraph)
                size = round(paragraph[0].size, 1)
                if size in heading_sizes and len(text.split()) <= 20:
                    blocks.append(Block(text, "heading", level=heading_sizes.index(size) + 1, page=number))
                else:
                    blocks.append(Block(text, page=number))
                paragraph.clear()

        for line in lines:
            if paragraph:
                previous = paragraph[-1]
                gap = previous.y - line.y
                ends_sentence = previous.text.endswith((".", "?", "!", ":", "”", '"')) and len(previous.text) < 0.8 * widest
                if (abs(previous.size - line.size) >= 0.5 or gap <= 0 or (spacing and gap > PARAGRAPH_GAP * spacing)
                        or ends_sentence):
                    flush()
            paragraph.append(line)
        flush()
    return blocks


def _join(texts) -> str:
    """Lines of one paragraph as running text; a word hyphenated across lines is joined."""
    out = ""
    for text in texts:
        if out.endswith("-") and text[:1].islower() and out[-2:-1].isalpha():
            out = out[:-1] + text
        else:
            out = f"{out} {text}" if out else text
    return out
