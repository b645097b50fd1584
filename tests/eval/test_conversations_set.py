"""The conversations eval set is well-formed and grounded in the cleaned article: multi-turn chats
whose later turns lean on earlier ones, each turn with standalone rewrites, gold quotes and
acceptable answers. No model needed: the checks run against the cleaned `Document` of the bundled
capture."""

from __future__ import annotations

import json
import re
from collections import Counter
from itertools import groupby
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = ROOT / "eval" / "sets" / "conversations.jsonl"
KEYS = {"id", "conversation", "turn", "question", "standalone", "gold", "answer", "answerable"}
C01 = ["What were Pakistan's motives?", "And Iran's?", "Which one concerns Israel?"]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    lines = CONVERSATIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def conversations(rows) -> dict[str, list[dict]]:
    return {name: list(turns) for name, turns in groupby(rows, key=lambda row: row["conversation"])}


def test_every_line_has_exactly_the_keys_and_well_typed_values(rows):
    assert all(set(row) == KEYS for row in rows), [row.get("id") for row in rows if set(row) != KEYS]
    for row in rows:
        assert isinstance(row["question"], str) and row["question"].strip(), row["id"]
        assert isinstance(row["turn"], int) and not isinstance(row["turn"], bool), row["id"]
        assert isinstance(row["answerable"], bool), row["id"]
        assert isinstance(row["gold"], list) and isinstance(row["answer"], list), row["id"]
        assert all(isinstance(s, str) and s for s in row["gold"] + row["answer"]), row["id"]
        standalone = row["standalone"]
        assert isinstance(standalone, list) and 1 <= len(standalone) <= 3, row["id"]
        assert all(isinstance(s, str) and s.strip() for s in standalone), row["id"]


def test_ids_are_unique_ordered_and_match_conversation_and_turn(rows, conversations):
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids), [i for i, n in Counter(ids).items() if n > 1]
    for row in rows:
        assert re.fullmatch(r"c\d{2}-\d", row["id"]), row["id"]
        assert row["id"] == f"{row['conversation']}-{row['turn']}", row["id"]
    # Each conversation's turns are contiguous (groupby found each name once), numbered 1.., in order.
    names = list(conversations)
    assert names == [f"c{i:02d}" for i in range(1, len(names) + 1)]
    for name, turns in conversations.items():
        assert [row["turn"] for row in turns] == list(range(1, len(turns) + 1)), name


def test_enough_conversations_of_three_or_four_turns(conversations, rows):
    assert len(conversations) >= 20
    assert all(3 <= len(turns) <= 4 for turns in conversations.values()), {
        name: len(turns) for name, turns in conversations.items() if not 3 <= len(turns) <= 4
    }
    assert sum(not row["answerable"] for row in rows) >= 3


def test_first_turns_stand_alone(conversations):
    for name, turns in conversations.items():
        assert turns[0]["standalone"][0] == turns[0]["question"], name


def test_gold_quotes_and_answers_come_from_the_cleaned_article(rows, article_document):
    doc = article_document
    lowered = doc.text.lower()
    for row in rows:
        if row["answerable"]:
            assert row["gold"] and row["answer"], row["id"]
        else:
            assert row["gold"] == [] and row["answer"] == [], row["id"]
        for quote in row["gold"]:
            start = doc.text.find(quote)
            assert start >= 0, f"{row['id']}: gold not in the article: {quote!r}"
            end = start + len(quote)
            inside = [p for p in doc.paragraphs if p.start <= start and end <= p.end]
            assert len(inside) == 1, f"{row['id']}: gold not within one paragraph: {quote!r}"
        for answer in row["answer"]:
            assert answer.lower() in lowered, f"{row['id']}: {answer!r}"


def test_c01_is_the_motives_conversation(conversations):
    turns = conversations["c01"]
    assert [row["question"] for row in turns] == C01
    assert turns[1]["standalone"][0] == "What were Iran's motives?"
    assert turns[2]["standalone"][0] == "Which of Iran's motives concerns Israel?"
    assert all(row["answerable"] for row in turns)


@pytest.mark.parametrize("name", ["conversations_dev.jsonl", "conversations_heldout.jsonl"])
def test_the_second_pass_sets_are_well_formed_and_quote_the_capture(name):
    """Written by a separate pass blind to the follow-up rules (the held-out one kept aside, unread
    while the rules are built): every line has the keys, and every quote is the capture's."""
    capture = (ROOT / "data" / "ecss-pakistan-iran-deescalation.txt").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in (ROOT / "eval" / "sets" / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    assert len({row["conversation"] for row in rows}) >= 16 and all(set(row) == KEYS for row in rows)
    for row in rows:
        assert all(q in capture for q in row["gold"] + row["answer"]), row["id"]
        assert row["answerable"] == bool(row["gold"]), row["id"]
        assert all(s.strip().endswith("?") for s in row["standalone"]), row["id"]


@pytest.mark.parametrize("name", ["conversations_blind.jsonl", "conversations_blind2.jsonl",
                                  "conversations_blind3.jsonl", "conversations_blind4.jsonl",
                                  "conversations_blind5.jsonl", "conversations_blind6.jsonl",
                                  "conversations_blind7.jsonl", "conversations_blind8.jsonl",
                                  "conversations_blind9.jsonl"])
def test_the_blind_sets_are_well_formed_and_quote_the_capture(name):
    """Each written by a pass blind to the rules, after they were built, and run once at the end of
    a round (docs/evaluation.md). Its answers may be worded freely; one per turn is the article's."""
    capture = (ROOT / "data" / "ecss-pakistan-iran-deescalation.txt").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in (ROOT / "eval" / "sets" / name).read_text(
        encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == 64 and len({row["conversation"] for row in rows}) == 16
    assert all(set(row) == KEYS for row in rows)
    for row in rows:
        assert row["answerable"] == bool(row["gold"]) == bool(row["answer"]), row["id"]
        assert all(q in capture for q in row["gold"]), row["id"]
        assert not row["answer"] or any(a.lower() in capture.lower() for a in row["answer"]), row["id"]
        assert row["standalone"] and all(s.strip() for s in row["standalone"]), row["id"]
