"""`cited ingest / list / remove / ask --doc` as a reader uses them: one line per bad input naming
it and why, the good inputs still ingested, a non-zero exit, and an existing index untouched."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.index.folder_read import read_index
from tests.conftest import messages
from tests.ingest import pdfs
from ui.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
# The same command line with the tests' hashing encoder registered (tests/embedders.py).
CITED_HASHING = [sys.executable, "-m", "tests.embedders"]
ROOT = Path(__file__).resolve().parents[2]
HASHING = ["--model", "hashing-256"]


# Each kind of bad input and the reason its error must give.
REASONS = {
    "empty.txt": "no text to index",
    "blank.md": "no text to index",
    "menu-only.txt": "no text to index",
    "photo.txt": "binary file",
    "latin-1.txt": "not valid UTF-8",
    "huge.txt": "50.0 MB, over the 20 MB limit",
    "nothing-here": "no .txt, .md, .html, .htm or .pdf files found",
    "scan.pdf": "no text layer",
    "slides.pptx": "unsupported file type '.pptx'",
    "missing.txt": "no such file",
}


def make_bad_inputs(folder: Path) -> list[Path]:
    """Every input of REASONS on disk (but missing.txt), in REASONS' order."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text("   \n\n\t\n")
    (folder / "menu-only.txt").write_text("Home\nNews\nSport\nSign in\nSubscribe\n© 2024 Example Ltd\n")
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (folder / "latin-1.txt").write_bytes("Caf\xe9 society in the 1920s was a world of its own.".encode("latin-1"))
    with open(folder / "huge.txt", "wb") as f:  # 50 MB, sparse: made in no time
        f.truncate(50_000_000)
    (folder / "nothing-here").mkdir(exist_ok=True)
    (folder / "nothing-here" / "notes.docx").write_bytes(b"PK\x03\x04")
    pdfs.image_only_pdf(folder / "scan.pdf")
    (folder / "slides.pptx").write_bytes(b"PK\x03\x04")
    return [folder / name for name in REASONS]


@pytest.fixture
def index(tmp_path) -> Path:
    """An existing index holding one article."""
    index = tmp_path / "index"
    assert main(["ingest", str(FIXTURES / "news-capture.txt"), "--index", str(index), *HASHING, "-q"]) == 0
    return index


