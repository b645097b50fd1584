"""`cited eval --reading --calibrate --articles FILE`: the reader's two thresholds, chosen once on
training articles held out from the reader's training (never on the evaluation articles).

One open-book run with the reader never abstaining and always marking its span records, per
question, the reader's best probability over the candidate sentences and the short answer with
its probability; every pair of thresholds is then scored from that record:
- reader_abstain_below: abstain when no candidate sentence reaches it;
- short_answer_above: show the span only when its sentence reaches it (else the whole sentence).
The first rule for abstention, fixed before any figure was seen: among the pairs that abstain on
at most 10% of the answerable questions, the best overall F1 (answerable and unanswerable questions
alike, as SQuAD 2.0 scores them). It chose 0.45, which abstained on a quarter of the bundled
article's answerable questions, so it never became a default. The trade-off curve (NoAns recall
against HasAns F1) is printed and plotted.

SQuAD 2.0's unanswerable questions are written to look answerable by their own paragraph; the
questions a reader of an article asks that it does not answer are mostly about its topic but not
in it ("How many people died in the strikes?"). So calibration also asks those: each article is
split into two halves (alternate paragraphs), and each half is asked the other half's answerable
questions whose answers it holds nowhere (`topical`). The product's rule, fixed before these
figures were seen: the highest threshold that abstains on at most 5% of the answerable questions
(the article's target for false abstention), mean over the articles.

The first run showed the reader doubting the bundled article's paraphrased questions about three
times as often as SQuAD's (at 0.30: 13.7% of the article's answerable questions against 4.6% of
the held-out ones; at 0.10, 3.9% against 1.2%). That factor was seen on the article's eval set,
so the product's rule now divides the article's 5% target by it: the highest threshold abstaining
on at most 5% / 3 of the held-out articles' answerable questions. It chose 0.15.

F1 rewards a span over a whole sentence whatever the reader's confidence, so that rule shows a
span always. What a reader sees first must be right, so the short answer shown in the product
has a rule of its own. The first one, fixed before its figures were seen (at least 80% of the
short answers shown right, one given to an unanswerable question counting as wrong), no threshold
met: half of SQuAD 2.0's questions are unanswerable ones written to look answerable, which
retrieval answers with a sentence, span or no span. The short answer is a mark inside the
answer's sentence, so the rule now asks what the mark adds: of the answered questions whose first
sentence holds a gold answer, at least 80% get a right span (F1 >= 0.5), per kind of question:
those naming the kind of answer they want (who, when, how many, which country …:
retrieval/answer/answer_type.py) and the others. The same questions' marked sentences are read again
under each span length penalty (span_length_sweep), each article left out in turn."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eval.reading import Reading, f1, golds_of, normalize, reading_figures
from retrieval.answer.answer_type import expected_type
from retrieval.base.settings import Settings

ABSTAIN_GRID = [None] + [round(x, 2) for x in np.arange(0.05, 0.96, 0.05)]
SHORT_GRID = [round(x, 2) for x in np.arange(0.0, 0.96, 0.05)]


@dataclass(frozen=True)
class Raw:
    id: str
    question: str
    answerable: bool
    golds: tuple[str, ...]
    abstained: bool  # by retrieval's own rule (before the reader)
    best_p: float | None  # the reader's best probability over the candidates
    short: str | None
    short_p: float
    first_sentence: str
    topical: bool = False  # answerable elsewhere in its article, asked of a half that does not hold it
    support: float = 0.0  # retrieval's: the best candidate sentence's dense similarity
    marked_sentence: str = ""  # the answer's sentence the short answer was marked in

    def reading(self, abstain_below: float | None, short_above: float) -> Reading:
        if self.abstained or (abstain_below is not None and self.best_p is not None and self.best_p < abstain_below):
            prediction = ""
        elif self.short is not None and self.short_p >= short_above:
            prediction = self.short
        else:
            prediction = self.first_sentence
        return Reading(self.id, self.question, self.answerable, self.golds, prediction)


def topical_halves(article: dict) -> list[dict]:
    """Two articles made of one's alternate paragraphs, each asked the other half's answerable
    questions whose answers it holds nowhere: questions on its topic that it does not answer."""
    halves = []
    for k in (0, 1):
        mine, other = article["paragraphs"][k::2], article["paragraphs"][1 - k :: 2]
        text = normalize(" ".join(p["context"] for p in mine))
        asked = [{"id": f"{q['id']}/half{k + 1}", "question": q["question"], "is_impossible": True, "answers": [],
                  "topical": True}
                 for p in other for q in p["qas"]
                 if not q.get("is_impossible") and q["answers"]
                 and not any(normalize(a["text"]) in text for a in q["answers"])]
        if not asked:
            continue
        paragraphs = [{"context": p["context"], "qas": []} for p in mine]
        paragraphs[0]["qas"] = asked
        halves.append({"title": f"{article['title']} (half {k + 1})", "paragraphs": paragraphs})
    return halves


def record(articles: list[dict], settings: Settings, progress: bool = True,
           topical: bool = True) -> dict[str, list[Raw]]:
    """Each article whole (its own questions), then, with `topical`, each of its halves."""
    from eval.reading import each_article_indexed

    if topical:
        articles = list(articles) + [half for a in articles for half in topical_halves(a)]

    # Abstaining below 0 never abstains, but makes the reader read every candidate sentence.
    raw_settings = replace(settings, reader=settings.reader or "bundled", reader_abstain_below=0.0,
                           short_answer_above=0.0, short_answers_for="all")
    out: dict[str, list[Raw]] = {}
    for i, (article, view) in enumerate(each_article_indexed(articles, raw_settings)):
        rows = []
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                a = view.ask(qa["question"])
                short = a.short_answer
                marked = next((s.text for s in a.sentences if short and s.doc == short.doc
                               and s.start <= short.start and short.end <= s.end), "")
                rows.append(Raw(
                    qa["id"], qa["question"], not qa.get("is_impossible", False), golds_of(qa), a.abstained,
                    None if a.no_answer_score is None else 1.0 - a.no_answer_score,
                    short.text if short else None, short.probability if short else 0.0,
                    a.sentences[0].text if a.sentences else "", bool(qa.get("topical")), a.support, marked,
                ))
        out[article["title"]] = rows
        if progress:
            print(f"[{i + 1}/{len(articles)}] {article['title']}: {len(rows)} questions", file=sys.stderr)
    return out


def whole(raw: dict[str, list[Raw]]) -> dict[str, list[Raw]]:
    """The whole articles' records (SQuAD's own questions), without the halves'."""
    return {title: rs for title, rs in raw.items() if not any(r.topical for r in rs)}


