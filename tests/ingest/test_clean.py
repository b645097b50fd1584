"""The bundled capture is cleaned to the article's body: byline kept, site boilerplate gone."""

from __future__ import annotations

import pytest

from tests.conftest import ARTICLE

# Distinct kinds of boilerplate in the capture: cookie banner, menu, teaser headlines and their
# dates, reading-time badge, related posts, share bar, footer, sign-in text.
BOILERPLATE = [
    "By using ECSS site, you agree to the Privacy Policy",
    "Show More",
    "Another obstacle on the Grand Ethiopian Renaissance Dam?",
    "Power Play: Why Is Azerbaijan Setting Its Sights on the Horn of Africa?",
    "May 22, 2025",
    "19 Min Read",
    "Related Posts",
    "A Nuclear-Free Middle East: Rethinking the Arab Strategy Thirty Years On",
    "Facebook Twitter Whatsapp",
    "Stay Connected",
    "All Rights Reserved",
    "Sign in to your account",
    "Lost your password?",
    "ECSS Shop",
    "Will the Energy Sector Withstand the Ongoing War in Gaza?",
]


@pytest.mark.parametrize("junk", BOILERPLATE)
def test_boilerplate_is_gone(article_document, junk):
    assert junk.lower() not in article_document.text.lower()


def test_body_is_kept_whole(article_document):
    raw = ARTICLE.read_text(encoding="utf-8")
    start = raw.index("Following reciprocal military strikes")
    end = raw.index("prevent third parties from stepping into the conflict.") + len("prevent third parties from stepping into the conflict.")
    body_paragraphs = [" ".join(p.split()) for p in raw[start:end].split("\n\n") if p.strip()]
    for paragraph in body_paragraphs:
        assert paragraph in article_document.text, paragraph[:60]


def test_byline_metadata(article_document):
    meta = article_document.meta
    assert meta.title == "What Led to Pakistan-Iran De-Escalation Following the Recent Exchange of Attacks?"
    assert meta.authors == ("Ali Atef",)
    assert meta.date == "2024-02-06"
    kinds = [p.kind for p in article_document.paragraphs[:3]]
    assert kinds == ["title", "author", "date"]


def test_headings_and_sections(article_document):
    by_text = {article_document.paragraph_text(p): p for p in article_document.paragraphs}
    assert by_text["I. Pakistan’s Motives"].kind == "heading"
    assert by_text["Conclusion"].kind == "heading"
    elections = next(p for t, p in by_text.items() if t.startswith("These elections are taking place"))
    assert elections.section == ("I. Pakistan’s Motives", "6. Preparing for the Upcoming Pakistani Parliamentary Elections")
    fronts = next(p for t, p in by_text.items() if t.startswith("Presently, Iran is engaged"))
    assert fronts.section[0] == "II. Iran’s Motives"
    assert fronts.section[1].startswith("2. Incapability of Iran")


def test_paragraphs_are_numbered_in_order_with_offsets(article_document):
    doc = article_document
    assert [p.n for p in doc.paragraphs] == list(range(1, len(doc.paragraphs) + 1))
    for a, b in zip(doc.paragraphs, doc.paragraphs[1:]):
        assert a.end <= b.start
        assert doc.text[a.end : b.start] == "\n\n"
    assert len(doc.paragraphs) == 45
