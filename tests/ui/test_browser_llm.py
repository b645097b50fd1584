"""The chat with an LLM writer, in a real browser against a real `cited chat` subprocess whose
--llm is a scripted OpenAI-compatible server: the draft streams in, then each sentence shows its
verdict (supported with its marker, unsupported struck through and flagged)."""

from __future__ import annotations

import pytest

from eval.server import chat_server
from tests.conftest import ARTICLE
from tests.scripted_llm import ScriptedLlm
from tests.ui.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Recorder, last_answer, wait_for_answer

pytestmark = pytest.mark.browser

QUESTION = "Who leads Pakistan's caretaker government?"


@pytest.fixture(scope="module")
def llm():
    with ScriptedLlm() as server:
        yield server


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, real_embedder, llm):
    from ingest.pipeline import ingest
    from retrieval.base.settings import Settings

    folder = tmp_path_factory.mktemp("browser-llm")
    settings = Settings.from_env(environ={}, index_dir=folder / "index")
    ingest([str(ARTICLE)], settings, embedder=real_embedder)
    with chat_server(settings.index_dir, folder / "server.log", "--llm", llm.url) as url:
        yield url


@pytest.fixture
def page(app_url):
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: run `make browser` (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.recorder = Recorder(page)
        page.goto(app_url)
        page.wait_for_selector("#cited-question textarea")
        yield page
        browser.close()


def test_the_draft_streams_then_each_sentence_shows_its_verdict(page, llm, app_url):
    from retrieval.answer.check import markers  # noqa: F401 — the same marker syntax the page shows

    llm.reply = ("The caretaker government is led by Anwar-ul-Haq Kakar [1]. "
                 "It was formed by the army in 2021 [1]. <script>alert(1)</script> It rains [9].")
    llm.piece_delay = 0.05  # a slow model: the draft is on screen while it writes
    before = page.locator("#cited-chat [data-testid=bot]").count()
    page.fill("#cited-question textarea", QUESTION)
    page.press("#cited-question textarea", "Enter")
    page.wait_for_selector("#cited-chat .cited-draft", timeout=30_000)
    draft = page.locator("#cited-chat .cited-draft").last.inner_text()
    assert draft and llm.reply.startswith(draft.strip())  # part of the reply, shown as it streams
    wait_for_answer(page, before)
    page.wait_for_selector("#cited-chat .cited-writer-llm")
    answer = last_answer(page)
    assert "scripted-model" in answer.locator(".cited-writer-llm").inner_text()
    supported = answer.locator(".cited-supported")
    assert supported.count() == 1 and "Anwar-ul-Haq Kakar" in supported.inner_text()
    assert answer.locator(".cited-marker").count() == 1
    flags = answer.locator(".cited-flag").all_inner_texts()
    assert any("2021 is not in the cited passage" in f for f in flags)
    assert any("cites a passage it was not given" in f for f in flags)
    assert "<script>alert(1)</script>" in answer.inner_text()  # shown as words, never run
    assert page.recorder.dialogs == [] and page.recorder.errors == []
    # The sources panel shows the passage the supported sentence cites, its sentence highlighted.
    assert "Anwar-ul-Haq Kakar" in page.locator(".cited-sources mark").first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "llm-checked-answer.png"))
