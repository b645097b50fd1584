"""`cited eval` end to end on a few questions, with the real model and the bundled article."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

FEW = [
    {"id": "t1", "question": "Who wrote the article?", "gold": ["Ali Atef"], "answer": ["Ali Atef"], "answerable": True},
    {"id": "t2", "question": "What share of Pakistan’s population is Shiite?",
     "gold": ["the Shiite population in Pakistan constitutes approximately 10% to 15%"], "answer": ["10% to 15%"],
     "answerable": True},
    {"id": "t3", "question": "How do I bake sourdough bread?", "gold": [], "answer": [], "answerable": False},
]


@pytest.mark.slow
def test_quick_eval_prints_json_and_writes_a_report(article_settings, tmp_path):
    eval_set = tmp_path / "few.jsonl"
    eval_set.write_text("\n".join(json.dumps(q) for q in FEW), encoding="utf-8")
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "eval", "--set", str(eval_set), "--index", str(article_settings.index_dir),
         "--mode", "all", "--json", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    table = json.loads(result.stdout)
    # The reader is on by default, so today's sentence answers are reported beside it.
    assert set(table) == {"tutorial", "dense", "bm25", "hybrid", "hybrid, no reader"}
    hybrid = table["hybrid"]
    for key in ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "answer_accuracy", "citation_precision",
                "citation_recall", "abstain_recall", "false_abstain_rate", "latency_p50_ms", "latency_p95_ms"):
        assert key in hybrid
    assert hybrid["hit@1"] == 1.0 and hybrid["answer_accuracy"] == 1.0
    assert hybrid["abstain_recall"] == 1.0 and hybrid["false_abstain_rate"] == 0.0
    assert (out / "report.md").read_text().startswith("# Eval set few.jsonl")
    assert (out / "hit_at_k.png").read_bytes()[:4] == b"\x89PNG"
    rows = [json.loads(line) for line in (out / "questions-hybrid.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["t1", "t2", "t3"]
    assert rows[2]["abstained"] is True


def test_a_bad_eval_set_is_one_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "no id"}\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "ui.cli", "eval", "--set", str(bad), "--index", str(tmp_path / "i")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert result.stderr.strip().startswith(f"error: {bad}:1:")
    assert len(result.stderr.strip().splitlines()) == 1
