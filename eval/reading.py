"""`cited eval --reading [PATH]`: short answers and knowing when the article does not say, on
SQuAD 2.0 (questions the paragraph does not answer are `is_impossible`).

Two settings, per article and as a mean over articles:
- open book: each article ingested whole, through the real pipeline; every question goes through
  cited's answerer (retrieval, the reader, abstention) — what a user gets;
- gold paragraph: the reader alone on the question's own paragraph (best sentence, best span, or
  no answer below the threshold) — to tell the reader's errors from retrieval's.

Scores use SQuAD's official normalisation (lowercase; no punctuation, articles or extra spaces).
HasAns F1 counts a wrong abstention as 0; NoAns recall is the share of unanswerable questions
abstained on; precision, the share of abstentions that were right.

By default the articles are the public evaluation articles: those of the SQuAD (ExpMRC) file that
are in SQuAD 2.0 dev. `--articles FILE` (one title a line) picks others, e.g. training articles
held out for calibration (eval/README.md).
"""

from __future__ import annotations

import json
import re
import string
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eval.sets import DEFAULT_SQUAD
from eval.squad import per_article_settings
from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings

PUBLIC_ARTICLES = DEFAULT_SQUAD


# --- SQuAD's official scoring ----------------------------------------------------------------------


def normalize(text: str) -> str:
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def f1(prediction: str, gold: str) -> float:
    p, g = normalize(prediction).split(), normalize(gold).split()
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def exact(prediction: str, gold: str) -> float:
    return float(normalize(prediction) == normalize(gold))


@dataclass(frozen=True)
class Reading:
    """One question's outcome."""

    id: str
    question: str
    answerable: bool
    golds: tuple[str, ...]
    prediction: str  # "" = abstained
    whole: str = ""  # the whole answer shown, for the record

    @property
    def abstained(self) -> bool:
        return self.prediction == ""

    def f1(self) -> float:
        if not self.answerable:
            return float(self.abstained)
        return max((f1(self.prediction, g) for g in self.golds), default=0.0) if not self.abstained else 0.0

    def exact(self) -> float:
        if not self.answerable:
            return float(self.abstained)
        return max((exact(self.prediction, g) for g in self.golds), default=0.0) if not self.abstained else 0.0


def reading_figures(readings: list[Reading]) -> dict[str, float]:
    has = [r for r in readings if r.answerable]
    no = [r for r in readings if not r.answerable]
    abstained = [r for r in readings if r.abstained]
    return {
        "exact": _mean([r.exact() for r in readings]),
        "f1": _mean([r.f1() for r in readings]),
        "has_ans_exact": _mean([r.exact() for r in has]),
        "has_ans_f1": _mean([r.f1() for r in has]),
        "no_ans_recall": _mean([float(r.abstained) for r in no]),
        "no_ans_precision": _mean([float(not r.answerable) for r in abstained]),
        "false_abstain": _mean([float(r.abstained) for r in has]),
        "questions": len(readings), "has_ans": len(has), "no_ans": len(no),
    }


def _mean(values) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


# --- the data ----------------------------------------------------------------------------------------


def load_articles(path: Path, titles: set[str] | None) -> list[dict]:
    try:
        articles = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise CitedError(f"{path}: not a SQuAD-format JSON file ({type(e).__name__}).") from None
    if titles is not None:
        articles = [a for a in articles if a["title"] in titles]
    if not articles:
        raise CitedError(f"{path}: none of the articles asked for is in it.")
    return articles


# The titles of the 8 public evaluation articles (the ExpMRC file's), kept here so that a clone
# without ../shared still knows which SQuAD articles are never trained, tuned or calibrated on.
PUBLIC_TITLES = Path(__file__).resolve().parent / "sets" / "public_titles.txt"


def public_titles() -> set[str]:
    return set(PUBLIC_TITLES.read_text(encoding="utf-8").split("\n")) - {""}


def golds_of(qa: dict) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a["text"] for a in qa.get("answers", ())))


# --- the two settings -------------------------------------------------------------------------------


def each_article_indexed(articles: list[dict], settings: Settings):
    """(article, answerer) for each article, ingested alone through the real pipeline into a
    temporary index that lasts until the next article."""
    from cited.library import Library
    from eval.squad import article_text
    from retrieval.search.embed import load_embedder

    embedder = load_embedder(settings.model, settings.batch_size, settings.encoder_runtime)
    with tempfile.TemporaryDirectory(prefix="cited-reading-") as tmp:
        for i, article in enumerate(articles):
            source = Path(tmp) / f"{i:02d}.txt"
            source.write_text(article_text(article), encoding="utf-8")
            library = Library(per_article_settings(settings, Path(tmp), i), embedder)
            report = library.add(source, rebuild=True)
            if report.failed:
                raise report.failed[0]
            yield article, library.view().answerer


def open_book(articles: list[dict], settings: Settings, progress: bool = True,
              tutorial: bool = False) -> dict[str, list[Reading]]:
    """Each article ingested alone; every question through cited's answerer (or, with `tutorial`,
    through the tutorial baseline built from the same article)."""
    out: dict[str, list[Reading]] = {}
    for i, (article, answerer) in enumerate(each_article_indexed(articles, settings)):
        if tutorial:
            from eval.tutorial import tutorial_answerer

            answerer = tutorial_answerer(answerer)
        readings = []
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answer = answerer.ask(qa["question"], mode="dense" if tutorial else None)
                readings.append(Reading(qa["id"], qa["question"], not qa.get("is_impossible", False),
                                        golds_of(qa), prediction_of(answer), answer.text))
        out[article["title"]] = readings
        if progress:
            f = reading_figures(readings)
            print(f"[{i + 1}/{len(articles)}] {article['title']}: F1 {f['f1']:.3f}, HasAns F1 "
                  f"{f['has_ans_f1']:.3f}, NoAns recall {f['no_ans_recall']:.3f}", file=sys.stderr)
    return out


