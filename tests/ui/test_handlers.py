"""The web app's handlers, called as plain functions over a real Library and index (the real
model: the answers are the ones a reader sees) — no server, no browser."""

from __future__ import annotations

import shutil
from dataclasses import replace
from html import unescape

import gradio as gr
import pytest

from cited.library import Library
from ui import handlers, render
from ui.conversation import conversation_document
from ui.handlers import BUNDLED_EXAMPLES, respond

ARTICLE_ID = "ecss-pakistan-iran-deescalation"


@pytest.fixture(scope="module")
def library(article_settings, real_embedder):
    return Library(article_settings, real_embedder)


@pytest.fixture
def own_library(article_settings, real_embedder, tmp_path):
    """A copy of the article's index, for handlers that write."""
    settings = replace(article_settings, index_dir=tmp_path / "index")
    shutil.copytree(article_settings.index_dir, settings.index_dir)
    return Library(settings, real_embedder)


def test_a_question_streams_its_answer_sentence_by_sentence(library):
    steps = list(respond(library, "Who wrote the article?", [], [], 5, "hybrid", ""))
    box, chat, turns, sources, article = steps[0]
    assert box == ""
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert "Ali Atef" in chat[1]["content"] and "[1]" in chat[1]["content"]
    assert turns[0] is None and turns[1]["answer"].startswith("Ali Atef")
    assert "Ali Atef" in sources and ARTICLE_ID in article
    answer = turns[1]
    assert len(steps) == max(1, len(answer["sentences"]))


def test_a_follow_up_is_read_with_the_chat_so_far_and_shows_its_reading(library):
    def ask(question, chat, turns):
        steps = list(respond(library, question, chat, turns, 5, "hybrid", ""))
        return steps[-1][1], steps[0][2]  # the chat once every sentence is shown; the turns, set at once

    chat, turns = ask("What were Pakistan's motives?", [], [])
    chat, turns = ask("And Iran's?", chat, turns)
    answer = turns[-1]
    assert answer["question"] == "And Iran's?" and answer["interpreted_as"] == "What were Iran's motives?"
    assert 'class="cited-read-as"' in chat[-1]["content"]
    assert "Read as: <span class=\"cited-read-as-text\">What were Iran&#x27;s motives?</span>" in chat[-1]["content"]
    assert "Incapability of Iran" in chat[-1]["content"]
    # Cleared, the chat forgets: the same words are a question on their own again.
    cleared, _, _ = handlers.clear_chat(library)
    _, turns = ask("And Iran's?", [], cleared)
    assert turns[-1]["interpreted_as"] is None


def test_an_empty_question_only_warns(library):
    with pytest.warns(UserWarning, match="The question is empty"):  # gr.Warning, outside a request
        steps = list(respond(library, "   ", [], [], 5, "hybrid", ""))
    assert len(steps) == 1 and all(isinstance(v, type(gr.skip())) for v in steps[0])


def test_a_bad_setting_is_shown_in_the_chat_not_raised(library):
    (step,) = list(respond(library, "Who wrote the article?", [], [], 5, "hybrid", "no-such-doc"))
    _, chat, turns, _, _ = step
    assert "No document 'no-such-doc'" in unescape(chat[1]["content"]) and turns == [None, None]


def test_clicking_an_earlier_message_shows_its_sources(library):
    *_, (_, _, turns, first_sources, _) = list(respond(library, "Who wrote the article?", [], [], 5, "hybrid", ""))
    sources, article = handlers.show_turn(library, turns, 1)
    assert sources == first_sources and ARTICLE_ID in article
    assert all(isinstance(v, type(gr.skip())) for v in handlers.show_turn(library, [None, None], 0))


def test_page_load_and_clear_show_the_documents_there_are(library):
    header, picker, examples, article = handlers.page_load(library)
    assert "Ali Atef" in header and ARTICLE_ID in article
    assert picker.visible is False  # one document: nothing to pick
    assert [s[0] for s in examples.raw_samples] == BUNDLED_EXAMPLES
    turns, sources, article = handlers.clear_chat(library)
    assert turns == [] and sources == handlers.render.sources_placeholder()


def test_an_upload_is_added_and_offered(own_library, tmp_path):
    cached = tmp_path / "cache" / "teapots.md"
    cached.parent.mkdir()
    cached.write_text("# Teapots\n\nBy Jane Roe\n\n## Clay\n\nThe best teapots are made of Yixing clay.\n")
    status, picker, examples, _header, _article, box = handlers.add_document(own_library, str(cached))
    assert "Added teapots.md as teapots." in status
    assert picker.visible is True and ("Teapots", "teapots") in picker.choices
    assert any("Teapots" in s[0] for s in examples.raw_samples)
    assert box is None and not cached.exists()
    answer = own_library.ask("What are the best teapots made of?", doc="teapots")
    assert "Yixing clay" in answer.text


def test_a_bad_upload_is_one_line_and_changes_nothing(own_library, tmp_path):
    cached = tmp_path / "slides.pptx"
    cached.write_bytes(b"PK\x03\x04")
    status, *_ = handlers.add_document(own_library, str(cached))
    assert "slides.pptx: unsupported file type '.pptx'" in unescape(status)
    assert [d.id for d in own_library.documents()] == [ARTICLE_ID]


def test_example_questions_name_documents_by_title_never_by_id(own_library, tmp_path):
    untitled = tmp_path / "warsaw_old-town.txt"
    untitled.write_text("The old town was rebuilt after the war from paintings and photographs.\n\n"
                        "Its market square is lined with merchants' houses of the seventeenth century.\n",
                        encoding="utf-8")
    own_library.add(str(untitled))
    assert "What is Warsaw old town about?" in handlers.examples(own_library)  # id warsaw-old-town, no title


def test_a_follow_up_stays_with_the_document_of_the_previous_answer(own_library, tmp_path):
    notes = tmp_path / "kettles.md"
    notes.write_text("# Kettle notes\n\nThe copper kettle was made in 1890 by a smith in Lyon.\n\n"
                     "Its handle was replaced in 1923 after a fire in the workshop.\n", encoding="utf-8")
    own_library.add(str(notes))
    documents = own_library.view().documents
    assert len(documents) >= 2
    first = own_library.ask("When was the copper kettle made?").to_json()
    assert first["citations"][0]["doc"] == "kettles"
    asked = [first["question"]]
    assert conversation_document("When was its handle replaced?", [first], asked, documents) == "kettles"
    assert conversation_document("Why did that happen?", [first], asked, documents) == "kettles"  # no rule reads it
    # A question that stands on its own, or names another document, is asked of every document.
    assert conversation_document("Who leads Pakistan's caretaker government?", [first], asked, documents) == ""
    html = render.answer_html(first, documents)
    assert "cited-about" in html and "Kettle notes" in html
