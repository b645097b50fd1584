"""Eval questions and where their gold evidence lies. Relevance is judged by character spans, so
an eval set stays valid whatever the chunking: a passage is relevant when it overlaps a gold span."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.base.errors import CitedError


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    gold: tuple[str, ...] = ()  # verbatim quotes from the document
    answer: tuple[str, ...] = ()  # acceptable answer strings (case-insensitive containment)
    answerable: bool = True
    doc: str | None = None  # restrict to one document (SQuAD: the article's own index)
    evidence: tuple[str, ...] = ()  # SQuAD/ExpMRC evidence sentences
    gold_spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)  # known spans, if any


def read_jsonl(path: Path, make, file_kind: str, line_kind: str) -> list:
    """`make(record)` for each non-blank line of a JSONL file; a file that cannot be read, or a line
    that is not JSON or not the record `make` expects, is one CitedError naming the file (and line)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise CitedError(f"{path}: cannot read {file_kind} ({e}).") from None
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(make(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise CitedError(f"{path}:{number}: not {line_kind} ({type(e).__name__}: {e}).") from None
    return out


def load_eval_set(path: Path) -> list[EvalQuestion]:
    def question(r: dict) -> EvalQuestion:
        return EvalQuestion(
            id=str(r["id"]), question=r["question"], gold=tuple(r.get("gold", ())),
            answer=tuple(r.get("answer", ())), answerable=bool(r.get("answerable", True)), doc=r.get("doc"),
        )

    return read_jsonl(path, question, "the eval set", "an eval question")


def find_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where a quote lies in a text, allowing for any difference in white space."""
    words = quote.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def answer_is_correct(answer_text: str, acceptable: tuple[str, ...]) -> bool:
    norm = " ".join(answer_text.lower().split())
    return any(" ".join(a.lower().split()) in norm for a in acceptable)
