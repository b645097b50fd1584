"""Chunks carry their citation, and chunk.text == clean_text[start:end] always."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document, split_sentences
from ingest.document import Block, assemble
from retrieval.index.records import Metadata


def test_offsets_invariant_on_the_article(article_document):
    for size in (200, 400, 1200):
        chunks = chunk_document(article_document, size, 0)
        for c in chunks:
            assert c.text == article_document.text[c.start : c.end]
            assert len(c.text) <= size or c.kind != "text"
            p = article_document.paragraphs[c.paragraph - 1]
            assert p.start <= c.start and c.end <= p.end, "a chunk never crosses its paragraph"
            for s, e in c.sentences:
                assert c.start <= s < e <= c.end


def test_every_word_of_a_paragraph_is_in_some_chunk(article_document):
    chunks = chunk_document(article_document, 300, 0)
    for p in article_document.paragraphs:
        covered = " ".join(c.text for c in chunks if c.paragraph == p.n)
        for word in article_document.paragraph_text(p).split():
            assert word in covered


def test_short_paragraph_is_one_chunk(article_document):
    chunks = chunk_document(article_document, 1200, 0)
    assert len(chunks) == len(article_document.paragraphs)
    assert chunks[1].text == "Ali Atef" and chunks[1].kind == "author"


def test_sentences_of_a_heading_are_the_whole_heading(article_document):
    chunks = chunk_document(article_document, 1200, 0)
    heading = next(c for c in chunks if c.text == "II. Iran’s Motives")
    assert heading.sentence_texts() == ["II. Iran’s Motives"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=400), min_size=1, max_size=6), st.integers(20, 500))
def test_offsets_invariant_on_any_text(paragraphs, size):
    doc = assemble("d", [Block(p) for p in paragraphs], Metadata(), "txt", "")
    for c in chunk_document(doc, size, 0):
        assert c.text == doc.text[c.start : c.end]
        assert c.text.strip() == c.text
        for s, e in c.sentences:
            assert doc.text[s:e].strip() == doc.text[s:e] and doc.text[s:e]


def test_split_sentences_covers_all_words():
    text = "Dr. Smith went to Washington. He said “hi.” Then 10% to 15% of 247,653,000 people. OK."
    spans = split_sentences(text)
    assert len(spans) >= 3
    assert " ".join(text[s:e] for s, e in spans).split() == text.split()
