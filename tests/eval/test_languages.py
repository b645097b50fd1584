"""The non-English question set (eval/sets/languages.jsonl) is grounded in the cleaned text of its
benchmark pages, and `cited eval --languages --json` runs end to end on one page."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from functools import cache

import pytest

from eval.languages import LANGUAGE_SET, MODES
from eval.sets import DEFAULT_EXTRACTION
from tests.conftest import ROOT

ROWS = [json.loads(line) for line in LANGUAGE_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
KEYS = {"id", "file", "language", "question", "gold", "answer", "answerable"}
needs_benchmark = pytest.mark.skipif(not DEFAULT_EXTRACTION.exists(),
                                     reason="the article-extraction benchmark is not beside the repository")


@cache
def cleaned_text(file: str) -> str:
    """The text cited keeps of a benchmark page (no model needed)."""
    from ingest.document import assemble
    from ingest.readers import read_file

    reading = read_file(DEFAULT_EXTRACTION / file, 10**8)
    return assemble("page", reading.blocks, reading.meta, reading.format, reading.sha256).text


def test_the_set_has_four_languages_five_answerable_and_one_unanswerable_question_each():
    assert all(set(r) == KEYS for r in ROWS)
    assert len({r["id"] for r in ROWS}) == len(ROWS) == 24
    assert {r["language"] for r in ROWS} == {"de", "pt", "id", "ru"}
    assert len({r["file"] for r in ROWS}) == 4
    assert Counter((r["language"], r["answerable"]) for r in ROWS) == {
        (lang, answerable): 5 if answerable else 1 for lang in ("de", "pt", "id", "ru") for answerable in (True, False)}
    for r in ROWS:
        assert r["id"].startswith(r["language"])
        if r["answerable"]:
            assert r["gold"] and r["answer"], r["id"]
            assert any(a.lower() in g.lower() for a in r["answer"] for g in r["gold"]), r["id"]
            assert all(r["question"] not in g for g in r["gold"]), r["id"]  # paraphrased, not copied
        else:
            assert not r["gold"] and not r["answer"], r["id"]


@needs_benchmark
@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_every_gold_quote_is_verbatim_in_the_cleaned_page(row):
    from ingest.language import detect

    text = cleaned_text(row["file"])
    assert detect(text) == row["language"]
    for quote in row["gold"]:
        assert quote in text, f"{row['id']}: {quote!r}"


@needs_benchmark
@pytest.mark.slow
def test_the_language_eval_runs_on_one_page(tmp_path):
    russian = [r for r in ROWS if r["language"] == "ru"]  # the smallest page: 3 paragraphs
    small = tmp_path / "ru.jsonl"
    small.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in russian), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "eval", "--languages", "--set", str(small), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    table = json.loads(result.stdout)
    assert set(table) == set(MODES)
    for mode in MODES:
        assert set(table[mode]) == {"all", "ru"}
        for key in ("hit@1", "hit@3", "mrr@10", "answer_accuracy", "abstain_recall", "false_abstain_rate"):
            assert 0.0 <= table[mode]["all"][key] <= 1.0, (mode, key)
        assert table[mode]["all"]["questions"] == 6


def test_a_bad_language_set_is_one_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x1", "question": "Wo?"}\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ui.cli", "eval", "--languages", str(tmp_path), "--set", str(bad)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert result.stderr.strip().startswith(f"error: {bad}:1:")
    assert len(result.stderr.strip().splitlines()) == 1
