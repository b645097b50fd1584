"""Many readers at once: the load script (eval/load.py) against a real `cited chat`, short."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from eval.load import QUESTIONS_FILE, format_report, run_load


def mixed_questions() -> list[str]:
    """Answerable questions and ones the article does not answer, from its eval set."""
    rows = [json.loads(line) for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    answerable = [r["question"] for r in rows if r["answerable"]][:9]
    unanswerable = [r["question"] for r in rows if not r["answerable"]][:3]
    return answerable + unanswerable


def test_one_shared_model_serves_many_threads_at_once(real_embedder):
    """The web app's worker threads share one encoder: each gets exactly its own vectors, and
    the model runs one question at a time (onnxruntime, under the encoder's lock)."""
    questions = mixed_questions()
    alone = {q: real_embedder.encode([q]) for q in questions}
    running, overlaps = [0], []
    session_run = real_embedder.session.run

    def watched(*args, **kwargs):
        running[0] += 1
        overlaps.append(running[0])
        try:
            return session_run(*args, **kwargs)
        finally:
            running[0] -= 1

    real_embedder.session.run = watched
    try:
        results: dict[tuple[int, str], np.ndarray] = {}

        def worker(i: int) -> None:
            for q in questions[i % 3 :] + questions[: i % 3]:
                results[i, q] = real_embedder.encode([q])

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        del real_embedder.session.run
    assert len(results) == 8 * len(questions)
    for (_, q), vectors in results.items():
        assert np.array_equal(vectors, alone[q])
    assert len(overlaps) == 8 * len(questions) and max(overlaps) == 1


@pytest.mark.slow
def test_five_clients_for_ten_seconds_get_the_single_user_answers(article_settings, answerer, tmp_path):
    questions = mixed_questions()
    figures = run_load(clients=5, seconds=10, index_dir=article_settings.index_dir, questions=questions,
                       log_path=tmp_path / "server.log")

    assert figures["errors"] == 0, figures["error_samples"]
    assert figures["mismatches"] == 0, figures["mismatch_samples"]
    assert figures["per_client_min"] >= 1 and figures["requests"] >= 10
    # What one client alone was served is what the answerer gives in this process.
    served = figures["single_user_answers"]
    assert list(served) == questions
    for question in questions:
        expected = {k: v for k, v in answerer.ask(question).to_json().items() if k != "seconds"}
        assert served[question] == expected
    assert any(a["abstained"] for a in served.values()) and not all(a["abstained"] for a in served.values())
    assert figures["rss_growth_mb"] < 50

    report = format_report(figures)
    assert f"requests served  {figures['requests']}" in report
    assert "errors           0" in report and "p95" in report and "server memory" in report
