"""Fixtures of the retrieval tests that work on a few SQuAD articles (segments, dense search)."""

from __future__ import annotations

import json

import pytest

from retrieval.index import segments
from tests.conftest import SQUAD_SAMPLE

TITLES = ("Normans", "Oxygen", "Amazon_rainforest")  # in tests/data: not evaluation articles


@pytest.fixture(scope="module")
def squad_files(tmp_path_factory):
    """Three SQuAD 1.1 articles as text files (8 paragraphs each), and some of their questions."""
    folder = tmp_path_factory.mktemp("squad-articles")
    data = {a["title"]: a for a in json.loads(SQUAD_SAMPLE.read_text(encoding="utf-8"))["data"]}
    files, questions = {}, []
    for title in TITLES:
        paragraphs = data[title]["paragraphs"][:8]
        files[title] = folder / f"{title}.txt"
        files[title].write_text(title.replace("_", " ") + "\n\n" + "\n\n".join(p["context"] for p in paragraphs))
        questions += [qa["question"] for p in paragraphs[:3] for qa in p["qas"][:2]]
    return files, questions


@pytest.fixture
def appending(monkeypatch):
    """Every update small enough for a segment."""
    monkeypatch.setattr(segments, "SEGMENTS_FROM", 1)
    monkeypatch.setattr(segments, "SEGMENT_SHARE", 1.0)
    monkeypatch.setattr(segments, "DEAD_SHARE", 1.0)
