"""`cited train-verifier` (eval/train_verifier.py) and its data (eval/verifier_data.py).

The pairs built from a small SQuAD article of two paragraphs: every kind the module's docstring
names is made, each with its label; NLI files read as their authors labelled them. Then the whole
command on tiny made-up data (SQuAD-shaped files, NLI files laid out as NLI_FILES says): it trains
a few steps from the bundled reader, keeps the excluded, held-out and tune articles out of
training, and writes a verifier folder that retrieval/search/verifier.py loads (sha256 in the card)."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil

import pytest

from eval.verifier_data import (
    CONTRADICT,
    ENTAIL,
    HELD_OUT_NLI,
    LABELS,
    NEUTRAL,
    NLI_FILES,
    Pair,
    answer_kind,
    read_nli,
    squad_pairs,
)

# Every kind of SQuAD pair and its label, as the docstring of eval/verifier_data.py describes them.
KIND_LABEL = {
    "question and answer": ENTAIL, "statement": ENTAIL, "statement, two sentences": ENTAIL, "quote": ENTAIL,
    "clause": ENTAIL,
    "question, wrong answer": CONTRADICT, "statement, wrong answer": CONTRADICT,
    "statement, changed number": CONTRADICT, "statement, negated": CONTRADICT, "changed number": CONTRADICT,
    "swapped name": CONTRADICT, "flipped negation": CONTRADICT,
    "question and answer, other sentence": NEUTRAL, "statement, swapped word": NEUTRAL,
    "statement, other sentence": NEUTRAL, "statement, other paragraph": NEUTRAL, "swapped word": NEUTRAL,
    "unanswerable question": NEUTRAL, "unanswerable statement": NEUTRAL,
}
P1 = ("The history of tea in Jiangsu begins in the year 1200. Craftsmen from Suzhou refined the green leaves over "
      "three centuries, and merchants carried them to Beijing in large boxes. The emperor did not allow exports "
      "of the leaves before 1500. Today tea is studied in many museums across the country.")
P2 = ("In 1600 the leaves reached Europe through traders from Holland. The leaves were sold at high prices in "
      "Amsterdam, and the drink soon became popular in London. The tea trade was regulated by Parliament in 1700.")


def qa(id: str, question: str, answer: str | None, context: str) -> dict:
    answers = [] if answer is None else [{"text": answer, "answer_start": context.index(answer)}]
    return {"id": id, "question": question, "is_impossible": answer is None, "answers": answers}


TEA = [{"context": P1, "qas": [qa("q1", "When did the history of tea in Jiangsu begin?", "1200", P1),
                               qa("q2", "Who refined the green leaves?", "Craftsmen from Suzhou", P1),
                               qa("q3", "Where did merchants carry the leaves?", "Beijing", P1),
                               qa("u1", "Who banned tea in 1900?", None, P1)]},
       {"context": P2, "qas": [qa("q4", "When did the leaves reach Europe?", "1600", P2),
                               qa("q5", "Where were the leaves sold at high prices?", "Amsterdam", P2),
                               qa("q6", "Who regulated the tea trade?", "Parliament", P2)]}]


@pytest.fixture(scope="module")
def tea_paragraphs():
    """The article prepared as train-verifier prepares SQuAD (sentences, real sentence vectors)."""
    import pysbd
    from sentence_transformers import SentenceTransformer

    from eval.reader_data import prepare
    from retrieval.search.embed import bundled_model_dir

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    encoder = SentenceTransformer(str(bundled_model_dir()), device="cpu")
    return prepare({"Tea": TEA}, ["Tea"], segmenter, encoder)


def test_every_kind_of_squad_pair_is_made_with_its_label(tea_paragraphs):
    pairs = squad_pairs(tea_paragraphs, 13, {"u1": "Craftsmen from Suzhou"})
    assert {p.kind for p in pairs} == set(KIND_LABEL)
    assert all(p.label == KIND_LABEL[p.kind] for p in pairs)
    assert pairs == squad_pairs(tea_paragraphs, 13, {"u1": "Craftsmen from Suzhou"})  # seeded


def test_a_few_pairs_in_full(tea_paragraphs):
    pairs = squad_pairs(tea_paragraphs, 13, {"u1": "Craftsmen from Suzhou"})
    first = "The history of tea in Jiangsu begins in the year 1200."
    stated = "The history of tea in Jiangsu began in 1200."
    question = "When did the history of tea in Jiangsu begin?"
    assert Pair(f"{question} 1200", first, ENTAIL, "question and answer") in pairs
    assert Pair(f"{question} 1600", first, CONTRADICT, "question, wrong answer") in pairs
    assert Pair(stated, first, ENTAIL, "statement") in pairs
    assert Pair("The history of tea in Jiangsu began in 1600.", first, CONTRADICT, "statement, wrong answer") in pairs
    assert Pair(first, first, ENTAIL, "quote") in pairs
    negated = "The leaves were not sold at high prices in Amsterdam."
    assert [p.claim for p in pairs if p.kind == "statement, negated"] == [negated]
    # Not settled: the statement against sentences that do not hold its answer.
    elsewhere = [p for p in pairs if p.claim == stated and p.label == NEUTRAL]
    assert {p.kind for p in elsewhere} == {"statement, other sentence", "statement, other paragraph"}
    assert all("1200" not in p.premise for p in elsewhere)
    unanswerable = [p for p in pairs if p.kind.startswith("unanswerable")]
    assert [p.claim for p in unanswerable] == ["Who banned tea in 1900? Craftsmen from Suzhou",
                                               "Craftsmen from Suzhou banned tea in 1900."]
    assert all(p.premise in tea_paragraphs[0]["sents"] for p in unanswerable)  # a sentence of its own paragraph


def test_without_the_readers_spans_no_unanswerable_pairs(tea_paragraphs):
    kinds = {p.kind for p in squad_pairs(tea_paragraphs, 13)}
    assert not kinds & {"unanswerable question", "unanswerable statement"}


def test_answer_kinds():
    assert [answer_kind(a) for a in ("June 3, 1963", "1816", "1,047 km", "Warsaw", "the river")] == \
        ["date", "date", "number", "name", "other"]


def write_nli(path, rows: list[tuple[str, str, str]]) -> None:
    """rows of (premise, claim, label), as SNLI / MultiNLI CSV or counterfactual-SNLI TSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tsv = path.suffix == ".tsv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t" if tsv else ",")
        w.writerow(["sentence1", "sentence2", "gold_label"] if tsv else ["pairID", "sentence1", "sentence2", "label"])
        for i, (premise, claim, label) in enumerate(rows):
            w.writerow([premise, claim, label] if tsv else [f"p{i}", premise, claim, label])


