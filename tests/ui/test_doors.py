"""The doors other programs use, against a real `cited chat --mcp` subprocess: an MCP client (the
`mcp` package's) lists and calls the tools, and the `openai` package talks to the OpenAI-
compatible /v1/chat/completions as to a model. The request handling is also checked as plain
functions, without a server."""

from __future__ import annotations

import asyncio

import pytest

from eval.server import chat_server
from retrieval.base.errors import BadApiRequest
from ui.openai_api import completion, completion_chunks, conversation_of, question_of

ARTICLE_ID = "ecss-pakistan-iran-deescalation"


@pytest.fixture(scope="module")
def server(article_settings, tmp_path_factory):
    log = tmp_path_factory.mktemp("doors") / "server.log"
    with chat_server(article_settings.index_dir, log, "--mcp") as url:
        yield url


# --- MCP ---------------------------------------------------------------------------------------


async def _mcp(url: str, calls: list[tuple[str, dict]]):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async with streamablehttp_client(url + "/gradio_api/mcp/") as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            results = [await session.call_tool(name, arguments) for name, arguments in calls]
            return tools, results


def _json_of(result) -> object:
    """Gradio's MCP server sends a tool's dict or list as its Python text (str()), not as JSON."""
    import ast

    text = "".join(part.text for part in result.content if getattr(part, "type", "") == "text")
    return ast.literal_eval(text)


@pytest.mark.slow
def test_an_mcp_client_lists_and_calls_ask_and_search(server):
    tools, (asked, searched) = asyncio.run(_mcp(server, [
        ("ask", {"question": "Who wrote the article?"}),
        ("search", {"question": "Shiite population of Pakistan", "k": 2}),
    ]))
    by_name = {t.name: t for t in tools}
    assert {"ask", "search"} <= set(by_name)
    ask = by_name["ask"]
    assert "cited" in ask.description or "article" in ask.description
    assert {"question", "k", "mode", "doc"} <= set(ask.inputSchema["properties"])
    assert ask.inputSchema["properties"]["question"].get("description")

    answer = _json_of(asked)
    assert answer["answer"].startswith("Ali Atef") and answer["abstained"] is False
    (citation,) = answer["citations"]
    assert citation["doc"] == ARTICLE_ID and citation["text"] and citation["end"] > citation["start"]
    passages = _json_of(searched)
    assert len(passages) == 2 and passages[0]["rank"] == 1 and "Shiite" in passages[0]["text"]


@pytest.mark.slow
def test_check_is_an_api_endpoint_and_an_mcp_tool(server):
    from gradio_client import Client

    text = "The Therhi massacre took place on June 3, 1963. Iran has the best air force in the region."
    checked = Client(server, verbose=False).predict(text, "", api_name="/check")
    assert [s["verdict"] for s in checked["sentences"]] == ["supported", "unsupported"]
    assert "Therhi" in checked["sentences"][0]["support"]["text"]
    tools, (called,) = asyncio.run(_mcp(server, [("check", {"text": text})]))
    assert "check" in {t.name for t in tools}
    assert [s["verdict"] for s in _json_of(called)["sentences"]] == ["supported", "unsupported"]


# --- OpenAI-compatible ---------------------------------------------------------------------------


@pytest.mark.slow
def test_the_openai_client_gets_a_cited_answer(server):
    from openai import OpenAI

    client = OpenAI(base_url=server + "/v1", api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list()] == ["cited"]
    reply = client.chat.completions.create(
        model="cited", messages=[{"role": "system", "content": "Be brief."},
                                 {"role": "user", "content": "What share of Pakistan's population is Shiite?"}])
    content = reply.choices[0].message.content
    assert "10% to 15%" in content and "[1]" in content
    cited = reply.model_extra["cited"]
    assert cited["answer"] == content and cited["citations"][0]["doc"] == ARTICLE_ID

    stream = client.chat.completions.create(
        model="cited", stream=True, messages=[{"role": "user", "content": "Who wrote the article?"}])
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert streamed.startswith("Ali Atef") and chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["cited"]["answer"] == streamed


@pytest.mark.slow
def test_a_bad_request_is_a_400_with_a_one_line_message(server):
    from openai import BadRequestError, OpenAI

    client = OpenAI(base_url=server + "/v1", api_key="unused", max_retries=0)
    with pytest.raises(BadRequestError, match="The question is empty"):
        client.chat.completions.create(model="cited", messages=[{"role": "user", "content": "  "}])
    with pytest.raises(BadRequestError, match="k must be a whole number"):
        client.chat.completions.create(model="cited", messages=[{"role": "user", "content": "Who?"}],
                                       extra_body={"k": 0})


@pytest.mark.slow
def test_with_a_login_the_api_key_must_be_it(article_settings, tmp_path):
    from openai import AuthenticationError, OpenAI

    with chat_server(article_settings.index_dir, tmp_path / "server.log", "--auth", "reader:s3cret") as url:
        with pytest.raises(AuthenticationError, match="USER:PASSWORD"):
            OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0).chat.completions.create(
                model="cited", messages=[{"role": "user", "content": "Who wrote the article?"}])
        reply = OpenAI(base_url=url + "/v1", api_key="reader:s3cret", max_retries=0).chat.completions.create(
            model="cited", messages=[{"role": "user", "content": "Who wrote the article?"}])
        assert reply.choices[0].message.content.startswith("Ali Atef")


def test_mcp_is_refused_with_a_login(article_settings, capsys):
    from ui.cli import main

    code = main(["chat", "--mcp", "--auth", "a:b", "--index", str(article_settings.index_dir), "--no-browser"])
    assert code == 1 and "--mcp cannot be combined with --auth" in capsys.readouterr().err


# --- the same, as plain functions ------------------------------------------------------------------


@pytest.fixture(scope="module")
def library(article_settings, real_embedder):
    from cited.library import Library

    return Library(article_settings, real_embedder)


def test_the_question_is_the_last_user_message():
    body = {"messages": [{"role": "user", "content": "first"}, {"role": "assistant", "content": "x"},
                         {"role": "user", "content": [{"type": "text", "text": "Who"}, {"type": "text", "text": "wrote it?"}]}]}
    assert question_of(body) == "Who wrote it?"
    for bad in ({}, {"messages": []}, {"messages": [{"role": "system", "content": "hi"}]}, {"messages": "hi"}):
        with pytest.raises(BadApiRequest):
            question_of(bad)


def test_earlier_user_messages_are_the_follow_ups_history(library):
    body = {"messages": [{"role": "user", "content": "What were Pakistan's motives?"},
                         {"role": "assistant", "content": "1. Concerns Regarding Sectarian Unrest … [1]"},
                         {"role": "user", "content": "And Iran's?"}]}
    assert conversation_of(body) == ["What were Pakistan's motives?", "And Iran's?"]
    cited = completion(library, body)["cited"]
    assert cited["interpreted_as"] == "What were Iran's motives?"
    assert all(c["section"][0] == "II. Iran’s Motives" for c in cited["citations"])


def test_a_completion_and_its_chunks_carry_the_same_answer(library):
    body = {"messages": [{"role": "user", "content": "When are Pakistan's parliamentary elections?"}], "k": 3}
    whole = completion(library, body)
    chunks = list(completion_chunks(library, body))
    assert whole["object"] == "chat.completion" and whole["choices"][0]["finish_reason"] == "stop"
    assert len(whole["cited"]["passages"]) == 3
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == whole["choices"][0]["message"]["content"] == whole["cited"]["answer"]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["cited"]["citations"] == whole["cited"]["citations"]
