"""The named table of signals: weights by name, a wrong name refused in one line, and a new
signal is one entry (with its function) and its weight — the real model and index of the article."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from retrieval.base.errors import CitedError
from retrieval.search import signals
from retrieval.search.retriever import Retriever
from retrieval.search.signals import FIRST, NAMES, SECOND, SIGNALS, Signal, check_weights


def test_the_table_names_each_signal_its_stage_and_settings_weigh_them_by_name(article_settings):
    assert NAMES == ("passage_dense", "sentence_dense", "passage_bm25", "sentence_bm25")
    assert {s.name: s.stage for s in SIGNALS} == {"passage_dense": FIRST, "sentence_dense": SECOND,
                                                  "passage_bm25": FIRST, "sentence_bm25": SECOND}
    assert set(article_settings.weights) == set(NAMES)
    check_weights(article_settings.weights)


@pytest.mark.parametrize("weights,says", [
    ({"passage_dense": 1.0, "sentence_dense": 1.0, "passage_bm25": 1.0}, "missing: sentence_bm25"),
    ({**dict.fromkeys(NAMES, 1.0), "colour": 2.0}, "unknown: colour"),
])
def test_weights_that_do_not_name_the_signals_are_refused_in_one_line(article_settings, real_embedder, weights, says):
    with pytest.raises(CitedError, match=says) as refused:
        Retriever.load(replace(article_settings, weights=weights), real_embedder)
    assert "\n" not in str(refused.value)


def test_a_new_signal_is_one_entry_and_its_weight(article_settings, real_embedder, monkeypatch):
    question = "What share of Pakistan's population is Shiite?"
    base = Retriever.load(article_settings, real_embedder)
    before = [p.chunk for p in base.search(question)]
    # A fifth signal: the passage's dense similarity again, under a name of its own.
    extra = Signal("passage_dense_again", FIRST, "a copy, for this test", lambda s: s.chunk_dense)
    monkeypatch.setattr(signals, "SIGNALS", (*SIGNALS, extra))
    monkeypatch.setattr(signals, "NAMES", (*NAMES, extra.name))
    weighted = replace(article_settings, weights={**article_settings.weights, extra.name: 0.0})
    retriever = Retriever.load(weighted, real_embedder)
    query = retriever.prepare(question)
    found = retriever.signals(query)
    assert np.array_equal(found.by_name[extra.name], found.by_name["passage_dense"])
    assert [p.chunk for p in retriever.rank(query, found)] == before  # weight 0: the ranking is unchanged
    doubled = replace(article_settings, weights={**article_settings.weights, "passage_dense": 0.0, extra.name: 2.0})
    assert [p.chunk for p in Retriever.load(doubled, real_embedder).search(question)] == before  # the same signal
