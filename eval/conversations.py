"""The conversation eval: follow-up questions asked in their conversations.

`eval/sets/conversations.jsonl` holds one turn per line (id, conversation, turn, question,
standalone rewrites, gold quotes, acceptable answers, answerable). Each conversation is asked in
order three ways, side by side:
- **with history**: each turn sees the questions before it (what `cited ask --chat` does);
- **without history**: each turn asked alone (cited before follow-ups were read);
- **gold rewrite**: each turn asked as its written standalone question (the ceiling for reading).

Scored per turn: correct (an answerable turn answered with an acceptable string, an unanswerable
one abstained on); and, with history, whether the standalone reading is right: its content words
(lowercased, without function words, plural "s" dropped) equal those of a written rewrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from eval.gold import answer_is_correct, read_jsonl

SETTINGS = ("with history", "without history", "gold rewrite")
_STOP = {"the", "a", "an", "of", "in", "on", "to", "for", "by", "with", "and", "or", "is", "are", "was", "were",
         "do", "does", "did", "be", "that", "this", "it", "its", "their", "they", "s", "what", "who", "which",
         "when", "where", "why", "how", "has", "have", "had", "about"}


@dataclass(frozen=True)
class Turn:
    id: str
    conversation: str
    question: str
    standalone: tuple[str, ...]
    answer: tuple[str, ...]
    answerable: bool


def load_conversations(path: Path) -> list[list[Turn]]:
    def turn(r: dict) -> Turn:
        return Turn(str(r["id"]), str(r["conversation"]), r["question"], tuple(r["standalone"]),
                    tuple(r.get("answer", ())), bool(r.get("answerable", True)))

    conversations: dict[str, list[Turn]] = {}
    for t in read_jsonl(path, turn, "the conversation set", "a conversation turn"):
        conversations.setdefault(t.conversation, []).append(t)
    return list(conversations.values())


def content_words(question: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", question.lower().replace("’", "'").replace("'s", ""))
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in _STOP)


def rewrite_is_right(reading: str, written: tuple[str, ...]) -> bool:
    return any(content_words(reading) == content_words(w) for w in written)


def run_conversations(library, conversations: list[list[Turn]], k: int = 5) -> dict[str, list[dict]]:
    """Each setting → one record per turn: id, question, reading, answer, correct, rewrite_right."""
    out: dict[str, list[dict]] = {s: [] for s in SETTINGS}
    for turns in conversations:
        asked: list[str] = []
        for turn in turns:
            for setting in SETTINGS:
                if setting == "with history":
                    answer = library.ask(turn.question, k=k, history=list(asked))
                elif setting == "without history":
                    answer = library.ask(turn.question, k=k)
                else:
                    answer = library.ask(turn.standalone[0], k=k)
                reading = answer.interpreted_as or answer.question
                correct = (not answer.abstained and answer_is_correct(answer.text, turn.answer)) \
                    if turn.answerable else answer.abstained
                out[setting].append({
                    "id": turn.id, "conversation": turn.conversation, "question": turn.question, "reading": reading,
                    "answerable": turn.answerable, "follow_up": bool(asked), "abstained": answer.abstained,
                    "correct": correct, "rewrite_right": rewrite_is_right(reading, turn.standalone),
                    "answer": answer.text,
                })
            asked.append(turn.question)
    return out


def conversation_figures(records: list[dict], setting: str) -> dict[str, float]:
    def share(rows, key):
        return sum(r[key] for r in rows) / len(rows) if rows else float("nan")

    follow = [r for r in records if r["follow_up"]]
    figures = {
        "turn_accuracy": share(records, "correct"),
        "follow_up_accuracy": share(follow, "correct"),
        "answer_accuracy": share([r for r in records if r["answerable"]], "correct"),
        "abstain_recall": share([r for r in records if not r["answerable"]], "correct"),
        "turns": len(records),
    }
    if setting == "with history":
        figures["rewrite_accuracy"] = share(follow, "rewrite_right")
    return figures


COLUMNS = [("turn_accuracy", "turn acc"), ("follow_up_accuracy", "follow-up acc"), ("answer_accuracy", "answer acc"),
           ("abstain_recall", "abstain"), ("rewrite_accuracy", "rewrite acc"), ("turns", "turns")]


def run_conversation_eval(library, path: Path, k: int, as_json: bool) -> dict[str, dict]:
    from eval.report import print_table

    conversations = load_conversations(path)
    records = run_conversations(library, conversations, k)
    table = {setting: conversation_figures(rows, setting) for setting, rows in records.items()}
    if not as_json:
        turns = sum(len(c) for c in conversations)
        print_table(table, title=f"\n{Path(path).name}: {len(conversations)} conversations, {turns} turns, k={k} "
                                 "(rewrite accuracy over follow-up turns)", columns=COLUMNS)
    return {"table": table, "records": records}