NLI_ROWS = [("A man plays a guitar on stage.", "A man is playing music.", "entailment"),
            ("A man plays a guitar on stage.", "The man is asleep at home.", "contradiction"),
            ("A man plays a guitar on stage.", "The man is famous.", "neutral"),
            ("A dog runs through the snow.", "An animal is outside.", "-")]  # no gold label: left out


@pytest.mark.parametrize("name", ["snli/snli_1.0_dev.csv", "snli_counterfactual/all_combined/dev.tsv"])
def test_read_nli_keeps_gold_labelled_pairs(tmp_path, name):
    write_nli(tmp_path / name, NLI_ROWS)
    pairs = read_nli(tmp_path / name, "snli")
    assert [(p.claim, p.premise, LABELS[p.label]) for p in pairs] == [(c, p, lab) for p, c, lab in NLI_ROWS[:3]]
    assert {p.kind for p in pairs} == {"snli"}


HELD = ["Force", "Fresno,_California", "Scottish_Parliament", "Warsaw"]  # eval/sets/reader_calibration_titles.txt


def article(title: str, topic: str) -> dict:
    context = (f"The history of {topic} begins in the year 1200. Craftsmen from Jiangsu refined {topic} "
               f"over three centuries. The {topic} trade was regulated by Parliament in 1700.")
    qas = [qa(f"{title}-1", f"When did the history of {topic} begin?", "1200", context),
           qa(f"{title}-2", f"Who refined {topic}?", "Craftsmen from Jiangsu", context),
           qa(f"{title}-3", f"Who banned {topic} in 1900?", None, context)]
    return {"title": title, "paragraphs": [
        {"context": context, "qas": qas},
        {"context": f"Museums show {topic} to visitors every day, and their guides explain how it was made "
                    f"and traded over the centuries.", "qas": []}]}


