"""An OpenAI-compatible `POST /v1/chat/completions` (and `GET /v1/models`) on the chat server, so
any OpenAI client or chat front end (Open WebUI, …) can talk to cited as if it were a model.

The reply's content is the cited answer with its [n] markers; the whole answer — citations with
document, paragraph and offsets, sentences, passages, abstained — is in the extra top-level field
"cited" (of the response, or of the last chunk when streaming). The question is the last user
message; `k`, `mode` and `doc` may be sent as extra body fields. With `--auth USER:PASSWORD` the
API key must be "USER:PASSWORD"."""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Iterator

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute

from cited.library import Library
from retrieval.base.errors import BadApiRequest as BadRequest
from retrieval.base.errors import CitedError

MODEL = "cited"


def question_of(body) -> str:
    """The last user message's text (a string, or OpenAI's list of content parts)."""
    return conversation_of(body)[-1]


def conversation_of(body) -> list[str]:
    """The user messages' texts, oldest first: the last is the question, the others its history."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty list of {\"role\": …, \"content\": …} objects.")
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        raise BadRequest("No user message: the question is the last message with role 'user'.")
    texts = [_text_of(m) for m in users]
    if texts[-1] is None:
        raise BadRequest("The last user message has no text content.")
    return [t for t in texts[:-1] if t] + [texts[-1]]


def _text_of(message: dict) -> str | None:
    content = message.get("content")
    if isinstance(content, list):
        content = " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content if isinstance(content, str) else None


def _answer(library: Library, body: dict) -> dict:
    *history, question = conversation_of(body)  # earlier user turns: a follow-up is read with them
    return library.ask(question, k=body.get("k"), mode=body.get("mode") or None,
                       doc=body.get("doc") or None, history=history).to_json()


def _supported_sentences(answer: dict) -> list[str]:
    """With an LLM writer (cited chat --llm): only the sentences the check supports reach a client
    that reads the text alone; all of them, with verdicts, are under "cited"."""
    return [s["text"] for s in answer["written"]["sentences"] if s["supported"]]


def completion(library: Library, body: dict) -> dict:
    """A chat.completion object for the request body."""
    answer = _answer(library, body)
    content = " ".join(_supported_sentences(answer)) if answer["writer"] == "llm" else answer["answer"]
    return {
        "id": _id(), "object": "chat.completion", "created": int(time.time()), "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "cited": answer,
    }


def completion_chunks(library: Library, body: dict) -> Iterator[dict]:
    """chat.completion.chunk objects: the role, then the answer a sentence at a time, then a last
    chunk with finish_reason "stop" and the whole answer under "cited"."""
    answer = _answer(library, body)
    chunk_id, created = _id(), int(time.time())

    def chunk(delta: dict, finish: str | None = None, **extra) -> dict:
        return {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}

    yield chunk({"role": "assistant", "content": ""})
    if answer["writer"] == "llm":
        pieces = _supported_sentences(answer)
    else:
        pieces = [f"{s['text']} [{s['citation']}]" for s in answer["sentences"]] or [answer["answer"]]
    for i, piece in enumerate(pieces):
        yield chunk({"content": piece if i == 0 else " " + piece})
    yield chunk({}, "stop", cited=answer)


def routes(library: Library, auth: tuple[str, str] | None) -> list:
    """The FastAPI routes, handed to Gradio's app (launch(app_kwargs={"routes": …}))."""
    def refused(request: Request) -> JSONResponse | None:
        if auth is None:
            return None
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if secrets.compare_digest(given.encode(), f"{auth[0]}:{auth[1]}".encode()):
            return None
        return _error(401, "This cited server requires a login: use USER:PASSWORD (its --auth) as the API key.",
                      "invalid_api_key")

    async def chat_completions(request: Request):
        if (denied := refused(request)) is not None:
            return denied
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "The request body is not JSON.")
        if not isinstance(body, dict):
            return _error(400, "The request body must be a JSON object.")
        try:
            if body.get("stream"):
                chunks = await run_in_threadpool(lambda: list(completion_chunks(library, body)))
                return StreamingResponse(_sse(chunks), media_type="text/event-stream")
            return JSONResponse(await run_in_threadpool(completion, library, body))
        except CitedError as e:
            return _error(400, str(e))

    async def models(request: Request):
        if (denied := refused(request)) is not None:
            return denied
        return JSONResponse({"object": "list", "data": [
            {"id": MODEL, "object": "model", "created": 0, "owned_by": "cited"}]})

    return [
        APIRoute("/v1/chat/completions", chat_completions, methods=["POST"], include_in_schema=False),
        APIRoute("/v1/models", models, methods=["GET"], include_in_schema=False),
    ]


def _sse(chunks: list[dict]) -> Iterator[str]:
    for c in chunks:
        yield f"data: {json.dumps(c, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


def _error(status: int, message: str, code: str = "invalid_request") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error", "code": code}},
                        status_code=status)


def _id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]
