"""cited.Library, the one object behind every door: uploads (checked once, in ingest), examples,
the checks of a question's parameters, and changes made on disk by another process. The hashing
encoder keeps these fast; tests/reliability and tests/ui run the same paths with the real model."""

from __future__ import annotations

import pytest

from cited.library import Library
from retrieval.base.errors import CitedError, DocumentError, InvalidK, UnknownMode
from tests.conftest import ARTICLE, upload_file
from ui import handlers

# --- the Library: uploads, examples, checks (hashing encoder: fast, no meaning needed) ----------


@pytest.fixture
def library(hashing_settings, hashing_embedder):
    library = Library(hashing_settings, hashing_embedder)
    library.add(ARTICLE)
    return library


NOTES = """---
title: Notes on Teapots
author: Jane Roe
---

# Notes on Teapots

## Brewing

The best teapots are made of Yixing clay, which absorbs the flavour of the tea over many years of use.

## 2. History

The teapot was invented in China during the Yuan dynasty and reached Europe in the seventeenth century.
"""


def test_upload_adds_a_document_whatever_its_name_says(library, tmp_path):
    upload = tmp_path / "gradio-cache" / "notes.md"
    upload.parent.mkdir()
    upload.write_text(NOTES, encoding="utf-8")
    message = upload_file(library, upload, name="../../etc/my <notes>.md")
    assert message.startswith("Added my <notes>.md as my-notes.")
    new = [d for d in library.view().documents.values() if d.id != "ecss-pakistan-iran-deescalation"]
    assert len(new) == 1
    doc = new[0]
    assert doc.meta.title == "Notes on Teapots"
    assert doc.meta.source == "upload:my-notes.md"  # neither the given path nor the temporary one
    assert not (tmp_path / "etc").exists()
    loaded = library.view()
    answer = loaded.ask("Yixing clay teapots", doc=doc.id).to_json()
    assert answer["passages"] and {p["doc"] for p in answer["passages"]} == {doc.id}
    assert "What does Notes on Teapots say about History?" in handlers.examples(library)
    # The same bytes again: recognised, not added twice.
    assert "already in the index" in upload_file(library, upload, name="again.md")
    assert len(library.view().documents) == 2
    # A changed file under the same name replaces the earlier one.
    upload.write_text(NOTES.replace("Yixing clay", "Bizen stoneware"), encoding="utf-8")
    assert upload_file(library, upload, name="my <notes>.md").startswith("Updated my-notes from my <notes>.md.")
    assert len(library.view().documents) == 2
    answer = library.ask("Bizen stoneware teapots", doc="my-notes").to_json()
    assert "Bizen stoneware" in answer["passages"][0]["text"]
    assert all("Yixing" not in c.text for c in library.view().answerer.retriever.chunks)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("payload.exe", b"MZ\x90\x00", "unsupported file type '.exe'"),
        ("noext", b"some text", "unsupported file type 'none'"),
        ("blob.txt", b"\x00\x01\x02\x03binary", "binary file"),
        ("empty.md", b"   \n", "no text to index"),
        ("latin1.txt", "caf\xe9 ".encode("latin-1") * 50, "not valid UTF-8"),
    ],
)
def test_upload_rejects_bad_files_with_a_clear_message(library, tmp_path, name, content, message):
    upload = tmp_path / "upload.bin"
    upload.write_bytes(content)
    with pytest.raises(DocumentError) as raised:
        upload_file(library, upload, name=name)
    assert str(raised.value).startswith(f"{name}: ")
    assert message in str(raised.value)
    assert str(tmp_path) not in str(raised.value)
    assert list(library.view().documents) == ["ecss-pakistan-iran-deescalation"]


def test_upload_over_the_size_limit_is_refused(hashing_embedder, tmp_path):
    from dataclasses import replace

    from ingest.pipeline import ingest
    from retrieval.base.settings import Settings

    settings = replace(Settings.from_env(environ={}, index_dir=tmp_path / "index", model="hashing-256"), max_file_mb=0.001)
    ingest([str(ARTICLE)], replace(settings, max_file_mb=20), embedder=hashing_embedder)
    library = Library(settings, hashing_embedder)
    upload = tmp_path / "big.txt"
    upload.write_text("A sentence about teapots. " * 100)
    with pytest.raises(DocumentError, match="MB limit"):
        upload_file(library, upload)


def test_bundled_article_gets_its_own_examples(library):
    from ui.handlers import BUNDLED_EXAMPLES, examples

    assert examples(library) == BUNDLED_EXAMPLES


@pytest.mark.parametrize("k", [0, -1, 51, 2.5, "5"])
def test_ask_rejects_a_bad_k(library, k):
    with pytest.raises(CitedError, match="k must be a whole number"):
        library.ask("Who wrote the article?", k=k)


def test_ask_accepts_a_slider_float_and_defaults(library):
    answer = library.ask("Who wrote the article?", k=3.0, mode="", doc="").to_json()
    assert len(answer["passages"]) == 3 and answer["mode"] == "hybrid"


