"""The chat app's server side: the /ask API through gradio_client against a real `cited chat`
subprocess, login, and the shared Library (uploads, examples, input checks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cited.errors import CitedError, DocumentError, EmptyQuestion
from tests.conftest import ARTICLE
from eval.server import ROOT, chat_server

QUESTIONS = [
    "Who wrote the article?",
    "What share of Pakistan's population is Shiite?",
    "When are Pakistan's parliamentary elections?",
    "What is the boiling point of water?",
]


# --- the API, against a real server -----------------------------------------------------------


@pytest.fixture(scope="module")
def server(article_settings, tmp_path_factory):
    log = tmp_path_factory.mktemp("chat-server") / "server.log"
    with chat_server(article_settings.index_dir, log) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


@pytest.mark.slow
def test_ask_returns_the_json_of_cited_ask(client, article_settings, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"id": i, "question": q}) + "\n" for i, q in enumerate(QUESTIONS)))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CITED_")}
    cli = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ask", "--questions", str(questions), "--json",
         "--index", str(article_settings.index_dir)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300, check=True,
    )
    expected = [json.loads(line) for line in cli.stdout.splitlines()]
    assert len(expected) == len(QUESTIONS)
    for question, want in zip(QUESTIONS, expected):
        got = client.predict(question, api_name="/ask")
        assert isinstance(got, dict)
        assert got.keys() == want.keys() - {"id"}
        assert got["seconds"] >= 0
        assert {k: v for k, v in got.items() if k != "seconds"} == {
            k: v for k, v in want.items() if k not in ("seconds", "id")
        }
    answered, abstained = expected[1], expected[3]
    assert not answered["abstained"] and answered["citations"] and "[1]" in answered["answer"]
    assert abstained["abstained"] and abstained["answer"] == "The article does not say."


@pytest.mark.slow
def test_ask_takes_optional_k_mode_and_doc(client):
    got = client.predict("Who wrote the article?", k=2, mode="bm25", doc="ecss-pakistan-iran-deescalation",
                         api_name="/ask")
    assert got["mode"] == "bm25"
    assert len(got["passages"]) == 2
    assert {p["doc"] for p in got["passages"]} == {"ecss-pakistan-iran-deescalation"}


@pytest.mark.slow
def test_ask_is_the_only_documented_endpoint_and_only_the_question_is_required(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/ask"]
    parameters = {p["parameter_name"]: p for p in endpoints["/ask"]["parameters"]}
    assert list(parameters) == ["question", "k", "mode", "doc"]
    assert not parameters["question"]["parameter_has_default"]
    assert parameters["k"]["parameter_default"] == 5
    assert parameters["mode"]["parameter_default"] == "hybrid"
    assert parameters["doc"]["parameter_default"] == ""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("",), str(EmptyQuestion())),
        (("   \n\t ",), str(EmptyQuestion())),
        (("x" * 2001,), "the limit is 2,000"),
        (("Who wrote it?", 0), "k must be a whole number from 1 to 50"),
        (("Who wrote it?", 5, "fuzzy"), "Unknown retrieval mode 'fuzzy'"),
        (("Who wrote it?", 5, "hybrid", "no-such-doc"), "No document 'no-such-doc' in the index"),
    ],
)
def test_ask_errors_come_back_as_one_line_messages(client, arguments, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as raised:
        client.predict(*arguments, api_name="/ask")
    text = str(raised.value)
    assert message in text
    assert "\n" not in text and "Traceback" not in text


@pytest.mark.slow
def test_concurrent_clients_all_get_their_own_answer(server, client):
    from gradio_client import Client

    expected = {q: client.predict(q, api_name="/ask")["answer"] for q in QUESTIONS}
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            results[i] = Client(server, verbose=False).predict(QUESTIONS[i % len(QUESTIONS)], api_name="/ask")["answer"]
        except BaseException as e:  # collected and re-raised by the test below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert results == {i: expected[QUESTIONS[i % len(QUESTIONS)]] for i in range(8)}


@pytest.mark.slow
def test_login_is_required_when_auth_is_set(article_settings, tmp_path):
    from gradio_client import Client

    with chat_server(article_settings.index_dir, tmp_path / "server.log", env={"CITED_AUTH": "reader:s3cret"}) as url:
        with pytest.raises(Exception, match="credentials were not provided"):
            Client(url, verbose=False)
        with pytest.raises(ValueError, match="Could not login"):
            Client(url, auth=("reader", "wrong"), verbose=False)
        answer = Client(url, auth=("reader", "s3cret"), verbose=False).predict("Who wrote the article?", api_name="/ask")
        assert answer["answer"] == "Ali Atef [1]"


# --- serve() options ---------------------------------------------------------------------------


def test_parse_auth():
    from ui.app import parse_auth

    assert parse_auth(None) is None and parse_auth("") is None
    assert parse_auth("reader:pa:ss") == ("reader", "pa:ss")
    for bad in ("reader", ":secret", "reader:"):
        with pytest.raises(CitedError, match="USER:PASSWORD"):
            parse_auth(bad)


def test_host_warning_only_beyond_loopback():
    from ui.app import host_warning

    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert host_warning(host, has_auth=False) is None
    warning = host_warning("0.0.0.0", has_auth=False)
    assert "0.0.0.0" in warning and "--auth" in warning
    assert "--auth" not in host_warning("192.168.1.10", has_auth=True)


# --- the Library: uploads, examples, checks (hashing encoder: fast, no meaning needed) ----------


@pytest.fixture
def library(hashing_settings, hashing_embedder):
    from ingest.pipeline import ingest
    from retrieval.answer import Answerer
    from retrieval.search import Retriever
    from ui.library import Library

    ingest([str(ARTICLE)], hashing_settings, embedder=hashing_embedder)
    return Library(hashing_settings, Answerer(Retriever.load(hashing_settings, hashing_embedder)))


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
    message = library.add_upload(upload, name="../../etc/my <notes>.md")
    assert message.startswith("Added my <notes>.md as my-notes.")
    new = [d for d in library.loaded.documents.values() if d.id != "ecss-pakistan-iran-deescalation"]
    assert len(new) == 1
    doc = new[0]
    assert doc.meta.title == "Notes on Teapots"
    assert doc.meta.source == "upload:my-notes.md"  # neither the given path nor the temporary one
    assert not (tmp_path / "etc").exists()
    answer, loaded = library.ask("Yixing clay teapots", doc=doc.id)
    assert answer["passages"] and {p["doc"] for p in answer["passages"]} == {doc.id}
    assert "What does Notes on Teapots say about History?" in library.examples()
    # The same bytes again: recognised, not added twice.
    assert "already in the index" in library.add_upload(upload, name="again.md")
    assert len(library.loaded.documents) == 2
    # A changed file under the same name replaces the earlier one.
    upload.write_text(NOTES.replace("Yixing clay", "Bizen stoneware"), encoding="utf-8")
    assert library.add_upload(upload, name="my <notes>.md").startswith("Updated my-notes from my <notes>.md.")
    assert len(library.loaded.documents) == 2
    answer, _ = library.ask("Bizen stoneware teapots", doc="my-notes")
    assert "Bizen stoneware" in answer["passages"][0]["text"]
    assert all("Yixing" not in c.text for c in library.loaded.answerer.retriever.chunks)


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
        library.add_upload(upload, name=name)
    assert str(raised.value).startswith(f"{name}: ")
    assert message in str(raised.value)
    assert str(tmp_path) not in str(raised.value)
    assert list(library.loaded.documents) == ["ecss-pakistan-iran-deescalation"]


def test_upload_over_the_size_limit_is_refused(hashing_embedder, tmp_path):
    from dataclasses import replace

    from ingest.pipeline import ingest
    from retrieval.answer import Answerer
    from retrieval.search import Retriever
    from cited.settings import Settings
    from ui.library import Library

    settings = replace(Settings.from_env(environ={}, index_dir=tmp_path / "index", model="hashing-256"), max_file_mb=0.001)
    ingest([str(ARTICLE)], replace(settings, max_file_mb=20), embedder=hashing_embedder)
    library = Library(settings, Answerer(Retriever.load(settings, hashing_embedder)))
    upload = tmp_path / "big.txt"
    upload.write_text("A sentence about teapots. " * 100)
    with pytest.raises(DocumentError, match="MB limit"):
        library.add_upload(upload)


def test_bundled_article_gets_its_own_examples(library):
    from ui.library import BUNDLED_EXAMPLES

    assert library.examples() == BUNDLED_EXAMPLES


@pytest.mark.parametrize("k", [0, -1, 51, 2.5, "5"])
def test_ask_rejects_a_bad_k(library, k):
    with pytest.raises(CitedError, match="k must be a whole number"):
        library.ask("Who wrote the article?", k=k)


def test_ask_accepts_a_slider_float_and_defaults(library):
    answer, _ = library.ask("Who wrote the article?", k=3.0, mode="", doc="")
    assert len(answer["passages"]) == 3 and answer["mode"] == "hybrid"


def test_a_cited_ingest_or_remove_elsewhere_reaches_the_running_app(library, hashing_settings, hashing_embedder, tmp_path):
    from dataclasses import replace

    from ingest.pipeline import ingest, remove_document

    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    ingest([str(notes)], hashing_settings, embedder=hashing_embedder)  # as `cited ingest` would
    answer, loaded = library.ask("Yixing clay teapots", doc="notes")
    assert {p["doc"] for p in answer["passages"]} == {"notes"}
    assert set(loaded.documents) == {"ecss-pakistan-iran-deescalation", "notes"}

    remove_document(hashing_settings, "notes")  # as `cited remove notes` would
    with pytest.raises(CitedError, match="notes"):
        library.ask("Yixing clay teapots", doc="notes")

    # Rebuilt with another model: not loadable here, so the app keeps answering from what it has.
    ingest([str(notes)], replace(hashing_settings, model="hashing-128"), rebuild=True)
    answer, loaded = library.ask("Who wrote the article?")
    assert answer["passages"] and set(loaded.documents) == {"ecss-pakistan-iran-deescalation"}


@pytest.mark.slow
def test_a_running_chat_answers_from_a_document_ingested_by_the_cli(article_settings, tmp_path):
    import shutil

    from gradio_client import Client

    index = tmp_path / "index"
    shutil.copytree(article_settings.index_dir, index)
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    with chat_server(index, tmp_path / "server.log") as url:
        client = Client(url, verbose=False)
        with pytest.raises(Exception, match="notes"):  # not there yet
            client.predict("Yixing clay teapots", doc="notes", api_name="/ask")
        environment = {k: v for k, v in os.environ.items() if not k.startswith("CITED_")}
        subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(notes), "--index", str(index), "--quiet"],
                       cwd=ROOT, env=environment, check=True, timeout=300)
        answer = client.predict("What are the best teapots made of?", doc="notes", api_name="/ask")
        assert "Yixing clay" in answer["answer"]
        assert {c["doc"] for c in answer["citations"]} == {"notes"}