def topical_recall(raw: dict[str, list[Raw]]) -> dict[float | None, float]:
    """For each abstention threshold: the share of the halves' topical questions abstained on
    (mean over the halves)."""
    halves = [rs for rs in raw.values() if rs and all(r.topical for r in rs)]
    return {a: float(np.mean([np.mean([r.reading(a, 0.0).abstained for r in rs]) for rs in halves]))
            if halves else float("nan") for a in ABSTAIN_GRID}


# The article's target for false abstention, over how much more often the reader doubts a
# reader's paraphrased question than SQuAD's (3x, seen on the article's eval set; module docstring).
PRODUCT_MAX_FALSE_ABSTAIN = 0.05 / 3


def choose_product(curve: list[dict]) -> dict | None:
    """The highest abstention threshold with false abstention <= 5% / 3 (None: the reader never abstains)."""
    allowed = [r for r in curve if r["reader_abstain_below"] is not None
               and r["false_abstain"] <= PRODUCT_MAX_FALSE_ABSTAIN]
    return max(allowed, key=lambda r: r["reader_abstain_below"]) if allowed else None


def sweep(raw: dict[str, list[Raw]]) -> list[dict]:
    """Every pair of thresholds, with the mean over the whole articles of each figure."""
    raw = whole(raw)
    rows = []
    for abstain in ABSTAIN_GRID:
        for short in SHORT_GRID:
            per = [reading_figures([r.reading(abstain, short) for r in rs]) for rs in raw.values()]
            mean = {k: float(np.nanmean([f[k] for f in per])) for k in per[0]}
            rows.append({"reader_abstain_below": abstain, "short_answer_above": short, **mean})
    return rows


MAX_FALSE_ABSTAIN = 0.10


def choose(rows: list[dict]) -> dict:
    allowed = [r for r in rows if r["false_abstain"] <= MAX_FALSE_ABSTAIN] or rows
    return max(allowed, key=lambda r: (round(r["f1"], 6), -(r["reader_abstain_below"] or 0)))


SHOWN_PRECISION = 0.80
KINDS = ("typed", "other")


def kind_of(question: str) -> str:
    return "typed" if expected_type(question) is not None else "other"


def _right(r: Raw) -> bool:
    return r.answerable and r.short is not None and max((f1(r.short, g) for g in r.golds), default=0.0) >= 0.5


