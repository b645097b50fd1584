"""The one decision of abstention (retrieval/answer/abstention.py), by hand; and the answer that
carries it: built once, immutable, read by the renderers without cutting text apart."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import pytest

from retrieval.answer.abstention import NO_SENTENCE_OF_THE_KIND, READER_FOUND_NONE, WEAK_SUPPORT, decide
from retrieval.base.settings import Settings

SETTINGS = Settings(abstain_below=0.36, reader_abstain_below=0.15)


def never():
    raise AssertionError("asked for what the decision did not need")


def test_each_reason_in_its_order_and_the_reader_asked_only_when_needed():
    assert decide(SETTINGS, 0, 0.9, never, never) == NO_SENTENCE_OF_THE_KIND
    assert decide(SETTINGS, 3, 0.30, never, never) == WEAK_SUPPORT
    assert decide(SETTINGS, 3, 0.50, lambda: 0.05, lambda: False) == READER_FOUND_NONE
    assert decide(SETTINGS, 3, 0.50, lambda: 0.05, lambda: True) is None  # a title/author/date line
    assert decide(SETTINGS, 3, 0.50, lambda: 0.60, never) is None
    assert decide(SETTINGS, 3, 0.50, lambda: None, never) is None  # no reader
    assert decide(replace(SETTINGS, reader_abstain_below=None), 3, 0.50, never, never) is None


def test_an_abstention_is_a_field_the_renderers_read(answerer):
    from ui.render import abstain_html

    answer = answerer.ask("How many people died in the Iranian strikes?")
    assert answer.abstained and answer.abstention.reason and answer.citations == ()
    assert answer.abstention.not_said == "The article does not say how many people died in the Iranian strikes."
    closest = answer.abstention.closest
    document = answerer.retriever.index.document(closest.doc)
    assert document.text[closest.start:closest.end] == closest.text  # offsets are sacred
    data = answer.to_json()
    assert data["abstention"]["not_said"] == answer.abstention.not_said and data["closest"][0]["text"] == closest.text
    html = abstain_html(data)
    assert answer.abstention.not_said in html and "Closest" in html


def test_an_answer_is_built_once(answerer):
    answer = answerer.ask("Who wrote the article?")
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.text = "something else"
    assert not answer.abstained and answer.abstention is None


@pytest.mark.parametrize("question,said", [
    ("When is that happening?", "The article does not say when that is happening."),
    ("When was the treaty signed?", "The article does not say when the treaty was signed."),
    ("Where was Kakar born?", "The article does not say where Kakar was born."),
    ("What is Kenya known for?", "The article does not say what Kenya is known for."),
    ("What's his background, is he a judge?", "The article does not say."),  # two questions: no one indirect form
    ("What is the population of Iran?", "The article does not say what the population of Iran is."),
    ("What is the reason for the killing?", "The article does not say what the reason for the killing is."),
    ("How many people died in the Iranian strikes?",
     "The article does not say how many people died in the Iranian strikes."),
    ("When did it come out?", "The article does not say."),  # no indirect question it can make: the plain one
    ("What is fuelling the friction between those two?",  # "what" is the subject: the order stays
     "The article does not say what is fuelling the friction between those two."),
    ("Who was running the government?", "The article does not say who was running the government."),
    ("What about the rest of the population?", "The article does not say."),  # never "… what about the rest …"
    ("What's the danger beyond the town itself?",
     "The article does not say what the danger beyond the town itself is."),
    ("Who's actually in charge?", "The article does not say who is actually in charge."),  # no "who in charge is"
    ("Where is the nearest port?", "The article does not say where the nearest port is."),
])
def test_what_the_article_does_not_say_reads_as_english(question, said):
    from retrieval.answer.abstention import not_said

    assert not_said(question) == said


@pytest.mark.parametrize("below,abstains", [(0.05, False), (1.01, True)])
def test_the_real_verifier_joins_abstention_only_when_the_settings_ask(article_settings, below, abstains):
    from cited import Library
    from retrieval.answer.abstention import NOTHING_SETTLES

    question = "Who leads Pakistan's caretaker government?"
    assert not Library(article_settings).ask(question).abstained  # shipped: the verifier stays out
    answer = Library(replace(article_settings, verifier_abstain_below=below)).ask(question)
    assert answer.abstained == abstains, answer.text
    if abstains:  # no entailment reaches 1.01: the verifier was asked, and said why
        assert answer.abstention.reason == NOTHING_SETTLES
    else:
        assert "Kakar" in answer.text
