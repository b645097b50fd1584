"""The terminal answer: the answer, then each cited paragraph under its document's byline."""

from __future__ import annotations

from ui.text_output import format_answer


def test_sources_name_the_document_paragraph_and_section(answerer):
    answer = answerer.ask("What share of Pakistan's population is Shiite?")
    documents = {d.id: d.meta for d in answerer.retriever.index.documents}
    text = format_answer(answer, documents=documents)
    head, sources = text.split("\nSources:\n")
    assert "10% to 15%" in head and "[1]" in head
    first = sources.splitlines()
    assert first[0].startswith("[1] ecss-pakistan-iran-deescalation ¶12 — I. Pakistan’s Motives")
    assert first[1].strip() == (
        "“What Led to Pakistan-Iran De-Escalation Following the Recent Exchange of Attacks?” by Ali Atef, 2024-02-06"
    )


def test_abstention_names_the_closest_passage(answerer):
    text = format_answer(answerer.ask("How do I bake sourdough bread?"))
    assert text.startswith("The article does not say")
    assert "Closest: " in text and "it does not answer the question" in text and "Sources" not in text


def test_a_source_shows_a_score_only_when_retrieval_ranked_it(answerer):
    answer = answerer.ask("What were Iran's motives?")  # its points: cited, not retrieved
    heads = [line for line in format_answer(answer).split("\nSources:\n")[1].splitlines() if line.startswith("[")]
    assert len(heads) == len(answer.citations) == 6
    for head, (_, passage) in zip(heads, answer.citations):
        assert ("score " in head) == (passage.rank > 0)
    assert any(p.rank == 0 for _, p in answer.citations)
