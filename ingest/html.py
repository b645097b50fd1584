"""HTML pages → main content and metadata, with trafilatura.

trafilatura's XML output keeps the structure we need — <head rend="h2"> headings, <p>
paragraphs, list items, table rows — and carries title, author, date and site name as attributes,
so one extraction gives both, without Markdown markers to strip.
"""

from __future__ import annotations

from ingest.byline import find_date
from ingest.document import Block, colophon, header_blocks
from retrieval.base.errors import DocumentError, EmptyDocument
from retrieval.index.records import Metadata


def read_html(text: str, source: str) -> tuple[list[Block], Metadata]:
    import trafilatura
    from lxml import etree

    extracted = trafilatura.extract(
        text, output_format="xml", include_comments=False, include_tables=True,
        include_formatting=False, favor_precision=True, with_metadata=True,
    )
    if not extracted:
        raise EmptyDocument(source)
    try:
        doc = etree.fromstring(extracted.encode("utf-8"))
    except etree.XMLSyntaxError as e:  # trafilatura's own output; should not happen
        raise DocumentError(source, f"could not read the extracted page ({e.msg}).") from None
    title = _attr(doc, "title")
    author = _attr(doc, "author")
    date = find_date(_attr(doc, "date"))
    authors = tuple(a.strip() for a in author.split(";") if a.strip())

    body = [b for b in _blocks(doc.find("main")) if b.text]
    if body and body[0].kind == "heading" and body[0].text == title:
        body = body[1:]  # the page's <h1> repeats the title
    if not any(b.kind == "text" for b in body):
        raise EmptyDocument(source)
    site = _attr(doc, "sitename")
    meta = Metadata(title=title, authors=authors, date=date, site=site, source=source)
    return header_blocks(title, authors, date) + body + colophon(site), meta


def _attr(element, name: str) -> str:
    return " ".join((element.get(name) or "").split())


def _text(element) -> str:
    for br in element.iter("lb"):  # a line break inside a paragraph is a space in running text
        br.tail = " " + (br.tail or "")
    return " ".join("".join(element.itertext()).split())


def _blocks(main) -> list[Block]:
    if main is None:
        return []
    blocks: list[Block] = []
    for element in main:
        tag = element.tag
        if tag == "head":
            rend = element.get("rend") or "h2"
            level = int(rend[1]) if len(rend) == 2 and rend[1].isdigit() else 2
            blocks.append(Block(_text(element), "heading", level=level))
        elif tag == "list":
            blocks.extend(Block(_text(item)) for item in element.iter("item"))
        elif tag == "table":
            for row in element.iter("row"):
                cells = [_text(cell) for cell in row.iter("cell")]
                blocks.append(Block(" | ".join(c for c in cells if c)))
        else:  # p, quote, code, and anything else with text
            blocks.append(Block(_text(element)))
    return blocks
