"""The plain-text cleaner on captures of other shapes than the bundled article (written for these
tests, under fixtures/): the body is kept whole, the site around it is gone, and the byline is
read. Nothing in ingest/clean.py knows about any of these pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.byline import site_owner
from ingest.clean import clean_capture
from ingest.document import assemble
from ingest.readers import read_file
from retrieval.base.errors import EmptyDocument
from retrieval.index.records import HEADER_KINDS, Document

FIXTURES = Path(__file__).parent / "fixtures"
COLOPHON = ("site", "length")


def read(name: str) -> Document:
    reading = read_file(FIXTURES / name, 10**7)
    return assemble(Path(name).stem, reading.blocks, reading.meta, reading.format, reading.sha256)


def body_paragraphs(spec: dict, name: str) -> list[str]:
    """The article's paragraphs in the raw capture, from the one starting with spec["first"] to
    the one ending with spec["last"]: each line a paragraph, or each blank-line block when the
    capture is hard-wrapped; spec["interruptions"] are lines inside it that are not the article."""
    raw = (FIXTURES / name).read_text(encoding="utf-8")
    start, end = raw.index(spec["first"]), raw.index(spec["last"]) + len(spec["last"])
    interruptions = spec.get("interruptions", ())
    paragraphs = []
    for block in raw[start:end].split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip() and line.strip() not in interruptions]
        paragraphs.extend([" ".join(lines)] if spec.get("wrapped") and lines else lines)
    return paragraphs


def paragraph_texts(doc: Document, kinds=("text", "heading")) -> list[str]:
    return [doc.paragraph_text(p) for p in doc.paragraphs if p.kind in kinds]


# Each capture: where its body starts and ends, what must be gone, and what the byline says.
CAPTURES = {
    "news-capture.txt": dict(
        first="Reservoirs serving four million households",
        last="over the coming months.",
        interruptions=("Advertisement", "Skip advertisement", "Related: Five of the best walks along the coast this spring",
                       "Photograph: Jon Hale/Harbour Ledger"),
        junk=[
            "Skip to main content", "Sign in", "Climate crisis", "Global development", "Advertisement",
            "Related:", "Photograph:", "Explore more on these topics", "Reuse this content", "Most read",
            "Minister resigns after leaked messages", "Five of the best walks", "Morning Briefing",
            "Privacy Notice", "Complaints & corrections", "Harbour Ledger Media Ltd",
        ],
        title="Reservoirs along the east coast fall to lowest level in three decades",
        authors=("Priya Raman",),
        date="2024-03-14",
        dek="Engineers warn that a dry spring and rising demand",
        sections={"Groundwater, which usually": ("What the figures show",),
                  "Helen Marsh, who grows": ("A warning for farmers",)},
    ),
    "blog-capture.txt": dict(
        first="For two years every loaf",
        last="simply goes away.",
        junk=[
            "We use cookies", "Cookie Settings", "Accept All", "A home baker's notebook", "Search for:",
            "8 min read", "Leave a comment", "Tags: baking", "Share this", "Pinterest", "Like Loading",
            "Rye and caraway", "3 thoughts on", "Jenny Alvarez", "oven light trick", "glass container",
            "Leave a Reply", "Your email address", "Save my name", "Post Comment", "About Me",
            "software developer who bakes", "Recent Posts", "Archives", "February 2023", "Categories",
            "Copyright", "Proudly powered by WordPress",
        ],
        title="How I Finally Got an Open Crumb in My Sourdough",
        authors=("Sam Rivera",),
        date="2023-03-03",
        dek=None,
        sections={"2. Judge bulk by volume": ("My method now",), "- 10 g salt": ("My method now",),
                  "Watch the dough, not the recipe.": ("What I would tell my past self",)},
    ),
    "report-capture.txt": dict(
        first="Community gardens are often described",
        last="where the plot allows.",
        junk=[
            "Previous: Measuring tree canopy", "Next: Who uses", "Research", "Publications", "Stay in touch",
            "Sign up for our newsletter", "Email address", "Subscribe", "Follow us", "12 Riverside Walk",
            "All rights reserved", "Accessibility",
        ],
        title="Community Gardens and Summer Heat: Findings from a Two-Year Study",
        authors=("Dr. Helen Okafor",),
        date="2023-11-02",
        dek=None,
        sections={"Twelve pairs is a small sample": ("Limitations",),
                  "Community gardens do make a measurable": ("Conclusion",)},
    ),
    "wrapped-newsletter.txt": dict(
        first="For most of the twentieth century",
        last="switch it off.",
        wrapped=True,
        junk=["--", "You are receiving this", "Unsubscribe", "View in browser", "PO Box 214"],
        title="THE LIGHT ON GARROW POINT",
        authors=("Morwenna Hale",),
        date="2022-04-09",
        dek=None,
        sections={"The site was chosen": ("Why the tower was built where it is",),
                  "The trust that bought the cottage": ("What happens to it now",)},
    ),
}


@pytest.fixture(scope="module", params=sorted(CAPTURES))
def capture(request):
    name = request.param
    return name, CAPTURES[name], read(name)


def test_body_is_kept_whole(capture):
    name, spec, doc = capture
    texts = paragraph_texts(doc)
    if spec["dek"]:  # the summary under the title comes first, then the body
        assert texts.pop(0).startswith(spec["dek"])
    assert texts == body_paragraphs(spec, name)


def test_junk_is_gone(capture):
    _, spec, doc = capture
    kept = "\n".join(doc.paragraph_text(p) for p in doc.paragraphs if p.kind not in COLOPHON)
    for junk in spec["junk"]:
        assert junk.lower() not in kept.lower(), junk


@pytest.mark.parametrize("name,colophon", [
    ("news-capture.txt", ["Published by Harbour Ledger Media Ltd"]),
    ("blog-capture.txt", ["Published by Flour & Patience", "8 min read"]),
    ("report-capture.txt", ["Published by Institute for Urban Climate"]),
])
def test_the_colophon_names_the_site_of_its_copyright_notice_and_the_reading_time(name, colophon):
    doc = read(name)
    assert [doc.paragraph_text(p) for p in doc.paragraphs if p.kind in COLOPHON] == colophon
    assert [p.kind for p in doc.paragraphs[-len(colophon):]] == ["site", "length"][:len(colophon)]


@pytest.mark.parametrize("notices,owner", [
    (["© 2024 Harbour Ledger Media Ltd. All rights reserved."], "Harbour Ledger Media Ltd"),
    (["All Rights Reserved to NWN © 2021, Powered by Acme Web.", "All Rights Reserved to Northern Weather News - NWN © 2023"],
     "Northern Weather News"),
    (["Copyright 2019-2024 The Daily Lantern | Privacy Policy | Terms"], "The Daily Lantern"),
    (["© 2023 Lantern Media Group or its affiliated companies."], "Lantern Media Group"),
    (["Privacy Policy ©", "The contents of this site are © 2022 Someone"], ""),
])
def test_a_site_is_named_by_its_copyright_notices(notices, owner):
    assert site_owner(notices) == owner


def test_nothing_but_the_body_and_its_byline(capture):
    """Every paragraph is the body's or one of the byline block's lines above it."""
    name, spec, doc = capture
    raw = (FIXTURES / name).read_text(encoding="utf-8")
    header = " ".join(raw[: raw.index(spec["first"])].split())
    body = body_paragraphs(spec, name)
    for p in doc.paragraphs:
        text = doc.paragraph_text(p)
        if p.kind in COLOPHON:  # written by cited from the site's notices (tested above)
            continue
        assert text in body or (p.kind in HEADER_KINDS + ("text",) and text in header), text


def test_byline(capture):
    _, spec, doc = capture
    assert doc.meta.title == spec["title"]
    assert doc.meta.authors == spec["authors"]
    assert doc.meta.date == spec["date"]
    kinds = [p.kind for p in doc.paragraphs]
    assert kinds[0] == "title" and "author" in kinds[:4] and "date" in kinds[:4]
    deks = [doc.paragraph_text(p) for p in doc.paragraphs[:5] if p.kind == "text" and not p.section]
    deks = [d for d in deks if spec["dek"] and d.startswith(spec["dek"])]
    assert bool(deks) == bool(spec["dek"])


def test_sections(capture):
    _, spec, doc = capture
    for start, section in spec["sections"].items():
        p = next(p for p in doc.paragraphs if doc.paragraph_text(p).startswith(start))
        assert p.section == section, start


def test_a_line_holding_date_and_author_becomes_two_paragraphs():
    doc = read("blog-capture.txt")
    by_kind = {p.kind: doc.paragraph_text(p) for p in doc.paragraphs[:4]}
    assert by_kind["date"] == "Posted on March 3, 2023"
    assert by_kind["author"] == "by Sam Rivera"


def test_windows_line_endings_read_the_same(tmp_path):
    original = (FIXTURES / "news-capture.txt").read_text(encoding="utf-8")
    crlf = tmp_path / "news-capture.txt"
    crlf.write_bytes(original.replace("\n", "\r\n").encode("utf-8"))
    reading = read_file(crlf, 10**7)
    doc = assemble("news-capture", reading.blocks, reading.meta, reading.format, reading.sha256)
    assert doc.text == read("news-capture.txt").text


def test_prose_about_copyright_and_sharing_stays(tmp_path):
    """Interface words are dropped as lines of their own, never out of the article's sentences."""
    capture = tmp_path / "museum.txt"
    capture.write_text(
        "Menu\nHome\nVisit\nCollections\n\nThe Photographs Nobody Could Show\n\nBy Ines Duarte\n12 May 2021\nShare\n\n"
        "For forty years the museum owned prints it was not allowed to hang. The photographer kept the copyright, "
        "and every print carried the words all rights reserved beneath it, which the museum's lawyers read as a "
        "ban on showing them in public.\n\n"
        "Share\n\n"
        "That changed when the photographer's daughter agreed to share the rights with the museum in 2019, on "
        "condition that the prints were shown free of charge and together, as her father had always wanted.\n\n"
        "© 2021 The City Museum. All rights reserved.\nPrivacy\nCookies\n",
        encoding="utf-8",
    )
    reading = read_file(capture, 10**7)
    doc = assemble("museum", reading.blocks, reading.meta, reading.format, reading.sha256)
    body = paragraph_texts(doc)
    assert len(body) == 2 and "all rights reserved beneath it" in body[0] and body[1].startswith("That changed")
    assert "© 2021" not in doc.text and "\nShare\n" not in doc.text and "Collections" not in doc.text
    assert (doc.meta.title, doc.meta.authors, doc.meta.date) == ("The Photographs Nobody Could Show", ("Ines Duarte",), "2021-05-12")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(
    st.text(min_size=0, max_size=120),
    st.sampled_from(["", "Share", "Home", "By Jane Doe", "March 3, 2023", "© 2024 Example", "- item", "1. Step"]),
    st.just("The committee met on Tuesday and agreed that the bridge would be repaired before the winter, "
            "because the river rises in November and the crossing is the only road into the valley."),
), max_size=25))
def test_any_capture_is_cleaned_or_refused(lines):
    """Whatever the text, the cleaner gives paragraphs taken from it, or says there is nothing."""
    text = "\n".join(lines)
    try:
        blocks, _ = clean_capture(text, "any.txt")
    except EmptyDocument as e:
        assert "any.txt" in str(e)
        return
    flat = " ".join(text.split())
    assert blocks and any(b.kind == "text" for b in blocks)
    for block in blocks:  # the colophon's "Published by" is cited's, the site's name the capture's
        assert block.text and block.text.removeprefix("Published by " if block.kind == "site" else "") in flat