@pytest.mark.slow
def test_train_verifier_writes_a_verifier_the_product_loads(tmp_path):
    from eval.reading import public_titles
    from retrieval.base.errors import VerifierChecksumMismatch
    from retrieval.search.verifier import WEIGHTS, Verifier, load_verifier
    from ui.cli import main

    squad = tmp_path / "squad-dev"
    squad.mkdir()
    titles = {"T0": "tea", "T1": "clay", "Geology": "rocks", "Rhine": "barges", "Force": "levers",
              "Fresno,_California": "raisins", "Scottish_Parliament": "debates", "Warsaw": "trams"}
    (squad / "squad2-dev.public.json").write_text(json.dumps({"data": [article(t, k) for t, k in titles.items()]}))
    (squad / "squad11-dev.public.json").write_text(json.dumps({"data": [article("T2", "kilns")]}))
    training = tmp_path / "training"
    for name in NLI_FILES + (HELD_OUT_NLI,):
        write_nli(training / name, NLI_ROWS)

    out = tmp_path / "verifier"
    code = main(["train-verifier", "--out", str(out), "--training", str(training), "--squad-dev", str(squad),
                 "--epochs", "1", "--batch-size", "8", "--max-examples", "48", "--max-minutes", "5"])
    assert code == 0
    card = json.loads((out / "card.json").read_text())
    assert card["excluded_titles"] == sorted(public_titles()) and "Geology" in card["excluded_titles"]
    assert card["held_out_titles"] == HELD and "Rhine" in card["not_trained_on_either"]
    assert card["train_titles"] == ["T0", "T1", "T2"]  # never a public, held-out or tune article
    assert not set(card["train_titles"]) & (set(card["held_out_titles"]) | set(card["excluded_titles"]))
    files = {**{name: training / name for name in NLI_FILES},
             **{f"squad-dev/{f.name}": f for f in squad.iterdir()}}
    # Each file keyed by its folder and name ("all_combined/train.tsv" for the counterfactual SNLI).
    keys = {"/".join(name.split("/")[-2:]): path for name, path in files.items()}
    assert card["data_sha256"] == {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in keys.items()}
    assert card["examples"]["pairs"] == 48 == sum(card["examples"]["by_label"].values())
    assert card["training"]["steps_done"] == card["training"]["steps_planned"] > 0
    assert "CC BY-SA 4.0" in card["licence"] and card["labels"] == list(LABELS)
    assert card["weights_sha256"] == hashlib.sha256((out / WEIGHTS).read_bytes()).hexdigest()
    figures = card["figures"]
    assert figures["held_out_squad"]["articles"] == HELD and figures["held_out_squad"]["pairs"] > 0
    assert figures["held_out_nli"]["pairs"] == 3 and 0 <= figures["held_out_nli"]["three_way_accuracy"] <= 1

    verifier = load_verifier(out)  # the product's loader, with the card's sha256
    (judged,) = verifier.judge([("Craftsmen refined tea.", "Craftsmen from Jiangsu refined tea over three centuries.")])
    assert sum((judged.entailment, judged.neutral, judged.contradiction)) == pytest.approx(1.0, abs=1e-3)
    assert all(0.0 <= x <= 1.0 for x in (judged.entailment, judged.neutral, judged.contradiction))

    tampered = tmp_path / "tampered"
    shutil.copytree(out, tampered)
    card["weights_sha256"] = "0" * 64
    (tampered / "card.json").write_text(json.dumps(card))
    with pytest.raises(VerifierChecksumMismatch):
        Verifier(tampered)
