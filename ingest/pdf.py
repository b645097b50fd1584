"""PDF → paragraphs per page, with pypdf; citations carry the page number."""

from __future__ import annotations

import io
import re

from cited.errors import DocumentError, EmptyDocument
from ingest.document import Block, Metadata


def read_pdf(data: bytes, source: str) -> tuple[list[Block], Metadata]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except (PdfReadError, ValueError, KeyError, TypeError) as e:
        raise DocumentError(source, f"not a readable PDF ({type(e).__name__}).") from None
    blocks: list[Block] = []
    title = str(info.title).strip() if info and info.title else ""
    author = str(info.author).strip() if info and info.author else ""
    if title:
        blocks.append(Block(title, "title"))
    if author:
        blocks.append(Block("By " + author, "author"))
    for number, text in enumerate(pages, start=1):
        for para in re.split(r"\n\s*\n", text):
            para = " ".join(para.split())
            if para:
                blocks.append(Block(para, page=number))
    if not any(b.page for b in blocks):
        raise EmptyDocument(source)
    return blocks, Metadata(title=title, authors=(author,) if author else (), source=source)
