"""HTML, Markdown and PDF: the body with its headings as sections, metadata, and PDF pages carried
into chunks and citations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.document import assemble
from ingest.readers import read_file
from retrieval.base.errors import DocumentError
from retrieval.base.settings import Settings
from retrieval.index.records import Document
from tests.ingest import pdfs

FIXTURES = Path(__file__).parent / "fixtures"


def read(path: Path) -> Document:
    reading = read_file(path, 10**7)
    return assemble(path.stem, reading.blocks, reading.meta, reading.format, reading.sha256)


def texts(doc: Document, kinds=("text", "heading")) -> list[str]:
    return [doc.paragraph_text(p) for p in doc.paragraphs if p.kind in kinds]


# --- HTML ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def html_doc() -> Document:
    return read(FIXTURES / "saved-page.html")


def test_html_keeps_the_article_body_whole(html_doc):
    raw = (FIXTURES / "saved-page.html").read_text(encoding="utf-8")
    article = raw[raw.index('<div class="entry-content">') : raw.index('<footer class="post-footer">')]
    expected = [" ".join(re.sub(r"<[^>]+>", "", m).split()) for m in re.findall(r"<(?:p|h2|h3)>(.*?)</(?:p|h2|h3)>", article, re.S)]
    assert len(expected) == 11
    assert texts(html_doc) == expected


@pytest.mark.parametrize("junk", [
    "We use cookies", "Timetables", "Sign in", "Share on Facebook", "Tags:", "More from Rail Review",
    "Ten branch lines", "Get the Rail Review newsletter", "sent to your inbox", "Privacy policy",
    "All rights reserved", "dataLayer", "gtag", "font-family", "querySelector",
])
def test_html_drops_the_page_around_the_article(html_doc, junk):
    assert junk.lower() not in html_doc.text.lower()


def test_html_metadata(html_doc):
    meta = html_doc.meta
    assert (meta.title, meta.authors, meta.date, meta.site) == (
        "The Return of the Night Train", ("Clara Lindqvist",), "2023-09-18", "Rail Review")
    assert [p.kind for p in html_doc.paragraphs[:3]] == ["title", "author", "date"]
    assert html_doc.text.count("The Return of the Night Train") == 1, "the <h1> is the title, not also a heading"
    last = html_doc.paragraphs[-1]  # the colophon: the page's site name, after the last paragraph
    assert (last.kind, html_doc.paragraph_text(last)) == ("site", "Published by Rail Review")


def test_html_headings_are_sections(html_doc):
    section = {html_doc.paragraph_text(p)[:30]: p.section for p in html_doc.paragraphs}
    assert section["Surveys by operators suggest t"] == ("Who rides the night train",)
    assert section["New sleeping cars cost several"] == ("Can it pay its way?", "The cost of the rolling stock")
    assert section["Several new routes are planned"] == ("What comes next",)
    assert section["Ten years ago the sleeper trai"] == ()


# --- Markdown --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def md_doc() -> Document:
    return read(FIXTURES / "field-notes.md")


def test_markdown_front_matter_and_title(md_doc):
    meta = md_doc.meta
    assert meta.title == "Field Notes on Beekeeping in a Wet Summer"
    assert meta.authors == ("Tomás Ferreira", "Aiko Tanaka")
    assert meta.date == "2021-08-30"
    assert md_doc.text.count(meta.title) == 1


def test_markdown_headings_lists_code_and_links(md_doc):
    section = {md_doc.paragraph_text(p): p.section for p in md_doc.paragraphs}
    assert section["Drones being pushed out early"] == ("Signs of trouble",)
    assert section["Both unions were accepted within four days."] == ("What we did", "Combining colonies")
    feeding = next(t for t in section if t.startswith("We fed a thin sugar syrup"))
    assert section[feeding] == ("What we did", "Feeding")
    assert "See our feeding notes for amounts." in feeding and "https://" not in md_doc.text
    code = next(p for p in md_doc.paragraphs if md_doc.paragraph_text(p).startswith("# not a heading"))
    assert code.kind == "text" and "stack: queenright box" in md_doc.paragraph_text(code)
    assert "```" not in md_doc.text


def test_markdown_by_line_under_the_title(tmp_path):
    note = tmp_path / "note.md"
    note.write_text("# Winter Pruning\n\nBy Ruth Adeyemi\n\nMarch 2, 2020\n\nCut back to an outward-facing bud.\n")
    doc = read(note)
    assert doc.meta.authors == ("Ruth Adeyemi",) and doc.meta.date == "2020-03-02"
    assert [p.kind for p in doc.paragraphs] == ["title", "author", "date", "text"]


# --- PDF -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory) -> Path:
    return pdfs.text_pdf(tmp_path_factory.mktemp("pdf") / "tidal-report.pdf")


def test_pdf_paragraphs_headings_and_pages(pdf_path):
    doc = read(pdf_path)
    assert doc.meta.title == pdfs.TITLE and doc.meta.authors == (pdfs.AUTHOR,) and doc.meta.date == "2022-05-17"
    body = [(p.page, p.kind, doc.paragraph_text(p)) for p in doc.paragraphs if p.kind in ("text", "heading")]
    assert body == [(page, kind, text) for page, kind, text in pdfs.PAGES if kind != "title"]
    costs = next(p for p in doc.paragraphs if doc.paragraph_text(p).startswith("Barnacles"))
    assert costs.section == ("2. Costs",)


def test_pdf_pages_reach_chunks_and_citations(pdf_path, tmp_path, real_embedder):
    from ingest.pipeline import ingest
    from retrieval.answer.answerer import Answerer
    from retrieval.search.retriever import Retriever

    doc = read(pdf_path)
    for chunk in chunk_document(doc, 1200, 0):
        assert chunk.page == doc.paragraphs[chunk.paragraph - 1].page
    settings = Settings.from_env(environ={}, index_dir=tmp_path / "index")
    report = ingest([str(pdf_path)], settings, embedder=real_embedder)
    assert report.added == ["tidal-report"] and not report.failed
    answer = Answerer(Retriever.load(settings, real_embedder)).ask("What was the largest running cost of the turbine?")
    assert not answer.abstained and "Barnacles" in answer.text
    cited = answer.to_json()["citations"][0]
    assert cited["doc"] == "tidal-report" and cited["page"] == 2 and cited["section"] == ["2. Costs"]


def test_image_only_pdf_is_refused_with_a_reason(tmp_path):
    path = pdfs.image_only_pdf(tmp_path / "scan.pdf")
    with pytest.raises(DocumentError, match="no text layer") as error:
        read_file(path, 10**7)
    assert str(path) in str(error.value)


def test_a_broken_pdf_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"this is not really a pdf\n" * 20)
    with pytest.raises(DocumentError, match="PDF") as error:
        read_file(path, 10**7)
    assert "broken.pdf" in str(error.value)