def prediction_of(answer) -> str:
    """What cited answered: "" when it abstained; the short answer when the reader marked one;
    else the whole first sentence (the answer a reader sees first)."""
    if answer.abstained:
        return ""
    if answer.short_answer is not None:
        return answer.short_answer.text
    return answer.sentences[0].text if answer.sentences else answer.text


def gold_paragraph(articles: list[dict], reader, thresholds: list[float]) -> list[dict[str, list[Reading]]]:
    """The reader alone on each question's own paragraph, read once, scored at each threshold
    (no answer when the best sentence's probability is below it)."""
    from ingest.chunking import split_sentences

    out: list[dict[str, list[Reading]]] = [{} for _ in thresholds]
    for article in articles:
        best_spans = []  # per question: (qa, probability of its best sentence, that sentence's span)
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            sentences = [context[s:e] for s, e in split_sentences(context)]
            for qa in paragraph["qas"]:
                spans = reader.read(qa["question"], sentences)
                best = max(range(len(spans)), key=lambda i: spans[i].probability)
                best_spans.append((qa, spans[best].probability, sentences[best][spans[best].start : spans[best].end]))
        for by_article, threshold in zip(out, thresholds):
            by_article[article["title"]] = [
                Reading(qa["id"], qa["question"], not qa.get("is_impossible", False), golds_of(qa),
                        text if probability >= threshold else "")
                for qa, probability, text in best_spans
            ]
    return out


def mean_over_articles(by_article: dict[str, list[Reading]]) -> dict[str, float]:
    per = [reading_figures(r) for r in by_article.values()]
    return {k: float(np.nanmean([f[k] for f in per])) for k in per[0]}


# --- `cited eval --reading` ---------------------------------------------------------------------------


COLUMNS = [
    ("exact", "EM"), ("f1", "F1"), ("has_ans_exact", "HasAns EM"), ("has_ans_f1", "HasAns F1"),
    ("no_ans_recall", "NoAns recall"), ("no_ans_precision", "NoAns prec"), ("false_abstain", "false abst"),
    ("questions", "questions"),
]


# What `cited eval --reading --calibrate`'s rule chose on the 4 held-out training articles
# (docs/evaluation.md): reported beside the defaults by `cited eval --reading`; not a default,
# since it abstains on a quarter of the article's answerable questions.
CHOSEN_ABSTAIN_BELOW = 0.45


def reading_articles(args) -> list[dict]:
    """The articles `cited eval --reading [--articles …]` reads."""
    path = Path(args.reading)
    if not path.exists():
        raise CitedError(f"{path}: no such file; give a SQuAD 2.0 JSON file with --reading PATH.")
    return load_articles(path, _titles(args.articles))


def run_reading(args, settings: Settings) -> int:
    from eval.report import print_table
    from retrieval.search.reader import reader_for

    articles = reading_articles(args)
    settings_reader = settings.reader or "bundled"
    table: dict[str, dict] = {}
    outcomes: dict[str, dict[str, list[Reading]]] = {}
    if not args.no_reader_baseline:
        outcomes["open book, tutorial"] = open_book(articles, replace(settings, reader=""), not args.json, tutorial=True)
        outcomes["open book, no reader"] = open_book(articles, replace(settings, reader=""), not args.json)
    with_reader = replace(settings, reader=settings_reader)
    outcomes["open book, reader"] = open_book(articles, with_reader, not args.json)
    if with_reader.short_answers_for != "all":  # the reader's own F1: a span for every question
        outcomes["open book, reader, a span for every question"] = open_book(
            articles, replace(with_reader, short_answers_for="all"), not args.json)
    abstain = settings.reader_abstain_below
    if abstain is None:  # also the reader abstaining, at the threshold calibration chose
        abstain = CHOSEN_ABSTAIN_BELOW
        outcomes[f"open book, reader abstaining < {abstain}"] = open_book(
            articles, replace(with_reader, reader_abstain_below=abstain), not args.json)
    reader = reader_for(settings_reader, settings.encoder_runtime)
    never, abstaining = gold_paragraph(articles, reader, [0.0, abstain])
    outcomes["gold paragraph, reader"] = never
    outcomes[f"gold paragraph, reader abstaining < {abstain}"] = abstaining
    for name, by_article in outcomes.items():
        table[name] = mean_over_articles(by_article)
    if args.json:
        print(json.dumps({"mean": table, "articles": {
            name: {title: reading_figures(r) for title, r in by_article.items()} for name, by_article in outcomes.items()
        }}, indent=2))
    else:
        for name, by_article in outcomes.items():
            print_table({t: reading_figures(r) for t, r in by_article.items()}, title=f"\n{name}", columns=COLUMNS)
        print_table(table, title=f"\nMean over {len(articles)} articles", columns=COLUMNS)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "readings.jsonl", "w", encoding="utf-8") as f:
            for name, by_article in outcomes.items():
                for title, readings in by_article.items():
                    for r in readings:
                        f.write(json.dumps({"setting": name, "article": title, **r.__dict__,
                                            "f1": r.f1()}, ensure_ascii=False) + "\n")
    return 0


def _titles(articles: str | None) -> set[str] | None:
    if articles in (None, "public"):
        return public_titles()
    if articles == "all":
        return None
    try:
        return {line.strip() for line in Path(articles).read_text(encoding="utf-8").splitlines() if line.strip()}
    except OSError as e:
        raise CitedError(f"{articles}: cannot read the list of article titles ({e.strerror}).") from None