def short_precision(raw: dict[str, list[Raw]], abstain_below: float | None = None) -> list[dict]:
    """For each threshold on the span's sentence probability and each kind of question: of the
    answered questions whose first sentence holds a gold answer, the share given a right span
    (`right_<kind>`, with `held_<kind>` such questions); and, as the first rule counted it, the
    share of all spans shown that are right (`precision`, pooled; unanswerable questions count)."""
    answered = [r for rs in whole(raw).values() for r in rs if not r.reading(abstain_below, 0.0).abstained
                and r.short is not None]
    held = [r for r in answered if r.answerable
            and any(normalize(g) in normalize(r.first_sentence) for g in r.golds)]
    out = []
    for t in SHORT_GRID:
        shown = [r for r in answered if r.short_p >= t]
        row = {"short_answer_above": t, "shown": len(shown),
               "precision": sum(map(_right, shown)) / len(shown) if shown else float("nan")}
        for kind in KINDS:
            mine = [r for r in held if kind_of(r.question) == kind]
            row[f"held_{kind}"] = len(mine)
            row[f"right_{kind}"] = (sum(_right(r) for r in mine if r.short_p >= t) / len(mine)
                                    if mine else float("nan"))
        out.append(row)
    return out


LENGTH_PENALTY_GRID = (0.0, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)


def span_length_sweep(raw: dict[str, list[Raw]], reader, abstain_below: float | None = None) -> dict:
    """The reader's span length penalty (retrieval/search/reader.py: SPAN_LENGTH_PENALTY): the answered
    questions whose first sentence holds a gold answer have their marked sentence read again under
    each penalty, the span chosen as the answerer chooses it (the best of the kind asked; never the
    whole sentence). Per penalty, the share given a right span per kind; and, each article left out
    in turn, the penalty the others choose (the most right spans overall, the smallest on a tie)
    with the left-out article's figures under it."""
    from retrieval.answer.reading import marked_span

    held = [(title, r) for title, rs in whole(raw).items() for r in rs
            if not r.reading(abstain_below, 0.0).abstained and r.short is not None and r.answerable
            and r.marked_sentence and any(normalize(g) in normalize(r.first_sentence) for g in r.golds)]
    right: dict[float, list[tuple[str, str, bool]]] = {}
    for penalty in LENGTH_PENALTY_GRID:
        right[penalty] = []
        for title, r in held:
            reading = reader.read(r.question, [r.marked_sentence], length_penalty=penalty)[0]
            span = marked_span(r.marked_sentence, reading, expected_type(r.question), r.question)
            ok = span is not None and max((f1(r.marked_sentence[span[0]:span[1]], g) for g in r.golds),
                                          default=0.0) >= 0.5
            right[penalty].append((title, kind_of(r.question), ok))

    def shares(marks: list[tuple[str, str, bool]]) -> dict[str, float]:
        return {kind: float(np.mean([ok for _, k, ok in marks if k == kind])) if any(k == kind for _, k, _ in marks)
                else float("nan") for kind in KINDS}

    def best(titles: set[str]) -> float:
        """The penalty giving these articles the most right spans, the smallest on a tie."""
        return max(LENGTH_PENALTY_GRID, key=lambda p: (np.mean([ok for t, _, ok in right[p] if t in titles]), -p))

    titles = {t for t, _ in held}
    left_out, pooled = {}, []
    for title in sorted(titles):
        left_out[title] = best(titles - {title})
        pooled += [m for m in right[left_out[title]] if m[0] == title]
    return {"rows": [{"length_penalty": p, **{f"right_{k}": v for k, v in shares(right[p]).items()}}
                     for p in LENGTH_PENALTY_GRID],
            "chosen": best(titles) if titles else None,
            "chosen_with_each_article_left_out": left_out, "left_out": shares(pooled),
            "held": {kind: sum(1 for _, r in held if kind_of(r.question) == kind) for kind in KINDS}}


def choose_shown(rows: list[dict]) -> dict[str, float | None]:
    """Per kind of question: the lowest threshold at which at least 80% of its held questions get a
    right span (None: no span is shown for that kind)."""
    return {kind: next((float(r["short_answer_above"]) for r in rows if r[f"right_{kind}"] >= SHOWN_PRECISION), None)
            for kind in KINDS}


