"""The index on Milvus (retrieval/index/milvus.py): Milvus Lite embedded, started by the fixtures,
and its gRPC server. The same records, vectors, answers and citations as the folder store; writes
per document that a reader never sees half of; Milvus's own search above EXACT_BELOW; one-line
errors. The real model, real Milvus Lite, real files; the CLI in subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from eval.gold import load_eval_set
from eval.server import ROOT, child_environment, milvus_lite_server
from eval.sets import DEFAULT_SET
from ingest.pipeline import ingest, remove_document
from retrieval.base.errors import CitedError, IndexMismatch, StoreUnavailable
from retrieval.base.settings import Settings
from retrieval.index.folder_read import read_index
from retrieval.index.milvus import MilvusStore
from retrieval.index.stores import FolderStore, open_store
from retrieval.search import retriever as search
from tests.conftest import ARTICLE


def test_milvus_holds_what_the_folder_holds(article_settings, milvus_settings):
    folder, milvus = read_index(article_settings.index_dir), open_store(milvus_settings).read()
    assert milvus.documents == folder.documents and milvus.chunks == folder.chunks
    every_chunk, every_sentence = np.arange(len(folder.chunks)), np.arange(len(folder.sentence_vectors))
    assert np.allclose(milvus.chunk_vectors[every_chunk], folder.chunk_vectors, atol=1e-6)  # fetched by id
    assert np.allclose(milvus.sentence_vectors[every_sentence], folder.sentence_vectors, atol=1e-6)
    assert (milvus.model, milvus.dimension, milvus.chunking) == (folder.model, folder.dimension, folder.chunking)
    for c in milvus.chunks:  # offsets are sacred, on either store
        assert milvus.document(c.doc).text[c.start:c.end] == c.text
    m, f = open_store(milvus_settings).manifest(), FolderStore(article_settings.index_dir).manifest()
    assert m["counts"] == f["counts"] and m["documents"] == f["documents"] and m["model"] == f["model"]


def test_every_eval_question_gets_the_same_answer_on_both_stores(answerer, milvus_answerer):
    for q in load_eval_set(DEFAULT_SET):
        a, b = answerer.ask(q.question), milvus_answerer.ask(q.question)
        assert (b.text, b.abstained) == (a.text, a.abstained), q.question
        assert [(n, p.doc, p.start, p.end) for n, p in b.citations] == [(n, p.doc, p.start, p.end) for n, p in a.citations]


@pytest.fixture
def milvus_two_stage(milvus_settings, real_embedder, monkeypatch):
    """A retriever over the Milvus store as a large library gets one: Milvus proposes candidates."""
    from retrieval.answer.answerer import Answerer

    monkeypatch.setattr(search, "EXACT_BELOW", 0)
    retriever = search.Retriever.load(milvus_settings, real_embedder)
    calls = []
    found = retriever._store.candidates
    monkeypatch.setattr(retriever._store, "candidates", lambda *a: calls.append(a) or found(*a))
    return Answerer(retriever, milvus_settings), calls


@pytest.mark.parametrize("question,words", [
    ("Who wrote the article?", "Ali Atef"),
    ("What share of Pakistan's population is Shiite?", "10% to 15%"),
    ("Who leads Pakistan's caretaker government?", "Kakar"),
    ("Which Iraqi city did the IRGC attack?", "Erbil"),
])
def test_above_exact_below_milvus_proposes_the_candidates(milvus_two_stage, question, words):
    answerer, calls = milvus_two_stage
    answer = answerer.ask(question)
    assert calls, "Milvus's search was not asked"
    assert words in answer.text
    document = answerer.retriever.index.documents[0]
    for _, p in answer.citations:
        assert document.text[p.start:p.end] == p.text


def test_a_document_scoped_question_stays_in_its_document_on_milvus(milvus_two_stage):
    answerer, _ = milvus_two_stage
    doc = answerer.retriever.index.documents[0].id
    passages = answerer.retriever.search("What share of Pakistan's population is Shiite?", k=3, doc=doc)
    assert len(passages) == 3 and all(p.doc == doc for p in passages)


# --- writing: per document, incremental, never half visible ------------------------------------------

HARBOUR = ("The harbour of Tarsin holds {ships} fishing ships through the winter, when the northern sea freezes "
           "and the fleet cannot sail.\n\nIts lighthouse is painted red and white, and its keeper, Mara Velt, has "
           "lit the lamp every evening since the storm of 1911 wrecked the old tower.")
MILL = ("The mill of Orrin grinds barley and rye for the three villages of the valley, and its wheel turns on "
        "the river Vel from March to November.\n\nIt was built in 1820 by the brothers Aske, whose names are "
        "still carved above the door of the grinding room.")
RIVER = ("A third document about the river Vel, which rises in the hills above Orrin and reaches the sea at "
         "Tarsin after running for sixty kilometres through farmland and forest.")


@pytest.fixture
def small_store(tmp_path, hashing_embedder):
    """Milvus Lite with two small documents (the hashing test encoder: no meaning needed)."""
    for name, text in (("harbour.txt", HARBOUR.format(ships=40)), ("mill.txt", MILL)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    settings = Settings.from_env(environ={}, store=f"milvus://{tmp_path / 'small.db'}", model="hashing-256")
    report = ingest([str(tmp_path / "harbour.txt"), str(tmp_path / "mill.txt")], settings, embedder=hashing_embedder)
    assert len(report.added) == 2
    return settings, tmp_path


def test_ingest_again_embeds_nothing_and_an_edit_rewrites_only_its_document(small_store, hashing_embedder):
    settings, folder = small_store
    store = open_store(settings)
    before = {r["id"] for r in store._all_rows("passages", ("id", "doc")) if r["doc"] == "mill"}
    again = ingest([str(folder / "harbour.txt"), str(folder / "mill.txt")], settings, embedder=hashing_embedder)
    assert again.embedded == 0 and len(again.skipped) == 2
    (folder / "harbour.txt").write_text(HARBOUR.format(ships=41), encoding="utf-8")
    edit = ingest([str(folder / "harbour.txt")], settings, embedder=hashing_embedder)
    assert edit.updated == ["harbour"]
    index = store.read()
    assert [d.id for d in index.documents] == ["mill", "harbour"]  # as the folder store orders them
    assert "41 fishing ships" in index.document("harbour").text
    rows = store._all_rows("passages", ("id", "doc"))
    assert {r["id"] for r in rows if r["doc"] == "mill"} == before  # the unchanged document was not rewritten
    assert len(rows) == len(index.chunks)  # the old version is gone


def test_document_bodies_are_read_in_pages_small_enough_for_the_engine(small_store, monkeypatch):
    """Bodies are read a few rows a page (pages of READ_BATCH bodies exceeded the engine's limit on
    a result's size in a large store: docs/milvus.md); with one row a page, every document still
    comes back whole."""
    from retrieval.index import milvus

    from pymilvus import MilvusClient

    settings, _ = small_store
    monkeypatch.setattr(milvus, "BODY_BATCH", 1)
    pages, iterate = [], MilvusClient.query_iterator
    monkeypatch.setattr(MilvusClient, "query_iterator",
                        lambda self, *a, **k: pages.append((k["batch_size"], "body" in k["output_fields"]))
                        or iterate(self, *a, **k))
    store = open_store(settings)
    documents = [d for _, d, _, _ in store._committed_documents()]
    assert sorted(d.id for d in documents) == ["harbour", "mill"] and all(d.text for d in documents)
    assert (1, True) in pages and all(size == 1 for size, body in pages if body)


def test_remove_takes_one_document_out(small_store):
    settings, _ = small_store
    left = remove_document(settings, "mill")
    index = open_store(settings).read()
    assert left == [d.id for d in index.documents] == ["harbour"]
    assert all(c.doc == "harbour" for c in index.chunks)
    assert open_store(settings).manifest()["counts"]["documents"] == 1


def test_a_version_written_half_way_is_never_read_and_is_cleaned_up(small_store, hashing_embedder):
    settings, folder = small_store
    store = open_store(settings)
    index = store.read()
    # A writer killed after the passages of a new version of "mill", before its document record
    # (it had noted the version's seq as pending first, as every write does):
    store._set_manifest(pending="[999]")
    row = store._all_rows("passages", ("id", "doc", "seq", "paragraph", "start", "end", "page", "kind", "section",
                                       "sentences", "text", "bm25_text", "dense"))[0]
    store.client().insert(store.names["passages"], [{**row, "id": 999 << 20, "seq": 999, "text": "half written"}])
    assert store.read().chunks == index.chunks
    (folder / "new.txt").write_text(RIVER, encoding="utf-8")
    ingest([str(folder / "new.txt")], settings, embedder=hashing_embedder)
    assert not [r for r in store._all_rows("passages", ("id", "seq")) if r["seq"] == 999]


def test_a_manifest_change_is_a_new_row_and_the_older_one_goes(small_store):
    # Never an upsert of the same id: the engine lost such a row during a long write (docs/milvus.md).
    settings, _ = small_store
    store = open_store(settings)
    before = store._manifest_rows()
    store._set_manifest(pending="[7]")
    after = store._manifest_rows()
    assert len(before) == len(after) == 1
    assert after[0]["part"] == before[0]["part"] + 1 and after[0]["id"] != before[0]["id"]
    assert store.properties() == {**json.loads(before[0]["body"]), "pending": "[7]"}
    assert store.read().model == json.loads(before[0]["body"])["model"]


def test_a_write_that_finds_no_manifest_at_its_end_says_the_index_is_damaged(small_store):
    store = open_store(small_store[0])
    with pytest.raises(CitedError, match=r"damaged \(the manifest row is missing\).*--rebuild"):
        store._stored({"pending": "[]"}, [])


def test_a_store_of_another_model_or_schema_is_refused_with_the_rebuild_command(small_store, hashing_embedder):
    settings, _ = small_store
    store = open_store(settings)
    with pytest.raises(IndexMismatch, match=r"cited ingest PATH --store milvus://.*small\.db --rebuild"):
        store.read(expected_model="all-MiniLM-L6-v2")
    store._set_manifest(schema_version="0")
    with pytest.raises(IndexMismatch, match="schema version 0"):
        store.read()
    store.client().delete(store.names["documents"], filter="seq == 0")  # a store of cited before schema 2: no manifest row
    with pytest.raises(IndexMismatch, match=r"schema version 1 .*--rebuild"):
        store.read()


def test_a_running_server_notices_a_write(small_store, hashing_embedder):
    from cited.library import Library

    settings, folder = small_store
    library = Library(settings, hashing_embedder)
    assert len(library.documents()) == 2 and library.view()
    (folder / "new.txt").write_text(RIVER, encoding="utf-8")
    ingest([str(folder / "new.txt")], settings, embedder=hashing_embedder)  # as another writer would
    assert "new" in library.view().documents


def test_several_indexes_live_in_one_milvus_by_name(small_store, hashing_embedder):
    settings, folder = small_store
    other = replace(settings, store=settings.store + "#news")
    ingest([str(folder / "mill.txt")], other, embedder=hashing_embedder)
    assert [d.id for d in open_store(other).read().documents] == ["mill"]
    assert len(open_store(settings).read().documents) == 2


@pytest.mark.parametrize("uri,message", [
    ("ftp://host/x", "--store must be milvus:///path/to/file.db"),
    ("/tmp/some/folder", "--store must be milvus:///path/to/file.db"),
])
def test_a_store_that_cannot_be_is_a_one_line_error(uri, message):
    with pytest.raises(CitedError, match=message):
        Settings.from_env(environ={}, store=uri)


def test_a_lite_store_needs_a_db_file_and_a_plain_name(tmp_path):
    with pytest.raises(StoreUnavailable, match="ending in .db"):
        MilvusStore(f"milvus://{tmp_path / 'folder'}").exists()
    with pytest.raises(StoreUnavailable, match="letters, digits and _"):
        MilvusStore(f"milvus://{tmp_path / 'x.db'}#no-dashes")


# --- the command line, end to end ---------------------------------------------------------------------


def cli(*args, timeout=300, **environ):
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, env={**child_environment(), **environ},
                          capture_output=True, text=True, timeout=timeout)


def test_a_token_the_server_refuses_is_one_line_and_a_non_zero_exit(tmp_path):
    """Milvus Lite has no authentication, so a gRPC server stands in for a Milvus that checks
    tokens: it answers every call as Milvus's authentication interceptor answers a wrong one
    (UNAUTHENTICATED, "auth check failure …"), which pymilvus passes on without retrying or
    wrapping it. cited, ingest and ask alike, says so in one line and exits 4."""
    import grpc
    from concurrent import futures

    class RefusesEveryToken(grpc.GenericRpcHandler):
        def service(self, details):
            def refuse(request, context):
                context.abort(grpc.StatusCode.UNAUTHENTICATED,
                              "auth check failure, please check username and password are correct")
            return grpc.unary_unary_rpc_method_handler(refuse)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[RefusesEveryToken()])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        for args in (("ask", "Who wrote the article?"), ("ingest", str(ARTICLE))):
            done = cli(*args, "--store", f"http://127.0.0.1:{port}", "--index", str(tmp_path / "unused"),
                       timeout=120, CITED_MILVUS_TOKEN="root:wrong")
            assert done.returncode == 4, done.stderr
            assert done.stderr.strip().splitlines() == [done.stderr.strip()]  # one line, no traceback
            assert "refused the token" in done.stderr and "CITED_MILVUS_TOKEN" in done.stderr
    finally:
        server.stop(grace=None)
    assert not (tmp_path / "unused").exists()


@pytest.mark.slow
def test_ingest_and_ask_on_milvus_lite_from_the_command_line(tmp_path, milvus_settings):
    store = f"milvus://{tmp_path / 'm.db'}"
    made = cli("ingest", str(ARTICLE), "--store", store, "-q")
    assert made.returncode == 0, made.stderr
    asked = cli("ask", "Who wrote the article?", "--store", store)
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("Ali Atef [1]")
    assert "[1] ecss-pakistan-iran-deescalation ¶2" in asked.stdout
    listed = cli("list", "--store", store)
    assert "1 document(s)" in listed.stdout and "Ali Atef" in listed.stdout
    # This test process holds the fixtures' Lite file open: another process is told what to do.
    held = cli("ask", "Who wrote the article?", "--store", milvus_settings.store)
    assert held.returncode == 4
    assert held.stderr.strip().splitlines() == [held.stderr.strip()]  # one line, no traceback
    assert "one process at a time" in held.stderr and "cited milvus-serve" in held.stderr


@pytest.mark.slow
def test_ingest_and_ask_through_a_milvus_server(tmp_path, real_embedder, monkeypatch):
    """`cited milvus-serve`: two processes on one Milvus Lite file, a server (this test's Library,
    as the chat holds one) seeing at its next question what another process's ingest added."""
    from cited.library import Library

    with milvus_lite_server(tmp_path / "served.db", tmp_path / "milvus.log") as uri:
        made = cli("ingest", str(ARTICLE), "--store", uri, "-q")
        assert made.returncode == 0, made.stderr
        asked = cli("ask", "Who wrote the article?", "--store", uri, "--json")
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        assert answer["answer"].startswith("Ali Atef") and answer["citations"][0]["paragraph"] == 2
        chat = Library(Settings.from_env(environ={}, store=uri, milvus_timeout=5), real_embedder)
        assert [d.id for d in chat.documents()] == ["ecss-pakistan-iran-deescalation"]
        (tmp_path / "mill.txt").write_text(MILL, encoding="utf-8")
        added = cli("ingest", str(tmp_path / "mill.txt"), "--store", uri, "-q")  # another process writes
        assert added.returncode == 0, added.stderr
        answer = chat.ask("When was the mill of Orrin built?")
        assert "1820" in answer.text and answer.citations[0][1].doc == "mill"
    down = cli("ask", "Who wrote the article?", "--store", uri)  # the server is gone
    assert down.returncode == 4 and "unavailable" in down.stderr and "Traceback" not in down.stderr
    with pytest.raises(StoreUnavailable) as lost:  # the chat's next question, within its timeout
        chat.ask("Who wrote the article?")
    assert "\n" not in str(lost.value) and "searching failed" in str(lost.value)


def test_cited_eval_rankers_compares_cited_fusion_with_milvus_rankers(milvus_settings, capsys):
    from ui.cli import main

    assert main(["eval", "--rankers", "--store", milvus_settings.store, "--json", "--limit", "12"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert list(rows) == ["cited", "Milvus RRF", "Milvus weighted"]
    for name, row in rows.items():
        assert 0 < row["mrr@10"] <= 1 and row["hit@1"] <= row["hit@3"] <= row["hit@5"], name
        assert row["p50_ms"] > 0


@pytest.mark.slow
def test_the_rankers_run_on_squad_articles_too(tmp_path, capsys):
    from tests.conftest import SQUAD_SAMPLE
    from ui.cli import main

    store = f"milvus://{tmp_path / 'rankers.db'}"
    assert main(["eval", "--rankers", "--squad", str(SQUAD_SAMPLE), "--store", store, "--json", "--limit", "6"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert list(rows) == ["cited", "Milvus RRF", "Milvus weighted"]
    assert all(0 < row["mrr@10"] <= 1 for row in rows.values())


def test_rankers_without_a_milvus_store_is_a_one_line_error(article_settings, capsys):
    from ui.cli import main

    assert main(["eval", "--rankers", "--index", str(article_settings.index_dir)]) == 1
    assert "give a Milvus store" in capsys.readouterr().err


@pytest.mark.slow
def test_the_chat_server_answers_from_a_milvus_store(tmp_path):
    from gradio_client import Client

    from eval.server import chat_server

    store = f"milvus://{tmp_path / 'chat.db'}"
    assert cli("ingest", str(ARTICLE), "--store", store, "-q").returncode == 0
    with chat_server(tmp_path / "unused-index", tmp_path / "chat.log", "--store", store) as url:
        answer = Client(url, verbose=False).predict("Who wrote the article?", api_name="/ask")
    assert answer["answer"] == "Ali Atef [1]"
    assert answer["citations"][0]["paragraph"] == 2 and answer["citations"][0]["text"] == "Ali Atef"
    assert not (tmp_path / "unused-index").exists()  # the folder store was never touched


@pytest.mark.slow
def test_an_unreachable_milvus_or_a_bad_file_to_serve_is_one_line_and_a_non_zero_exit(tmp_path):
    from eval.server import free_port

    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    asked = cli("ask", "Who wrote the article?", "--store", nobody, timeout=120)
    assert asked.returncode == 4 and "unavailable" in asked.stderr
    assert asked.stderr.strip().splitlines() == [asked.stderr.strip()]
    served = cli("milvus-serve", str(tmp_path / "notes.txt"), "--port", str(free_port()))
    assert served.returncode != 0 and "a file ending in .db" in served.stderr
    assert served.stderr.strip().splitlines() == [served.stderr.strip()]


def test_the_dense_index_type_is_a_setting(tmp_path, hashing_embedder):
    (tmp_path / "mill.txt").write_text(MILL, encoding="utf-8")
    settings = Settings.from_env(environ={"CITED_MILVUS_INDEX": "IVF_FLAT"}, store=f"milvus://{tmp_path / 'ivf.db'}",
                                 model="hashing-256")
    ingest([str(tmp_path / "mill.txt")], settings, embedder=hashing_embedder)
    store = open_store(settings)
    described = store.client().describe_index(store.names["passages"], "dense")
    assert described["index_type"] == "IVF_FLAT"
    retriever = search.Retriever.load(settings, hashing_embedder, store=store)
    assert retriever.search("When was the mill built?", k=1)[0].doc == "mill"
    with pytest.raises(CitedError, match="CITED_MILVUS_INDEX must be one of FLAT, HNSW, IVF_FLAT"):
        Settings.from_env(environ={"CITED_MILVUS_INDEX": "DISKANN"})


def test_a_question_on_an_index_read_before_a_write_keeps_its_own_rows(small_store, hashing_embedder):
    """A server answering on the index it read while another read (after a write) is made: the
    Milvus ids its candidates come back with map to the rows of its own read, never to the later
    one's (harbour's old version is gone, its new one not in that read: only the mill is left)."""
    settings, folder = small_store
    store = open_store(settings)
    before = search.Retriever.load(settings, hashing_embedder, store=store)
    (folder / "new.txt").write_text(RIVER, encoding="utf-8")
    ingest([str(folder / "new.txt")], settings, embedder=hashing_embedder)
    (folder / "harbour.txt").write_text(HARBOUR.format(ships=42), encoding="utf-8")
    ingest([str(folder / "harbour.txt")], settings, embedder=hashing_embedder)
    after = search.Retriever.load(settings, hashing_embedder, store=store)
    assert [d.id for d in after.index.documents] == ["mill", "new", "harbour"]
    assert after.search("Who keeps the lighthouse of Tarsin?", k=1)[0].doc == "harbour"
    for p in before.search("Who keeps the lighthouse of the river Vel at Tarsin?", k=3):
        assert p.doc == "mill" and p.text in MILL
