"""The doors other programs use, on the chat server: `/ask`, `/search` and `/check` (Gradio's API,
read by gradio_client) — which are also the MCP server's tools when `cited chat --mcp` is on. Their
signatures and docstrings are what an agent sees: Gradio turns them into the tools' schemas."""

from __future__ import annotations

from collections.abc import Callable

from cited.library import Library
from retrieval.base.errors import CitedError
from ui.gradio_lib import gr


def api_functions(library: Library) -> tuple[Callable[..., dict], Callable[..., list[dict]], Callable[..., dict]]:
    """The `ask`, `search` and `check` endpoints over this library."""
    default_k, default_mode = library.settings.k, library.settings.mode

    def ask(question: str, k: int = default_k, mode: str = default_mode, doc: str = "",
            history: list[str] | None = None) -> dict:
        """Answer a question from the indexed article(s) with the article's own sentences, each cited to the paragraph it comes from, or say that the article does not say.

        Args:
            question: The question, in plain language, e.g. "Who wrote the article?".
            k: How many passages to retrieve before answering (1 to 50; default 5).
            mode: Retrieval mode: "hybrid" (default; meaning and words), "dense" (meaning) or "bm25" (words).
            doc: A document id to ask only that document (see the app's document list); empty for all.
            history: The conversation's earlier questions, oldest first, so that a follow-up ("And Iran's?") is read as the question it stands for; empty or omitted for a question on its own.

        Returns:
            The answer as JSON: "answer" (text with [n] markers), "abstained" (true when the article does not say), "interpreted_as" (a follow-up as read on its own, or null), "citations" (for each n: doc, paragraph, start and end character offsets, text, score), "sentences", "passages" and, for an abstention, "abstention" (its reason, the "not_said" sentence and the "closest" sentence, not an answer).
        """
        if history is not None and (not isinstance(history, list) or not all(isinstance(h, str) for h in history)):
            raise gr.Error("history must be a list of the earlier questions (strings), oldest first.",
                           print_exception=False)
        try:
            return library.ask(question, k=k, mode=mode or None, doc=doc or None, history=history or ()).to_json()
        except CitedError as e:
            raise gr.Error(str(e), print_exception=False) from None

    def search(question: str, k: int = default_k, mode: str = default_mode, doc: str = "") -> list[dict]:
        """Find the passages of the indexed article(s) that best match a question, ranked, each with its citation.

        Args:
            question: What to look for, in plain language.
            k: How many passages to return (1 to 50; default 5).
            mode: Retrieval mode: "hybrid" (default), "dense" or "bm25".
            doc: A document id to search only that document; empty for all.

        Returns:
            The passages, best first: doc, paragraph, start and end character offsets into the document's clean text, text, score, rank, section, page.
        """
        try:
            return [p.citation() for p in library.search(question, k=k, mode=mode or None, doc=doc or None)]
        except CitedError as e:
            raise gr.Error(str(e), print_exception=False) from None

    def check(text: str, doc: str = "") -> dict:
        """Check a text (an AI's summary of the article, a quote, a claim) against the indexed article(s), sentence by sentence: each is supported by a sentence of the article (said in any words), contradicted by one, or not in the article.

        Args:
            text: The text to check, one or more sentences (up to 20,000 characters by default).
            doc: A document id to check against that document only; empty for all.

        Returns:
            {"sentences": [{"text", "verdict" ("supported", "contradicted" or "unsupported"), "supported", "reason", "support" (the article's sentence that decides it: doc, paragraph, start and end character offsets, text), "attributed"}], "counts"}.
        """
        try:
            return library.check(text, doc=doc or None).to_json()
        except CitedError as e:
            raise gr.Error(str(e), print_exception=False) from None

    return ask, search, check

