"""`cited eval --canard [PATH]`: how cited reads a follow-up, against the standalone rewrites people
wrote for CANARD's test part (QuAC dialogues about Wikipedia sections; CC BY-SA 4.0).

Each line of test.txt is a dialogue's history (the Wikipedia title, the section's title, then
question, answer, question, answer …), the follow-up question, and a person's rewrite of it
(dev.json holds the same as JSON). cited reads the follow-up from the earlier questions and the
title of the document, as the chat does (retrieval/answer/followup.standalone: the title is the
`subject` "he"/"she" stand for); it never sees the answers or the rewrite. Three readings:
- **as written**: the question itself (the baseline: no reading at all);
- **without the title**: followup.standalone(question, earlier questions);
- **cited's reading**: the same with the Wikipedia title as the document's title.
How the title is used was chosen on dev.json, never on test.txt (docs/evaluation.md).

Scored as the conversation set scores readings (eval/conversations.rewrite_is_right): right when its
content words equal the rewrite's; and the content words' F1 against the rewrite. Both over every
question, and over those whose rewrite differs from the question (the ones that need reading).
Nothing here is trained or tuned on CANARD: this is a measurement of the rules as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

from eval.conversations import content_words, rewrite_is_right
from retrieval.answer.followup import standalone
from retrieval.base.errors import CitedError

READINGS = ("as written", "without the title", "cited's reading")


def load_canard(path: Path) -> list[tuple[str, list[str], str, str]]:
    """(title, earlier questions, question, rewrite) per line of CANARD's test.txt, or per record
    of its dev.json."""
    if not path.is_file():
        raise CitedError(f"{path}: no such file; --canard reads CANARD's test.txt (tab-separated history, "
                         "question, rewrite), e.g. ../shared/training/canard/test.txt, or its dev.json.")
    if path.suffix == ".json":
        try:
            return [(r["History"][0], r["History"][2::2], r["Question"], r["Rewrite"])
                    for r in json.loads(path.read_text(encoding="utf-8"))]
        except (ValueError, KeyError, TypeError, IndexError):
            raise CitedError(f"{path}: not CANARD's JSON (records with History, Question and Rewrite).") from None
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split("\t")
        if len(fields) < 4:
            raise CitedError(f"{path}:{n}: expected the title, section, history, question and rewrite, "
                             f"tab-separated; found {len(fields)} fields.")
        history, question, rewrite = fields[:-2], fields[-2], fields[-1]
        rows.append((history[0], history[2::2], question, rewrite))
    return rows


def f1(reading: str, rewrite: str) -> float:
    got, wanted = content_words(reading), content_words(rewrite)
    if not got or not wanted:
        return float(got == wanted)
    common = len(got & wanted)
    return 0.0 if not common else 2 * common / (len(got) + len(wanted))


def canard_figures(rows: list[tuple[str, list[str], str, str]]) -> dict:
    scored = {name: [] for name in READINGS}
    for title, earlier, question, rewrite in rows:
        needs = content_words(question) != content_words(rewrite)
        readings = (question, standalone(question, earlier), standalone(question, earlier, subject=title))
        for name, reading in zip(READINGS, readings):
            scored[name].append((needs, rewrite_is_right(reading, (rewrite,)), f1(reading, rewrite),
                                 reading != question))
    out = {}
    for name, marks in scored.items():
        needing = [m for m in marks if m[0]]
        out[name] = {
            "rewrite_accuracy": sum(m[1] for m in marks) / len(marks),
            "content_f1": sum(m[2] for m in marks) / len(marks),
            "rewrite_accuracy_where_needed": sum(m[1] for m in needing) / max(len(needing), 1),
            "content_f1_where_needed": sum(m[2] for m in needing) / max(len(needing), 1),
            "changed": sum(m[3] for m in marks) / len(marks),
            "questions": len(marks), "needing_a_reading": len(needing),
        }
    return out


def run_canard(args, settings) -> int:
    rows = load_canard(Path(args.canard))[: args.limit or None]
    figures = canard_figures(rows)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    first = figures[READINGS[0]]
    print(f"CANARD {Path(args.canard).name}: {first['questions']:,} follow-ups, {first['needing_a_reading']:,} whose rewrite differs\n")
    print("| reading | rewrite acc | content F1 | rewrite acc where needed | F1 where needed | changed |")
    print("|---|---|---|---|---|---|")
    for name, r in figures.items():
        print(f"| {name} | {r['rewrite_accuracy']:.3f} | {r['content_f1']:.3f} | {r['rewrite_accuracy_where_needed']:.3f} "
              f"| {r['content_f1_where_needed']:.3f} | {r['changed']:.3f} |")
    return 0
