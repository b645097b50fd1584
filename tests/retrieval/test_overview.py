"""Questions about the whole article, and abstentions that show where the article comes closest,
with the real model and index of the bundled article."""

from __future__ import annotations

import pytest

ARTICLE_ID = "ecss-pakistan-iran-deescalation"


def _verbatim(answerer, answer):
    for s in [*answer.sentences, *answer.closest]:
        assert answerer.retriever.index.document(s.doc).text[s.start : s.end] == s.text


@pytest.mark.parametrize("question", [
    "Summarize the article", "What is this article about?", "What are the main points?", "Give me the gist.", "tl;dr?",
    "Why did Pakistan and Iran de-escalate?", "What's the author's overall argument?"])
def test_a_question_about_the_whole_article_gets_its_structure(answerer, question):
    answer = answerer.ask(question)
    assert not answer.abstained
    _verbatim(answerer, answer)
    headings = [s.text for s in answer.sentences if s.level == 1]
    assert headings == ["I. Pakistan’s Motives", "II. Iran’s Motives", "Conclusion"]
    points = [s.text for s in answer.sentences if s.level == 2]
    assert len(points) == 12 and points[0] == "1. Concerns Regarding Sectarian Unrest within Pakistan"
    assert answer.sentences[0].text.startswith("Following reciprocal military strikes")  # the lead sentence
    # One part per line, points indented: the text reads as the outline it is.
    assert "\n  1. Concerns Regarding Sectarian Unrest within Pakistan [" in answer.text


@pytest.mark.parametrize("question", ["What does the author conclude?", "What is the conclusion?",
                                      "How does the author wrap it all up - what's the bottom line?"])
def test_the_conclusion_is_the_conclusion_section(answerer, question):
    answer = answerer.ask(question)
    assert not answer.abstained and answer.sentences
    _verbatim(answerer, answer)
    assert {c.section for _, c in answer.citations} == {("Conclusion",)}
    assert answer.sentences[0].text.startswith("Following their respective recent attacks, pacification emerged")


def test_a_section_question_keeps_its_outline_and_which_one_picks_a_point(answerer):
    motives = answerer.ask("What were Iran's motives?")
    assert [s.level for s in motives.sentences] == [2] * 6
    one = answerer.ask("Which of Iran's motives concerns Israel?")
    assert any("Additional Regional Calculations (Israel)" in s.text for s in one.sentences)
    assert len(one.sentences) < 6


def test_the_three_turn_conversation_answers_each_turn_from_the_right_section(answerer):
    history = []
    readings = []
    for question in ["What were Pakistan's motives?", "And Iran's?", "Which one concerns Israel?"]:
        answer = answerer.ask(question, history=history)
        history.append(question)
        readings.append(answer.interpreted_as)
        sections = {c.section[0] for _, c in answer.citations}
        expected = "I. Pakistan’s Motives" if len(history) == 1 else "II. Iran’s Motives"
        assert expected in sections, (question, sections)
        if len(history) == 3:
            assert "Additional Regional Calculations (Israel)" in answer.text
    assert readings == [None, "What were Iran's motives?", "Which of Iran's motives concerns Israel?"]


def test_an_abstention_says_what_the_article_does_not_say_and_where_it_comes_closest(answerer):
    answer = answerer.ask("How many people died in the strikes?")
    assert answer.abstained and answer.citations == ()
    _verbatim(answerer, answer)
    closest = answer.closest[0]
    assert closest.paragraph == 4 and closest.text.startswith("Following reciprocal military strikes")
    said = "The article does not say how many people died in the strikes."
    assert answer.text == f"{said} Closest: ¶4 — “{closest.text}”"
    data = answer.to_json()
    assert data["abstained"] and data["closest"][0]["paragraph"] == 4 and data["citations"] == []


def test_an_abstention_repeats_only_a_plain_question(answerer):
    answer = answerer.ask("Who won <script>alert(1)</script> the election?")
    assert answer.abstained and answer.text.startswith("The article does not say.") and "script" not in answer.text
