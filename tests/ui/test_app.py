"""The chat app's server side: the /ask API through gradio_client against a real `cited chat`
subprocess, login, and the shared Library (uploads, examples, input checks)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from eval.server import ROOT, chat_server, chat_server_process, child_environment
from retrieval.base.errors import CitedError, EmptyQuestion
from tests.cited.test_library import NOTES

QUESTIONS = [
    "Who wrote the article?",
    "What share of Pakistan's population is Shiite?",
    "When are Pakistan's parliamentary elections?",
    "What is the boiling point of water?",
]


# --- the API, against a real server -----------------------------------------------------------


@pytest.fixture(scope="module")
def running(article_settings, tmp_path_factory):
    log = tmp_path_factory.mktemp("chat-server") / "server.log"
    with chat_server_process(article_settings.index_dir, log) as (url, process):
        yield url, process


@pytest.fixture(scope="module")
def server(running):
    return running[0]


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


@pytest.mark.slow
def test_ask_returns_the_json_of_cited_ask(client, article_settings, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"id": i, "question": q}) + "\n" for i, q in enumerate(QUESTIONS)))
    environment = child_environment()
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
    assert abstained["abstained"] and abstained["answer"].startswith("The article does not say")


@pytest.mark.slow
def test_ask_takes_optional_k_mode_and_doc(client):
    got = client.predict("Who wrote the article?", k=2, mode="bm25", doc="ecss-pakistan-iran-deescalation",
                         api_name="/ask")
    assert got["mode"] == "bm25"
    assert len(got["passages"]) == 2
    assert {p["doc"] for p in got["passages"]} == {"ecss-pakistan-iran-deescalation"}


@pytest.mark.slow
def test_ask_search_and_check_are_the_only_documented_endpoints_and_only_the_question_is_required(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/ask", "/search", "/check"]
    check = {p["parameter_name"]: p for p in endpoints.pop("/check")["parameters"]}
    assert list(check) == ["text", "doc"] and not check["text"]["parameter_has_default"]
    for endpoint in endpoints.values():
        parameters = {p["parameter_name"]: p for p in endpoint["parameters"]}
        expected = ["question", "k", "mode", "doc"] + (["history"] if endpoint is endpoints["/ask"] else [])
        assert list(parameters) == expected
        assert not parameters["question"]["parameter_has_default"]
        assert parameters["k"]["parameter_default"] == 5
        assert parameters["mode"]["parameter_default"] == "hybrid"
        assert parameters["doc"]["parameter_default"] == ""
    assert endpoints["/ask"]["parameters"][-1]["parameter_default"] is None


@pytest.mark.slow
def test_ask_reads_a_follow_up_with_the_history_it_is_given(client):
    alone = client.predict("And Iran's?", api_name="/ask")
    assert alone["interpreted_as"] is None
    followed = client.predict("And Iran's?", history=["What were Pakistan's motives?"], api_name="/ask")
    assert followed["question"] == "And Iran's?" and followed["interpreted_as"] == "What were Iran's motives?"
    assert "Incapability of Iran to Simultaneously Open Multiple Fronts" in followed["answer"]
    assert all(c["section"][0] == "II. Iran’s Motives" for c in followed["citations"])


@pytest.mark.slow
def test_search_returns_the_passages_of_cited_ask(client):
    passages = client.predict("What share of Pakistan's population is Shiite?", k=3, api_name="/search")
    answer = client.predict("What share of Pakistan's population is Shiite?", k=3, api_name="/ask")
    assert passages == answer["passages"] and [p["rank"] for p in passages] == [1, 2, 3]


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
def test_the_server_never_loads_what_its_app_does_not_use(running, client):
    """Gradio would import matplotlib at every request and pandas would import pyarrow: 62 MB of
    the chat server's memory that cited's app never uses (ui/gradio_lib.py)."""
    client.predict(QUESTIONS[0], api_name="/ask")
    with open(f"/proc/{running[1].pid}/maps") as maps:
        loaded = maps.read()
    assert "onnxruntime" in loaded  # the server's own libraries are there
    assert "matplotlib" not in loaded and "pyarrow" not in loaded


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
        environment = child_environment()
        subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(notes), "--index", str(index), "--quiet"],
                       cwd=ROOT, env=environment, check=True, timeout=300)
        answer = client.predict("What are the best teapots made of?", doc="notes", api_name="/ask")
        assert "Yixing clay" in answer["answer"]
        assert {c["doc"] for c in answer["citations"]} == {"notes"}
