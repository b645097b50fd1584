"""The check with the shipped verifier: what the article says in other words is supported, cited
to the sentence that says it; what it does not say is not, with why; a sentence without a marker,
or citing the wrong passage, is attributed — the real model, the real index of the article."""

from __future__ import annotations

import pytest

from retrieval.answer.check import (
    CONTRADICTED,
    ENTAIL_ABOVE,
    INVALID,
    NO_ANSWER,
    SUPPORTED,
    UNSUPPORTED,
    Checker,
    ClaimReadings,
    verdict,
)
from retrieval.search.verifier import load_verifier

QUESTION = "Who leads Pakistan's caretaker government?"


@pytest.fixture(scope="module")
def checked(answerer):
    passages = answerer.ask(QUESTION).passages
    n = next(i for i, p in enumerate(passages, 1) if "Kakar" in p.text)
    other = next(i for i, p in enumerate(passages, 1) if "Kakar" not in p.text)
    checker = Checker(answerer.retriever, load_verifier())

    def check(text: str):
        return checker.check(text.format(n=n, other=other), passages)

    return check, n, other, answerer


def test_a_paraphrase_is_supported_by_the_sentence_that_says_it(checked):
    check, n, _, answerer = checked
    # The passage: "… a caretaker government, led by Anwar-ul-Haq Kakar, to oversee …". ("Kakar heads
    # the interim government" reads below ENTAIL_ABOVE: "interim" for "caretaker" is a step too far.)
    [s] = check("The caretaker government is headed by Anwar-ul-Haq Kakar [{n}].")
    assert s.verdict == SUPPORTED and not s.attributed and s.cited == (n,), s.reason
    document = answerer.retriever.index.document(s.support.doc)
    assert document.text[s.support.start:s.support.end] == s.support.text  # offsets are sacred
    assert "Kakar" in s.support.text and s.support.citation == n and s.entailment >= ENTAIL_ABOVE


def test_a_sentence_without_a_marker_or_citing_the_wrong_passage_is_attributed(checked):
    check, n, other, _ = checked
    for text in ("The caretaker government is headed by Anwar-ul-Haq Kakar.",
                 "The caretaker government is headed by Anwar-ul-Haq Kakar [{other}]."):
        [s] = check(text)
        assert s.verdict == SUPPORTED and s.attributed and s.cited == (n,), (text, s.reason)
        assert s.to_json()["attributed"] is True


@pytest.mark.parametrize("sentence,verdicts", [
    ("The caretaker government is led by Imran Khan [{n}].", {UNSUPPORTED, CONTRADICTED}),
    ("The elections are set for February 9, 2024 [{n}].", {UNSUPPORTED, CONTRADICTED}),
    ("The caretaker government is not led by Anwar-ul-Haq Kakar [{n}].", {UNSUPPORTED, CONTRADICTED}),
    ("Iran has the best air force in the region [{n}].", {UNSUPPORTED}),
    ("The caretaker government is led by Anwar-ul-Haq Kakar [7].", {INVALID}),
    ("The article does not say.", {NO_ANSWER}),
])
def test_what_the_passages_do_not_say_is_never_supported(checked, sentence, verdicts):
    check, _, _, _ = checked
    [s] = check(sentence)
    assert s.verdict in verdicts and not s.supported and s.reason, (s.verdict, s.reason)
    if s.verdict == CONTRADICTED:  # shown with the sentence that says otherwise
        assert s.support is not None and s.support.text in s.reason


def test_the_verdict_is_one_function_of_the_readings(checked):
    """Raising the threshold past what the verifier read turns "supported" into "unsupported":
    the calibration sweeps thresholds over readings made once."""
    check, n, _, answerer = checked
    checker = Checker(answerer.retriever, load_verifier())
    passages = answerer.ask(QUESTION).passages
    claim = "The caretaker government is headed by Anwar-ul-Haq Kakar."
    [vector] = answerer.retriever.embedder.encode([claim])
    readings = checker.readings(f"{claim} [{n}]", (n,), claim, vector, list(passages))
    assert isinstance(readings, ClaimReadings)
    assert verdict(readings, 0.5, 0.5).verdict == SUPPORTED
    assert verdict(readings, 1.01, 0.5).verdict in (UNSUPPORTED, CONTRADICTED)
