"""`cited train-reader` end to end on a tiny SQuAD-shaped data set made here: it trains a few
steps from the bundled encoder, never touches an excluded article, writes a reader folder that
retrieval/search/reader.py loads (sha256 in the card), and measures it on the held-out articles."""

from __future__ import annotations

import json

import pytest

from retrieval.search.reader import Reader
from ui.cli import main

TOPICS = ["tea", "clay", "kilns", "glaze", "rivers", "bridges", "ships"]


def article(title: str, topic: str, impossible: bool) -> dict:
    context = (f"The history of {topic} begins in the year 1200. Craftsmen from Jiangsu refined {topic} "
               f"over three centuries. Today {topic} is studied in many museums.")
    qas = [
        {"id": f"{title}-1", "question": f"When does the history of {topic} begin?", "is_impossible": False,
         "answers": [{"text": "1200", "answer_start": context.index("1200")}]},
        {"id": f"{title}-2", "question": f"Who refined {topic}?", "is_impossible": False,
         "answers": [{"text": "Craftsmen from Jiangsu", "answer_start": context.index("Craftsmen")}]},
    ]
    if impossible:
        qas.append({"id": f"{title}-3", "question": f"Who banned {topic} in 1900?", "is_impossible": True, "answers": []})
    return {"title": title, "paragraphs": [{"context": context, "qas": qas},
                                           {"context": f"Museums show {topic} to visitors every day, and their guides explain "
                                                       f"how it was made and traded over the centuries.", "qas": []}]}


@pytest.mark.slow
def test_train_reader_writes_a_reader_the_product_loads(tmp_path, capsys):
    data = tmp_path / "squad-dev"
    data.mkdir()
    v2 = [article(f"T{i}", topic, impossible=True) for i, topic in enumerate(TOPICS)]
    (data / "squad2-dev.public.json").write_text(json.dumps({"data": v2}))
    (data / "squad11-dev.public.json").write_text(json.dumps({"data": [article("T0", "tea", False)]}))
    exclude = tmp_path / "exclude.json"
    exclude.write_text(json.dumps({"data": [v2[-1]]}))  # "ships" is an evaluation article here

    out = tmp_path / "reader"
    code = main(["train-reader", "--out", str(out), "--squad-dev", str(data), "--exclude", str(exclude),
                 "--epochs", "1", "--batch-size", "4", "--max-minutes", "5"])
    assert code == 0
    card = json.loads((out / "card.json").read_text())
    assert card["excluded_titles"] == ["T6"] and "T6" not in card["train_titles"] + card["held_out_titles"]
    assert len(card["held_out_titles"]) == 4 and not set(card["held_out_titles"]) & set(card["train_titles"])
    assert set(card["data_sha256"]) == {"squad2-dev.public.json", "squad11-dev.public.json"}
    assert card["training"]["steps_done"] == card["training"]["steps_planned"] > 0
    assert 0 <= card["figures"]["span_given_its_sentence"]["f1"] <= 1
    assert "CC BY-SA 4.0" in card["licence"]

    reader = Reader(out)  # the product's loader, with the card's sha256
    (reading,) = reader.read("Who refined tea?", ["Craftsmen from Jiangsu refined tea over three centuries."])
    assert 0.0 <= reading.probability <= 1.0 and 0 <= reading.start <= reading.end
