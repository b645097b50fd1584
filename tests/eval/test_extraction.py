"""`cited eval --extraction`: the benchmark's shingle score worked out by hand, and the command end to end on a
tiny benchmark folder (a clean capture, a gzipped page, an empty capture cited refuses)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest

from eval.extraction import evaluate_extraction, excerpt, f1_score, load_benchmark, shingle_scores
from retrieval.base.errors import CitedError
from tests.conftest import ROOT

BODY = [
    "The city council voted on Tuesday to turn the old railway yard into a public park with a lake and a library.",
    "Work is to start next spring and should take three years, the mayor said after the meeting.",
    ("Residents had asked for green space in the district for more than a decade, and a petition last year "
     "gathered twelve thousand names."),
]
# The shape of ../shared/benchmarks/article-extraction/captures: the page's visible text, menus and footer included.
CAPTURE = "\n".join(["Home", "News", "Sport", "Sign In", ""] + [p + "\n" for p in BODY]
                    + ["Most read", "Share this article", "Contact us", "Privacy policy"])
HTML = ("<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        "<article>" + "".join(f"<p>{p}</p>" for p in BODY) + "</article>"
        "<footer><a href='/contact'>Contact us</a> <a href='/privacy'>Privacy policy</a></footer></body></html>")


# --- the metric, by hand -------------------------------------------------------------------------


def test_a_prefix_of_the_truth_is_precise_but_recalls_part_of_it():
    # truth a b c d e → shingles (a b c d), (b c d e); prediction a b c d → (a b c d): 1 of 1 right, 1 of 2 found
    assert shingle_scores("a b c d", "a b c d e") == (1.0, 0.5)


def test_shingles_are_counted_not_just_present():
    # prediction x y z w x y z w → xyzw, yzwx, zwxy, wxyz, xyzw (xyzw twice); truth → xyzw once: min(2, 1) = 1 match
    assert shingle_scores("x y z w x y z w", "x y z w") == (1 / 5, 1.0)
    # the other way round: the truth's second xyzw (and its three other shingles) were not kept
    assert shingle_scores("x y z w", "x y z w x y z w") == (1.0, 1 / 5)


def test_an_exact_match_scores_one_and_punctuation_and_spacing_do_not_count():
    text = "The mayor said, after the meeting: work starts next spring."
    assert shingle_scores(text, text) == (1.0, 1.0)
    assert shingle_scores("The mayor said after\n\nthe meeting work starts next spring", text) == (1.0, 1.0)
    assert shingle_scores("the mayor said after", "The mayor said after") == (0.0, 0.0)  # case counts


def test_an_empty_prediction_scores_zero():
    assert shingle_scores("", "a b c d e") == (0.0, 0.0)
    assert shingle_scores("  \n ", "a b c d e") == (0.0, 0.0)
    assert shingle_scores("", "") == (1.0, 1.0)  # nothing to find, nothing kept


def test_a_text_under_four_words_is_one_shingle():
    assert shingle_scores("Breaking news", "Breaking news") == (1.0, 1.0)
    assert shingle_scores("Breaking news", "Breaking news today") == (0.0, 0.0)
    # a whole short prediction is one shingle; it is none of the truth's 4-word shingles
    assert shingle_scores("a b c", "a b c d") == (0.0, 0.0)


def test_f1_of_zero_is_zero():
    assert f1_score(0.0, 0.0) == 0.0
    assert f1_score(1.0, 0.5) == pytest.approx(2 / 3)


def test_the_excerpt_shows_what_no_shingle_of_the_other_text_holds():
    kept = "Sign in to read. The cat sat on the mat today."
    truth = "The cat sat on the mat today, and purred."
    assert excerpt(kept, truth) == "Sign in to read"
    assert excerpt(truth, kept) == "and purred"
    assert excerpt(truth, truth) == ""


# --- the folder and the command ------------------------------------------------------------------


@pytest.fixture
def tiny_benchmark(tmp_path):
    folder = tmp_path / "bench"
    (folder / "captures").mkdir(parents=True)
    (folder / "html").mkdir()
    truth = "\n\n".join(BODY)
    ground_truth = {page: {"articleBody": truth, "url": f"https://example.org/{page}"} for page in ("good", "empty", "page")}
    (folder / "ground-truth.json").write_text(json.dumps(ground_truth), encoding="utf-8")
    (folder / "captures" / "good.txt").write_text(CAPTURE, encoding="utf-8")
    (folder / "captures" / "empty.txt").write_text("\n  \n", encoding="utf-8")
    (folder / "html" / "page.html.gz").write_bytes(gzip.compress(HTML.encode("utf-8")))
    return folder


def _eval(*args: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ui.cli", "eval", *args, "--index", str(tmp_path / "index")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def test_extraction_prints_the_figures_and_writes_a_report(tiny_benchmark, tmp_path):
    out = tmp_path / "out"
    result = _eval("--extraction", str(tiny_benchmark), "--json", "--out", str(out), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    captures, html = figures["kinds"]["captures"], figures["kinds"]["html"]
    # captures: the clean one kept word for word (1, 1), the empty one refused (0, 0) → means of 0.5
    assert captures == {"pages": 2, "refused": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5,
                        "refused_pages": {"empty": "EmptyDocument: the file has no text to index "
                                                   "(it is empty or only whitespace/boilerplate)."}}
    assert html == {"pages": 1, "refused": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0, "refused_pages": {}}
    assert figures["reference_f1"]["trafilatura 2.0.0"] == 0.958
    assert json.loads((out / "extraction.json").read_text(encoding="utf-8")) == figures
    rows = [json.loads(line) for line in (out / "pages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["kind"], r["id"], r["refused"]) for r in rows] == [
        ("captures", "empty", True), ("captures", "good", False), ("html", "page", False)]
    assert set(rows[0]) == {"id", "kind", "precision", "recall", "f1", "refused", "error"}
    worst = (out / "worst.md").read_text(encoding="utf-8")
    assert "## captures" in worst and "refused: EmptyDocument" in worst and "- lost: The city council voted" in worst


def test_extraction_prints_a_table_beside_the_published_figures(tiny_benchmark, tmp_path):
    result = _eval("--extraction", str(tiny_benchmark), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["kind", "pages", "refused", "precision", "recall", "F1"]
    assert lines[2].split() == ["captures", "2", "1", "0.500", "0.500", "0.500"]
    assert lines[3].split() == ["html", "1", "0", "1.000", "1.000", "1.000"]
    assert any(line.startswith("trafilatura") and line.endswith("0.958") for line in lines)
    assert lines[-1].startswith("refused (captures) empty: EmptyDocument")


def test_limit_takes_the_first_pages_of_each_kind(tiny_benchmark):
    scores = evaluate_extraction(load_benchmark(tiny_benchmark), max_bytes=10**6, limit=1, progress=False)
    assert {kind: [p.id for p in pages] for kind, pages in scores.items()} == {"captures": ["empty"], "html": ["page"]}


def test_a_folder_without_pages_says_where_to_put_them(tmp_path):
    (tmp_path / "ground-truth.json").write_text('{"a": {"articleBody": "text"}}', encoding="utf-8")
    with pytest.raises(CitedError, match="no page has both a ground truth and an input"):
        load_benchmark(tmp_path)


def test_a_bad_path_is_one_line_and_fails(tmp_path):
    missing = tmp_path / "no-such-benchmark"
    result = _eval("--extraction", str(missing), "--json", tmp_path=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip() == (f"error: {missing}: no such folder; give an article-extraction benchmark "
                                     "folder with --extraction PATH.")