@pytest.mark.parametrize("name", sorted(REASONS))
def test_each_bad_input_is_one_line_and_the_index_is_untouched(name, index, tmp_path, capsys):
    make_bad_inputs(tmp_path / "bad")
    why = REASONS[name]
    manifest = (index / "manifest.json").read_bytes()
    capsys.readouterr()
    path = tmp_path / "bad" / name
    code = main(["ingest", str(path), "--index", str(index), *HASHING, "-q"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: "), err
    assert why in err
    assert (index / "manifest.json").read_bytes() == manifest


def test_bad_inputs_do_not_stop_the_good_ones(index, tmp_path):
    """Through the installed `cited` command: every bad input named once on stderr, the good
    files ingested, exit code non-zero."""
    bad = [str(path) for path in make_bad_inputs(tmp_path / "bad")]
    good = [str(FIXTURES / "blog-capture.txt"), str(FIXTURES / "saved-page.html")]
    run = subprocess.run(
        [*CITED_HASHING, "ingest", bad[0], good[0], *bad[1:], good[1], "--index", str(index), *HASHING],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert run.returncode == 3
    errors = messages(run.stderr)
    assert len(errors) == len(bad), errors
    for path in bad:
        assert sum(line.startswith(f"error: {path}: ") for line in errors) == 1, path
    assert "added: blog-capture" in run.stdout and "added: saved-page" in run.stdout
    assert "unchanged:" not in run.stdout and f"0 updated, 0 unchanged, {len(bad)} failed" in run.stdout
    assert sorted(d.id for d in read_index(index).documents) == ["blog-capture", "news-capture", "saved-page"]


def test_ingest_reports_added_updated_unchanged(tmp_path, capsys):
    index = str(tmp_path / "index")
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("news-capture.txt", "report-capture.txt"):
        shutil.copy(FIXTURES / name, folder)
    assert main(["ingest", str(folder), "--index", index, *HASHING]) == 0
    out = capsys.readouterr().out
    assert 'added: news-capture — "Reservoirs along the east coast fall to lowest level in three decades" (16 paragraphs, 16 chunks)' in out
    assert "added: report-capture" in out
    assert "2 added, 0 updated, 0 unchanged; index holds 2 document(s)" in out and out.rstrip().endswith(index)

    report = folder / "report-capture.txt"
    report.write_text(report.read_text().replace("Twelve pairs is a small sample", "Twelve pairs is a very small sample"))
    assert main(["ingest", str(folder), "--index", index, *HASHING]) == 0
    out = capsys.readouterr().out
    assert "updated: report-capture" in out and "unchanged: news-capture" in out
    assert "0 added, 1 updated, 1 unchanged" in out


def test_list_remove_and_ask_one_document(tmp_path, capsys):
    index = str(tmp_path / "index")
    assert main(["ingest", str(FIXTURES), "--index", index, *HASHING, "-q"]) == 0
    capsys.readouterr()
    assert main(["list", "--index", index, "--json"]) == 0
    listed = {d["id"]: d for d in json.loads(capsys.readouterr().out)}
    assert set(listed) == {"blog-capture", "field-notes", "news-capture", "report-capture", "saved-page", "wrapped-newsletter"}
    assert listed["field-notes"]["authors"] == ["Tomás Ferreira", "Aiko Tanaka"]

    assert main(["ask", "Who is the author?", "--doc", "report-capture", "--index", index, *HASHING, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["passages"] and {p["doc"] for p in answer["passages"]} == {"report-capture"}

    assert main(["remove", "news-capture", "--index", index]) == 0
    assert "removed news-capture; 5 document(s) left" in capsys.readouterr().out
    assert main(["remove", "news-capture", "--index", index]) == 4
    assert "No document 'news-capture'" in capsys.readouterr().err
    assert main(["list", "--index", index]) == 0
    assert "news-capture" not in capsys.readouterr().out


def test_list_shows_the_bundled_articles_byline(article_settings, capsys):
    assert main(["list", "--index", str(article_settings.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "1 document(s), model all-MiniLM-L6-v2" in out
    assert "- ecss-pakistan-iran-deescalation: What Led to Pakistan-Iran De-Escalation Following the Recent Exchange of Attacks?" in out
    assert ("author Ali Atef; date 2024-02-06; site Egyptian Center for Strategic Studies; language en; "
            "47 paragraphs, 47 chunks") in out


def test_quiet_ingest_prints_only_the_outcome(tmp_path):
    """The real model: no progress bar and nothing else on stderr with --quiet; the summary line
    gives the counts and the time."""
    run = subprocess.run(
        [*CITED_HASHING, "ingest", str(FIXTURES / "report-capture.txt"), str(FIXTURES / "field-notes.md"),
         "--index", str(tmp_path / "index"), "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "embedding" not in run.stderr and "error" not in run.stderr and "Traceback" not in run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines[:2] == [
        'added: report-capture — "Community Gardens and Summer Heat: Findings from a Two-Year Study" (16 paragraphs, 16 chunks)',
        'added: field-notes — "Field Notes on Beekeeping in a Wet Summer" (16 paragraphs, 16 chunks)',
    ]
    assert lines[2].startswith("2 added, 0 updated, 0 unchanged; index holds 2 document(s), 32 chunks, ")
    assert " texts embedded; " in lines[2] and " s → " in lines[2]


def test_show_prints_what_was_indexed_of_a_document(index, capsys):
    assert main(["show", "news-capture", "--index", str(index), *HASHING]) == 0
    shown = capsys.readouterr().out
    document = read_index(index).documents[0]
    assert shown.splitlines()[0] == f"news-capture — {document.meta.title}"
    for p in document.paragraphs[:5]:
        assert f"¶{p.n} " in shown
    assert main(["show", "news-capture", "--json", "--index", str(index)]) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert [p["text"] for p in as_json["paragraphs"]] == [document.paragraph_text(p) for p in document.paragraphs]
    assert all(document.text[p["start"]:p["end"]] == p["text"] for p in as_json["paragraphs"])


def test_show_names_the_documents_there_are_when_one_is_unknown(index, capsys):
    assert main(["show", "nothing-here", "--index", str(index)]) == 4
    assert capsys.readouterr().err.strip() == (
        "error: No document 'nothing-here' in the index (documents: news-capture); see `cited list`.")
