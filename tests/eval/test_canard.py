"""`cited eval --canard` (eval/canard.py): the follow-up reading scored against people's rewrites in
CANARD's test format, beside the question as written. Lines written here in that format; the real
file, when it is beside the repository."""

from __future__ import annotations

import json

import pytest

from eval.canard import canard_figures, load_canard
from eval.sets import DEFAULT_CANARD
from retrieval.base.errors import CitedError
from ui.cli import main

LINES = [  # title, section, (question, answer)*, question, rewrite
    ["Tarsin", "The harbour", "When was the lighthouse built?", "In 1911.", "Who keeps it?",
     "Who keeps the lighthouse?"],
    ["Tarsin", "The harbour", "How many ships winter in Tarsin?", "Forty.", "Who keeps the lighthouse?",
     "Who keeps the lighthouse in Tarsin?"],
    ["Ada Lovelace", "Early life", "Where did she grow up?", "In London.", "Who taught her?",
     "Who taught Ada Lovelace?"],
]


@pytest.fixture
def canard_file(tmp_path):
    path = tmp_path / "test.txt"
    path.write_text("\n".join("\t".join(line) for line in LINES) + "\n", encoding="utf-8")
    return path


def test_the_history_gives_the_title_and_the_earlier_questions_only(canard_file):
    assert load_canard(canard_file) == [
        ("Tarsin", ["When was the lighthouse built?"], "Who keeps it?", "Who keeps the lighthouse?"),
        ("Tarsin", ["How many ships winter in Tarsin?"], "Who keeps the lighthouse?",
         "Who keeps the lighthouse in Tarsin?"),
        ("Ada Lovelace", ["Where did she grow up?"], "Who taught her?", "Who taught Ada Lovelace?"),
    ]


def test_a_reading_is_right_when_its_content_words_are_the_rewrites(canard_file):
    figures = canard_figures(load_canard(canard_file))
    written, untitled, read = (figures[name] for name in ("as written", "without the title", "cited's reading"))
    assert written["rewrite_accuracy"] == 0 and written["changed"] == 0
    assert untitled["rewrite_accuracy"] == 1 / 3  # "it" read as the lighthouse
    assert read["rewrite_accuracy"] == 2 / 3 and read["changed"] == 2 / 3  # and "her" as the document's Ada Lovelace
    assert read["content_f1"] > untitled["content_f1"] > written["content_f1"]
    assert written["needing_a_reading"] == 3


def test_canards_dev_json_is_read_too(tmp_path):
    records = [{"History": ["Ada Lovelace", "Early life", "Where did she grow up?", "In London."],
                "Question": "Who taught her?", "Rewrite": "Who taught Ada Lovelace?", "Question_no": 2}]
    (tmp_path / "dev.json").write_text(json.dumps(records), encoding="utf-8")
    assert load_canard(tmp_path / "dev.json") == [
        ("Ada Lovelace", ["Where did she grow up?"], "Who taught her?", "Who taught Ada Lovelace?")]
    (tmp_path / "other.json").write_text('[{"q": 1}]', encoding="utf-8")
    with pytest.raises(CitedError, match="not CANARD's JSON"):
        load_canard(tmp_path / "other.json")


def test_the_command_prints_json_and_a_bad_file_is_one_line(canard_file, tmp_path, capsys):
    assert main(["eval", "--canard", str(canard_file), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cited's reading"]["questions"] == 3
    (tmp_path / "bad.txt").write_text("just one field\n", encoding="utf-8")
    with pytest.raises(CitedError, match=r"bad.txt:1: expected the title"):
        load_canard(tmp_path / "bad.txt")


@pytest.mark.skipif(not DEFAULT_CANARD.exists(), reason="CANARD (../shared/training/canard) is not beside the repository")
def test_on_canards_test_part_the_reading_beats_the_question_as_written():
    figures = canard_figures(load_canard(DEFAULT_CANARD))
    assert figures["as written"]["questions"] == 5571
    assert figures["cited's reading"]["content_f1"] > figures["as written"]["content_f1"]
