"""`cited check`, Library.check and /check: any text checked against the article, sentence by
sentence, with the real model, the shipped verifier and the bundled article's index."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cited.library import Library
from retrieval.base.errors import BinaryTextToCheck, EmptyTextToCheck, TextToCheckTooLong
from tests.conftest import ROOT, messages

# The sentences: what the article says, in other words; and what it does not.
TRUE = ["The Therhi massacre took place on June 3, 1963.",
        "About 10% to 15% of Pakistan's population is Shiite."]
FALSE = ["About 40% of Pakistan's population is Shiite.",
         "The Therhi massacre took place on June 3, 1973."]


@pytest.fixture(scope="module")
def library(article_settings, real_embedder):
    return Library(article_settings, real_embedder)


def test_true_sentences_in_other_words_are_supported_and_shown_with_their_sentence(library):
    checked = library.check(" ".join(TRUE))
    assert [s.verdict for s in checked.sentences] == ["supported", "supported"]
    documents = {d.id: d for d in library.documents()}
    for s in checked.sentences:
        support = s.support
        assert documents[support.doc].text[support.start:support.end] == support.text  # offsets are sacred
        assert s.attributed and s.entailment is not None
    assert "Therhi" in checked.sentences[0].support.text and "10% to 15%" in checked.sentences[1].support.text


def test_false_sentences_are_not_supported_and_a_contradiction_shows_what_the_article_says(library):
    checked = library.check(" ".join(FALSE) + " Iran has the best air force in the region.")
    assert not any(s.supported for s in checked.sentences)
    assert checked.sentences[-1].verdict == "unsupported"
    for s in checked.sentences:
        if s.verdict == "contradicted":
            assert s.support is not None and s.support.text in s.reason


@pytest.mark.parametrize("text,error", [
    ("", EmptyTextToCheck), ("   \n ", EmptyTextToCheck), ("word " * 5000, TextToCheckTooLong),
    ("binary\x00data " * 10, BinaryTextToCheck),
])
def test_a_text_that_cannot_be_checked_is_one_clear_error(library, text, error):
    with pytest.raises(error) as refused:
        library.check(text)
    assert "\n" not in str(refused.value) and refused.value.exit_code == 2


def _cited(*args, stdin: str | None = None, settings=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", "check", *args, "--index", str(settings.index_dir)],
                          input=stdin, capture_output=True, text=True, timeout=300, cwd=ROOT)


@pytest.mark.slow
def test_the_command_reads_an_argument_a_file_or_standard_input(article_settings, tmp_path):
    run = _cited(TRUE[0], settings=article_settings)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("✓ supported: The Therhi massacre took place on June 3, 1963.")
    assert "¶13" in run.stdout and "1 sentence: 1 supported, 0 contradicted, 0 not in the article" in run.stdout
    text = tmp_path / "summary.txt"
    text.write_text(" ".join(TRUE + FALSE[:1]), encoding="utf-8")
    run = _cited("--file", str(text), "--json", settings=article_settings)
    data = json.loads(run.stdout)
    assert [s["verdict"] for s in data["sentences"]][:2] == ["supported", "supported"]
    assert data["sentences"][2]["supported"] is False and data["counts"]["supported"] == 2
    for s in data["sentences"]:
        assert {"text", "verdict", "supported", "reason", "support", "attributed"} <= set(s)
    run = _cited("-", "--json", stdin=TRUE[1], settings=article_settings)
    assert json.loads(run.stdout)["sentences"][0]["verdict"] == "supported"
    for args, says in ((("",), "The text to check is empty"), (("--file", str(tmp_path / "none.txt")), "cannot read"),
                       ((TRUE[0], "--file", str(text)), "not both")):
        run = _cited(*args, settings=article_settings)
        assert run.returncode == 2 if "empty" in says else run.returncode != 0
        [line] = [m for m in messages(run.stderr) if m.startswith("error: ")]
        assert says in line
