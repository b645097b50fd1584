"""HTML pages → main content and metadata, with trafilatura (headings kept as Markdown)."""

from __future__ import annotations

from cited.errors import EmptyDocument
from ingest.byline import find_date
from ingest.document import Block, Metadata


def read_html(text: str, source: str) -> tuple[list[Block], Metadata]:
    import trafilatura
    from ingest.readers import read_markdown

    body = trafilatura.extract(
        text, output_format="markdown", include_comments=False, include_tables=True,
        include_formatting=False, favor_precision=True, with_metadata=False,
    )
    if not body or not body.strip():
        raise EmptyDocument(source)
    meta = trafilatura.extract_metadata(text)
    title = (meta.title or "").strip() if meta else ""
    author = (meta.author or "").strip() if meta else ""
    date = find_date(meta.date or "") if meta and meta.date else ""
    site = (meta.sitename or "").strip() if meta else ""
    blocks, md_meta = read_markdown(body, source)
    blocks = [b for b in blocks if not (b.kind == "title" and title and b.text == title)]
    header = []
    if title:
        header.append(Block(title, "title"))
    if author:
        header.append(Block("By " + author, "author"))
    if date:
        header.append(Block(date, "date"))
    authors = tuple(a.strip() for a in author.split(";") if a.strip()) if author else md_meta.authors
    return header + blocks, Metadata(title=title or md_meta.title, authors=authors, date=date, site=site, source=source)
