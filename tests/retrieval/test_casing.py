"""Names typed in lower case, read as the article writes them (retrieval/answer/casing.py)."""

from __future__ import annotations

import pytest

from retrieval.answer.casing import MAX_ROWS, casing_for, name_casing, true_case

TEXTS = [
    "Following the strikes, Pakistan and Iran opted for calm. The foreign ministry of Pakistan said so.",
    "Former Prime Minister Imran Khan has been disqualified, while the Army of Justice kept fighting.",
    "Ships in the Red Sea were attacked; the sea was rough. Then Islamabad blamed Tehran, and Iran’s army answered.",
    "1. Concerns Regarding Sectarian Unrest within Pakistan: Pakistan has a large Shiite population.",
]


def test_words_written_only_as_names_and_names_of_several_words_are_learnt():
    casing = name_casing(TEXTS)
    assert {casing[k] for k in ("pakistan", "iran", "islamabad", "tehran", "shiite")} == {
        "Pakistan", "Iran", "Islamabad", "Tehran", "Shiite"}
    assert casing["red sea"] == "Red Sea" and casing["imran khan"] == "Imran Khan"
    assert casing["army of justice"] == "Army of Justice"
    # common words: written in lower case somewhere, or capitalized only by a sentence's start or a
    # title-case heading
    for word in ("sea", "army", "following", "ships", "concerns", "regarding", "sectarian", "the", "former"):
        assert word not in casing, word


@pytest.mark.parametrize("typed,read", [
    ("and iran?", "and Iran?"),
    ("why did pakistan hold back from iran's strikes?", "why did Pakistan hold back from Iran's strikes?"),
    ("what about the red sea?", "what about the Red Sea?"),
    ("was imran khan disqualified?", "was Imran Khan disqualified?"),
    ("what did the army of justice do?", "what did the Army of Justice do?"),
    ("what did the foreign ministry say?", "what did the foreign ministry say?"),
    ("Did IRAN answer?", "Did IRAN answer?"),  # typed with capitals: as typed
    ("was the sea rough?", "was the sea rough?"),
])
def test_a_question_typed_in_lower_case_gets_the_article_s_names(typed, read):
    assert true_case(typed, name_casing(TEXTS)) == read


def test_no_casing_leaves_the_question_as_typed():
    assert true_case("and iran?", {}) == "and iran?"


class _Rows:
    """A retriever's rows and chunks, counting what is read."""

    def __init__(self, texts, rows=None):
        self.read = 0
        self._texts, self._rows = texts, rows if rows is not None else list(range(len(texts)))

    def rows_for(self, doc):
        return self._rows

    @property
    def chunks(self):
        rows = self

        class Chunks:
            def __getitem__(self, i):
                rows.read += 1
                return type("Chunk", (), {"text": rows._texts[i % len(rows._texts)]})()
        return Chunks()


def test_names_are_read_once_per_document_and_not_over_a_large_library():
    small = _Rows(TEXTS)
    assert casing_for(small, "doc")["iran"] == "Iran" and casing_for(small, "doc")["iran"] == "Iran"
    assert small.read == len(TEXTS)  # once
    large = _Rows(TEXTS, rows=list(range(MAX_ROWS + 1)))
    assert casing_for(large, None) == {} and large.read == 0
