"""Questions about the page — who published it, how long it takes to read — are answered from the
colophon ingest writes after the article's last paragraph (retrieval/answer/colophon.py)."""

from __future__ import annotations

import pytest

from retrieval.answer.colophon import AUTHOR, LENGTH, SITE, colophon_asked


@pytest.mark.parametrize("question,asked", [
    ("Who published this piece?", SITE),
    ("Which newspaper put the story out?", SITE),
    ("what outlet is it from", SITE),
    ("Who is the publisher?", SITE),
    ("How long does the report take to read?", LENGTH),
    ("is it a quick read?", LENGTH),
    ("What's the reading time?", LENGTH),
    ("who wrote this piece on the floods?", AUTHOR),
    ("Who is the author of the Lantern report about the floods?", AUTHOR),
    # what the article is about, or its date: not the page
    ("Who wrote the letter to the council?", None),
    ("Who published the first edition of the novel?", None),
    ("Which outlet published the leaked memo?", None),
    ("When was it published?", None),
    ("How long did it take the council to answer?", None),
    ("Which country is this from?", None),
])
def test_a_question_about_the_page_is_told_from_one_about_its_matter(question, asked):
    assert colophon_asked(question) == asked


@pytest.mark.parametrize("question,said", [
    ("Which think tank published this article?", "Published by Egyptian Center for Strategic Studies"),
    ("How long does the article take to read?", "19 Min Read"),
])
def test_the_article_s_publisher_and_reading_time_are_its_colophon(answerer, question, said):
    answer = answerer.ask(question)
    assert not answer.abstained and [s.text for s in answer.sentences] == [said]
    assert answer.sentences[0].paragraph in (46, 47)  # after the article's 45 paragraphs


def test_who_wrote_the_article_named_by_its_topic_is_its_author(answerer):
    """Its topic's words pull towards the sentences about the topic; the question's form decides."""
    answer = answerer.ask("who wrote this piece on the pakistan-iran de-escalation?")
    assert [s.text for s in answer.sentences] == ["Ali Atef"] and answer.sentences[0].paragraph == 2


def test_the_colophon_answers_nothing_else(answerer):
    """"Published by …" is no answer to a question about what the article says."""
    answer = answerer.ask("Which organisations does the article say Iran accuses?")
    assert all(not s.text.startswith("Published by") for s in answer.sentences)


def test_in_a_conversation_it_is_the_article_that_was_put_out(answerer):
    answer = answerer.ask("Thanks. And which organisation put it out?", history=["who wrote this", "when was it published?"])
    assert answer.interpreted_as == "Which organisation put the article out?"
    assert "Egyptian Center for Strategic Studies" in answer.text
