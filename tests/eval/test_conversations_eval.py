"""The conversation eval: turns asked with history, without, and as their written rewrite, and
the figures worked out by hand."""

from __future__ import annotations

import json

from cited.library import Library
from eval.conversations import (
    content_words,
    conversation_figures,
    load_conversations,
    rewrite_is_right,
    run_conversations,
)


def test_a_rewrite_is_right_when_its_content_words_match():
    assert rewrite_is_right("What were Iran’s motives?", ("What were Iran's motives?",))
    assert rewrite_is_right("Which of Iran's motives concerns Israel", ("Which of Iran's motives concerns Israel?",))
    assert not rewrite_is_right("What were Pakistan's motives?", ("What were Iran's motives?",))
    assert content_words("What is the Army of Justice?") == {"army", "justice"}


def test_figures_by_hand():
    rows = [
        {"correct": True, "follow_up": False, "answerable": True, "rewrite_right": True},
        {"correct": False, "follow_up": True, "answerable": True, "rewrite_right": True},
        {"correct": True, "follow_up": True, "answerable": False, "rewrite_right": False},
        {"correct": True, "follow_up": True, "answerable": True, "rewrite_right": True},
    ]
    figures = conversation_figures(rows, "with history")
    assert figures["turn_accuracy"] == 0.75 and figures["follow_up_accuracy"] == 2 / 3
    assert figures["answer_accuracy"] == 2 / 3 and figures["abstain_recall"] == 1.0
    assert figures["rewrite_accuracy"] == 2 / 3 and figures["turns"] == 4
    assert "rewrite_accuracy" not in conversation_figures(rows, "without history")


def test_history_is_what_answers_a_follow_up(article_settings, real_embedder, tmp_path):
    turns = [
        {"id": "c1-1", "conversation": "c1", "turn": 1, "question": "What were Pakistan's motives?",
         "standalone": ["What were Pakistan's motives?"], "gold": [], "answer": ["Sectarian Unrest"],
         "answerable": True},
        {"id": "c1-2", "conversation": "c1", "turn": 2, "question": "And Iran's?",
         "standalone": ["What were Iran's motives?"], "gold": [], "answer": ["Fury of Iranians"], "answerable": True},
    ]
    path = tmp_path / "conversations.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in turns), encoding="utf-8")
    records = run_conversations(Library(article_settings, real_embedder), load_conversations(path))
    assert [r["correct"] for r in records["with history"]] == [True, True]
    assert records["with history"][1]["reading"] == "What were Iran's motives?"
    assert records["with history"][1]["rewrite_right"]
    assert [r["correct"] for r in records["without history"]] == [True, False]  # "And Iran's?" alone
    assert [r["correct"] for r in records["gold rewrite"]] == [True, True]