def test_a_cited_ingest_or_remove_elsewhere_reaches_the_running_app(library, hashing_settings, hashing_embedder, tmp_path):
    from dataclasses import replace

    from ingest.pipeline import ingest, remove_document

    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    ingest([str(notes)], hashing_settings, embedder=hashing_embedder)  # as `cited ingest` would
    loaded = library.view()
    answer = loaded.ask("Yixing clay teapots", doc="notes").to_json()
    assert {p["doc"] for p in answer["passages"]} == {"notes"}
    assert set(loaded.documents) == {"ecss-pakistan-iran-deescalation", "notes"}

    remove_document(hashing_settings, "notes")  # as `cited remove notes` would
    with pytest.raises(CitedError, match="notes"):
        library.ask("Yixing clay teapots", doc="notes")

    # Rebuilt with another model: not loadable here, so the app keeps answering from what it has.
    ingest([str(notes)], replace(hashing_settings, model="hashing-128"), rebuild=True)
    loaded = library.view()
    answer = loaded.ask("Who wrote the article?").to_json()
    assert answer["passages"] and set(loaded.documents) == {"ecss-pakistan-iran-deescalation"}


# --- the Python API -------------------------------------------------------------------------------


def test_open_add_ask_search_remove(tmp_path, hashing_embedder):
    """The README's example: an index folder that does not exist yet, an article by path and one
    as (name, bytes), answers and passages that cite them, then one taken out."""
    from cited import Library as Exported

    library = Exported.open(tmp_path / "index", embedder=hashing_embedder, model="hashing-256")
    assert library.documents() == []
    report = library.add(ARTICLE, ("teapots.md", NOTES.encode()))
    assert sorted(report.added) == ["ecss-pakistan-iran-deescalation", "teapots"]
    assert [d.id for d in library.documents()] == ["teapots", "ecss-pakistan-iran-deescalation"]

    answer = library.ask("Are the best teapots made of Yixing clay?", doc="teapots")
    assert not answer.abstained and answer.citations
    for n, passage in answer.citations:
        document = next(d for d in library.documents() if d.id == passage.doc)
        assert document.text[passage.start : passage.end] == passage.text
    passages = library.search("Yixing clay", k=2)
    assert len(passages) == 2 and passages[0].doc == "teapots" and passages[0].rank == 1

    assert library.remove("teapots") == ["ecss-pakistan-iran-deescalation"]
    assert [d.id for d in library.documents()] == ["ecss-pakistan-iran-deescalation"]
    assert library.manifest()["counts"]["documents"] == 1


def test_asking_a_library_with_no_index_says_how_to_build_one(tmp_path, hashing_embedder):
    from retrieval.base.errors import IndexMissing

    library = Library.open(tmp_path / "nothing", embedder=hashing_embedder, model="hashing-256")
    with pytest.raises(IndexMissing, match="cited ingest PATH"):
        library.ask("Who wrote the article?")


def test_anything_else_is_refused_by_add(library):
    with pytest.raises(CitedError, match="give a path, a URL, or an upload"):
        library.add(42)


@pytest.mark.parametrize("mode", ["fuzzy", "HYBRID", 3])
def test_an_unknown_mode_is_refused_everywhere(library, mode):
    with pytest.raises(UnknownMode, match="use one of dense, bm25, hybrid"):
        library.ask("Who wrote the article?", mode=mode)
    with pytest.raises(UnknownMode):
        library.search("Who wrote the article?", mode=mode)


@pytest.mark.parametrize("k", ["-1", "0", "51"])
def test_cited_ask_refuses_a_bad_k(hashing_settings, library, k, capsys):
    from ui.cli import main

    code = main(["ask", "Who wrote the article?", "-k", k, "--index", str(hashing_settings.index_dir),
                 "--model", "hashing-256"])
    err = capsys.readouterr().err.strip()
    assert code == InvalidK.exit_code == 2
    assert err == f"error: k must be a whole number from 1 to 50 (got {int(k)}): the number of passages to retrieve."


def test_a_bad_k_or_mode_in_the_environment_is_refused(tmp_path):
    from retrieval.base.settings import Settings

    with pytest.raises(InvalidK):
        Settings.from_env(environ={"CITED_K": "0"})
    with pytest.raises(UnknownMode):
        Settings.from_env(environ={"CITED_MODE": "semantic"})


def test_the_verifier_joins_abstention_only_when_asked():
    from retrieval.base.errors import CitedError
    from retrieval.base.settings import Settings

    assert Settings.from_env(environ={}).verifier_abstain_below is None
    assert Settings.from_env(environ={"CITED_VERIFIER_ABSTAIN_BELOW": "0.05"}).verifier_abstain_below == 0.05
    with pytest.raises(CitedError, match="not a number"):
        Settings.from_env(environ={"CITED_VERIFIER_ABSTAIN_BELOW": "some"})


def test_answers_from_many_threads_at_once_are_the_one_thread_answers(library):
    from concurrent.futures import ThreadPoolExecutor

    questions = handlers.BUNDLED_EXAMPLES * 4
    alone = {q: library.ask(q).to_json()["answer"] for q in handlers.BUNDLED_EXAMPLES}
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: library.ask(q).to_json()["answer"], questions))
    assert together == [alone[q] for q in questions]