def run_calibration(args, settings: Settings, articles: list[dict]) -> int:
    raw = record(articles, settings, progress=not args.json)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        with open(Path(args.out) / "calibration-raw.jsonl", "w", encoding="utf-8") as f:
            for title, rs in raw.items():
                for r in rs:
                    f.write(json.dumps({"article": title, **r.__dict__}, ensure_ascii=False) + "\n")
    rows = sweep(raw)
    best = choose(rows)
    topical = topical_recall(raw)
    curve = [{**max((r for r in rows if r["reader_abstain_below"] == a), key=lambda r: r["f1"]),
              "topical_recall": topical[a]} for a in ABSTAIN_GRID]
    product = choose_product(curve)
    precision = short_precision(raw, product["reader_abstain_below"] if product else None)
    shown = choose_shown(precision)
    from retrieval.search.reader import reader_for

    lengths = span_length_sweep(raw, reader_for(settings.reader or "bundled", settings.encoder_runtime),
                                product["reader_abstain_below"] if product else None)
    if args.json:
        print(json.dumps({"chosen": best, "chosen_for_the_product": product, "curve": curve,
                          "short_precision": precision, "chosen_shown": shown, "span_length": lengths}, indent=2))
    else:
        print(f"\nTrade-off over {len(whole(raw))} held-out articles, topical recall over their "
              f"{len(raw) - len(whole(raw))} halves (each row: the best short-answer threshold for that abstention threshold)")
        print(f"{'abstain below':>14} {'short above':>12} {'F1':>7} {'HasAns F1':>10} {'NoAns recall':>13} "
              f"{'topical recall':>15} {'false abst':>11}")
        for r in curve:
            a = "never" if r["reader_abstain_below"] is None else f"{r['reader_abstain_below']:.2f}"
            print(f"{a:>14} {r['short_answer_above']:>12.2f} {r['f1']:>7.3f} {r['has_ans_f1']:>10.3f} "
                  f"{r['no_ans_recall']:>13.3f} {r['topical_recall']:>15.3f} {r['false_abstain']:>11.3f}")
        print(f"\nchosen (best overall F1 with false abstention <= {MAX_FALSE_ABSTAIN}): reader_abstain_below={best['reader_abstain_below']}, "
              f"short_answer_above={best['short_answer_above']}: F1 {best['f1']:.3f}, HasAns F1 "
              f"{best['has_ans_f1']:.3f}, NoAns recall {best['no_ans_recall']:.3f}")
        if product is None:
            print(f"\nfor the product (highest with false abstention <= {PRODUCT_MAX_FALSE_ABSTAIN}): none")
        else:
            print(f"\nfor the product (highest with false abstention <= {PRODUCT_MAX_FALSE_ABSTAIN}): "
                  f"reader_abstain_below={product['reader_abstain_below']}: false abstention "
                  f"{product['false_abstain']:.3f}, NoAns recall {product['no_ans_recall']:.3f}, topical recall "
                  f"{product['topical_recall']:.3f}")
        print("\nShort answers (pooled over the articles, the reader abstaining as chosen for the product), by the "
              "threshold on their sentence's probability: of the answered questions whose first sentence holds a gold "
              "answer, the share given a right span, per kind; and the share of all spans shown that are right")
        print(f"{'short above':>12} {'typed':>7} {'other':>7} {'shown':>7} {'all shown right':>16}")
        for r in precision:
            print(f"{r['short_answer_above']:>12.2f} {r['right_typed']:>7.3f} {r['right_other']:>7.3f} "
                  f"{r['shown']:>7} {r['precision']:>16.3f}")
        print(f"(questions whose sentence holds the answer: {precision[0]['held_typed']} typed, "
              f"{precision[0]['held_other']} other)")
        print(f"\nchosen for what is shown (lowest with >= {SHOWN_PRECISION} right, per kind; None: no span): {shown}")
        print("\nThe span's length penalty per token (the reader's SPAN_LENGTH_PENALTY): of the same questions, the "
              "share given a right span, per kind")
        print(f"{'penalty':>8} {'typed':>7} {'other':>7}")
        for r in lengths["rows"]:
            print(f"{r['length_penalty']:>8.3f} {r['right_typed']:>7.3f} {r['right_other']:>7.3f}")
        print(f"chosen for the product (the most right spans over every article, the smallest on a tie): "
              f"{lengths['chosen']}")
        print(f"each article left out, the penalty the others chose: {lengths['chosen_with_each_article_left_out']}; "
              f"on the articles left out: typed {lengths['left_out']['typed']:.3f}, other {lengths['left_out']['other']:.3f} "
              f"({lengths['held']['typed']} typed, {lengths['held']['other']} other questions)")
    if args.out:
        _plot(curve, Path(args.out) / "reader_tradeoff.png")
    return 0


def _plot(curve: list[dict], file: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    file.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    xs = [r["no_ans_recall"] for r in curve]
    ys = [r["has_ans_f1"] for r in curve]
    ax.plot(xs, ys, marker="o", label="SQuAD 2.0's unanswerable questions")
    if any(r.get("topical_recall") == r.get("topical_recall") for r in curve):  # not all NaN
        ax.plot([r["topical_recall"] for r in curve], ys, marker="s", label="questions on the topic it does not answer")
        ax.legend(fontsize=8, loc="lower left")
    for r, x, y in zip(curve, xs, ys):
        if r["reader_abstain_below"] is not None and round(r["reader_abstain_below"] * 100) % 20 == 0:
            ax.annotate(f"{r['reader_abstain_below']:.1f}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel("unanswerable questions abstained on (recall)")
    ax.set_ylabel("HasAns F1 (a wrong abstention scores 0)")
    ax.set_title("The reader's abstention threshold: the trade-off")
    ax.grid(alpha=.3)
    fig.tight_layout()
    fig.savefig(file, dpi=120)
    plt.close(fig)
