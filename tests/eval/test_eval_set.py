"""The article's evaluation set is well-formed, grounded in the cleaned article, and covers every
part of it. No model needed: the checks run against the cleaned `Document` of the bundled capture."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "eval" / "sets" / "article.jsonl"
RAW_CAPTURE = ROOT / "data" / "ecss-pakistan-iran-deescalation.txt"
KEYS = {"id", "question", "gold", "answer", "answerable"}
PAKISTAN, IRAN, CONCLUSION = "I. Pakistan’s Motives", "II. Iran’s Motives", "Conclusion"
# Words found only in the page's boilerplate (menus, teasers, footer, sign-in box), never in the article.
BOILERPLATE_MARKERS = ("azerbaijan", "horn of africa", "ecss", "sign in", "related posts", "min read")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    lines = EVAL_SET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def gold_paragraphs(rows, article_document) -> dict[str, list]:
    """Question id → the paragraphs its gold quotes lie in (each quote sits inside one paragraph)."""
    doc = article_document
    found = {}
    for row in rows:
        paragraphs = []
        for quote in row["gold"]:
            start = doc.text.find(quote)
            end = start + len(quote)
            inside = [p for p in doc.paragraphs if p.start <= start and end <= p.end]
            assert start >= 0 and len(inside) == 1, f"{row['id']}: gold not within one paragraph: {quote!r}"
            paragraphs.append(inside[0])
        found[row["id"]] = paragraphs
    return found


def test_every_line_parses_with_exactly_the_keys_and_ordered_unique_ids(rows):
    assert all(set(row) == KEYS for row in rows), [row.get("id") for row in rows if set(row) != KEYS]
    ids = [row["id"] for row in rows]
    assert ids == [f"q{i:02d}" for i in range(1, len(rows) + 1)]
    for row in rows:
        assert isinstance(row["question"], str) and row["question"].strip()
        assert isinstance(row["answerable"], bool)
        assert all(isinstance(s, str) and s for s in row["gold"] + row["answer"])
    duplicates = [q for q, n in Counter(row["question"].lower() for row in rows).items() if n > 1]
    assert not duplicates


def test_enough_questions_and_enough_unanswerable(rows):
    assert len(rows) >= 60
    assert sum(not row["answerable"] for row in rows) >= 15


def test_gold_quotes_and_answers_come_from_the_cleaned_article(rows, article_document):
    text = article_document.text
    for row in rows:
        if row["answerable"]:
            assert row["gold"] and row["answer"], row["id"]
        else:
            assert row["gold"] == [] and row["answer"] == [], row["id"]
        for quote in row["gold"]:
            # Exactly once, so a quote points at one place (and the cleaned text has no boilerplate).
            assert text.count(quote) == 1, f"{row['id']}: {quote!r}"
        for answer in row["answer"]:
            assert answer.lower() in text.lower(), f"{row['id']}: {answer!r}"


def test_every_part_of_the_article_is_asked_about(gold_paragraphs):
    paragraphs = [p for found in gold_paragraphs.values() for p in found]
    assert any(p.kind == "title" for p in paragraphs)
    assert any(p.kind == "author" for p in paragraphs)
    assert any(p.kind == "date" for p in paragraphs)
    assert any(p.kind == "text" and p.section == () for p in paragraphs), "introduction"
    for part in (PAKISTAN, IRAN, CONCLUSION):
        assert any(p.section[:1] == (part,) for p in paragraphs), part


def test_each_of_the_twelve_numbered_motives_has_a_question(article_document, gold_paragraphs):
    motives = {p.section for p in article_document.paragraphs if len(p.section) == 2}
    assert sorted(Counter(section[0] for section in motives).values()) == [6, 6]
    asked = Counter(p.section for found in gold_paragraphs.values() for p in set(found) if p.section in motives)
    assert set(asked) == motives, sorted(motives - set(asked))


def test_some_unanswerable_questions_ask_about_boilerplate(rows, article_document):
    raw = RAW_CAPTURE.read_text(encoding="utf-8").lower()
    clean = article_document.text.lower()
    markers = [m for m in BOILERPLATE_MARKERS if m in raw and m not in clean]
    asking = [
        row["id"]
        for row in rows
        if not row["answerable"] and any(m in row["question"].lower() for m in markers)
    ]
    assert len(asking) >= 3, asking
