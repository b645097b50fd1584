"""Conversations at the command line, as a reader runs them: `cited ask --questions` with
conversation ids, and `cited ask --chat` reading questions from its input — the real CLI in a
subprocess, the real model and index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from eval.server import child_environment

ROOT = Path(__file__).resolve().parents[2]
TURNS = ["What were Pakistan's motives?", "And Iran's?", "Which one concerns Israel?"]


def _cli(args: list[str], index: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    environment = child_environment()
    return subprocess.run([sys.executable, "-m", "ui.cli", *args, "--index", str(index)], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, env=environment, timeout=300)


def test_questions_with_a_conversation_id_see_the_turns_before_them(article_settings, tmp_path):
    lines = [{"id": f"t{i}", "conversation": "c1", "question": q} for i, q in enumerate(TURNS, start=1)]
    # Another conversation between its turns, and a question on its own: neither leaks into c1.
    lines.insert(1, {"id": "x1", "conversation": "c2", "question": "Who wrote the article?"})
    lines.append({"id": "solo", "question": "And Iran's?"})
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    run = _cli(["ask", "--questions", str(questions), "--json"], article_settings.index_dir)
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(o["id"], o.get("conversation")) for o in out] == [
        ("t1", "c1"), ("x1", "c2"), ("t2", "c1"), ("t3", "c1"), ("solo", None)]
    by_id = {o["id"]: o for o in out}
    assert by_id["t1"]["interpreted_as"] is None and by_id["x1"]["interpreted_as"] is None
    assert by_id["t2"]["interpreted_as"] == "What were Iran's motives?"
    assert by_id["t3"]["interpreted_as"] == "Which of Iran's motives concerns Israel?"
    assert "Additional Regional Calculations (Israel)" in by_id["t3"]["answer"]
    assert {c["section"][0] for c in by_id["t1"]["citations"]} == {"I. Pakistan’s Motives"}
    assert {c["section"][0] for c in by_id["t2"]["citations"]} == {"II. Iran’s Motives"}
    assert by_id["solo"]["interpreted_as"] is None and "conversation" not in by_id["solo"]


def test_ask_chat_reads_follow_ups_and_shows_how(article_settings):
    run = _cli(["ask", "--chat"], article_settings.index_dir, stdin="\n".join(TURNS) + "\n")
    assert run.returncode == 0, run.stderr
    answers = run.stdout.split("\nSources:")
    assert "Read as: What were Iran's motives?" in run.stdout
    assert "Read as: Which of Iran's motives concerns Israel?" in run.stdout
    assert not answers[0].startswith("Read as")  # the first question stands on its own
    # /new starts over: the same words are then a question of their own.
    fresh = _cli(["ask", "--chat", "--json"], article_settings.index_dir, stdin=f"{TURNS[0]}\n/new\n{TURNS[1]}\n")
    last = json.loads(fresh.stdout.splitlines()[-1])
    assert last["question"] == "And Iran's?" and last["interpreted_as"] is None
