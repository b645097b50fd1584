"""The chat app in a real browser: Debian's Chromium, headless, driven by Playwright, against a
real `cited chat` subprocess on its own index. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
import shutil
import statistics
from pathlib import Path

import pytest

from eval.server import ROOT, chat_server
from tests.conftest import ARTICLE

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"
ARTICLE_ID = "ecss-pakistan-iran-deescalation"

HOSTILE = """Hostile Markup in Teapot Reviews

By Jane Roe

Web pages about teapots sometimes carry hostile markup such as <script>alert(1)</script> inside ordinary sentences, and a careful reader must show that markup as plain words on the screen instead of running it as a program.

Another trick is an image tag like <img src=x onerror=alert(1)> hidden in the middle of a long paragraph about teapot glazes, which a safe application should also display only as literal text that anyone can read.

Template syntax such as ${7*7} and {{7*7}} can also appear in a review of glazed teapots, and it has to stay exactly as the reviewer typed it, without being evaluated by any template engine.
"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, real_embedder):
    from ingest.pipeline import ingest
    from retrieval.base.settings import Settings

    folder = tmp_path_factory.mktemp("browser")
    settings = Settings.from_env(environ={}, index_dir=folder / "index")
    ingest([str(ARTICLE)], settings, embedder=real_embedder)
    # A 1 MB upload limit, so the too-large case needs only a small file.
    with chat_server(settings.index_dir, folder / "server.log", env={"CITED_MAX_FILE_MB": "1"}) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: run `make browser` (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Recorder:
    """What the page did that a test may want to forbid: dialogs, requests, script errors."""

    def __init__(self, page) -> None:
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def outside(self, url: str) -> list[str]:
        local = re.compile(rf"^(?:{re.escape(url)}/|data:|blob:|about:)")
        return [r for r in self.requests if not local.match(r)]


@pytest.fixture
def page(chromium, app_url, request):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page = context.new_page()
    page.recorder = Recorder(page)
    page.goto(app_url)
    page.wait_for_selector("#cited-question textarea")
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


def ask(page, question: str, press: bool = True) -> None:
    """Type a question, press Enter, and wait for its answer (or abstention) to be complete."""
    before = page.locator("#cited-chat [data-testid=bot]").count()
    page.fill("#cited-question textarea", question)
    if press:
        page.press("#cited-question textarea", "Enter")
    wait_for_answer(page, before)


def wait_for_answer(page, before: int) -> None:
    page.wait_for_function(
        """(before) => {
            const bots = document.querySelectorAll('#cited-chat [data-testid=bot]');
            return bots.length > before && bots[bots.length - 1].querySelector('.cited-answer, .cited-abstain, .cited-error');
        }""",
        arg=before,
    )
    page.wait_for_timeout(300)  # the streamed sentences (30 ms apart) and the panels settle


def last_answer(page):
    return page.locator("#cited-chat [data-testid=bot]").last


def enter_to_answer_ms(page, question: str) -> float:
    """Milliseconds from the Enter keydown to the answer's first sentence in the chat, timed in
    the page itself (performance.now at keydown and in a MutationObserver)."""
    before = page.locator("#cited-chat [data-testid=bot]").count()
    page.fill("#cited-question textarea", question)
    page.evaluate(
        """(before) => {
            window.__t0 = null; window.__t1 = null;
            const box = document.querySelector('#cited-question textarea');
            box.addEventListener('keydown', (e) => { if (e.key === 'Enter') window.__t0 = performance.now(); },
                                 { capture: true, once: true });
            const seen = new MutationObserver(() => {
                const bots = document.querySelectorAll('#cited-chat [data-testid=bot]');
                if (bots.length > before && bots[bots.length - 1].querySelector('.cited-marker, .cited-abstain')) {
                    window.__t1 = performance.now(); seen.disconnect();
                }
            });
            seen.observe(document.querySelector('#cited-chat'), { childList: true, subtree: true });
        }""",
        before,
    )
    page.press("#cited-question textarea", "Enter")
    page.wait_for_function("window.__t1 !== null")
    wait_for_answer(page, before)
    return page.evaluate("window.__t1 - window.__t0")


def test_answer_with_markers_highlight_and_article_view(page, app_url):
    ask(page, "Who wrote the article?")  # warm-up: the first question loads the encoder's caches
    timings = [enter_to_answer_ms(page, q) for q in (
        "When are Pakistan's parliamentary elections?",
        "How does Israel figure in Iran's calculations?",
        "What share of Pakistan's population is Shiite?",
    )]
    print(f"\nEnter-to-answer in the browser (warm): {', '.join(f'{t:.0f}' for t in timings)} ms; "
          f"median {statistics.median(timings):.0f} ms")

    answer = last_answer(page)
    assert "10% to 15%" in answer.inner_text()
    marker = answer.locator("a.cited-marker").first
    assert marker.inner_text() == "[1]"
    paragraph_id = marker.get_attribute("href")[1:]
    assert paragraph_id == f"cited-{ARTICLE_ID}-p12"

    sources = page.locator("#cited-sources")
    assert "What share of Pakistan's population is Shiite?" in sources.locator(".cited-panel-q").inner_text()
    card = sources.locator(".cited-source").first
    assert "[1]" in card.locator(".cited-source-head").inner_text()
    assert "¶12" in card.locator(".cited-source-meta").inner_text()
    assert "Concerns Regarding Sectarian Unrest" in card.locator(".cited-source-meta").inner_text()
    assert "10% to 15%" in card.locator("mark").first.inner_text()
    assert card.locator("mark").first.is_visible()

    marker.click()
    focused = page.locator("#cited-article .cited-focus")
    focused.wait_for()
    assert focused.get_attribute("id") == paragraph_id
    assert "10% to 15%" in focused.locator("mark").inner_text()
    assert _inside_scroll_box(page, paragraph_id)
    assert page.recorder.outside(app_url) == []
    assert page.recorder.dialogs == [] and page.recorder.errors == []


def _inside_scroll_box(page, element_id: str) -> bool:
    """The paragraph is scrolled into the visible part of the article view."""
    return page.evaluate(
        """(id) => {
            const el = document.getElementById(id), box = el.closest('.cited-article-scroll');
            const a = el.getBoundingClientRect(), b = box.getBoundingClientRect();
            return box.scrollTop > 0 && a.top >= b.top - 1 && a.top < b.bottom && a.bottom > b.top;
        }""",
        element_id,
    )


def test_source_card_and_an_older_answers_marker_show_their_paragraph(page):
    ask(page, "Who wrote the article?")
    ask(page, "When are Pakistan's parliamentary elections?")
    card = page.locator("#cited-sources .cited-source").first
    target = card.get_attribute("data-target")
    card.click()
    page.locator(f"#cited-article #{target}.cited-focus").wait_for()
    assert _inside_scroll_box(page, target)

    # The marker of the first answer brings back that answer's sources and its paragraph.
    page.locator("#cited-chat [data-testid=bot]").first.locator("a.cited-marker").click()
    page.wait_for_function(
        "document.querySelector('#cited-sources .cited-panel-q').textContent.includes('Who wrote the article?')")
    focused = page.locator("#cited-article .cited-focus")
    focused.wait_for()
    assert focused.get_attribute("id") == f"cited-{ARTICLE_ID}-p2"
    assert focused.locator("mark").inner_text() == "Ali Atef"

    # Clearing the chat clears the panels too, and answers after it still line up with their markers.
    page.locator("#cited-chat button[aria-label=Clear]").click()
    page.get_by_text("Ask a question: the paragraphs the answer is built from appear here").wait_for()
    ask(page, "What share of Pakistan's population is Shiite?")
    last_answer(page).locator("a.cited-marker").first.click()
    page.locator(f"#cited-article #cited-{ARTICLE_ID}-p12.cited-focus").wait_for()


def test_off_topic_question_shows_the_abstention_state(page):
    ask(page, "What is the boiling point of water?")
    answer = last_answer(page)
    abstain = answer.locator(".cited-abstain")
    assert abstain.is_visible()
    assert "The article does not say" in abstain.inner_text()
    assert answer.locator("a.cited-marker").count() == 0
    assert page.locator("#cited-sources .cited-abstain-banner").is_visible()
    assert page.locator("#cited-sources mark").count() == 0
    # It looks different from an answer: not the answer's plain bubble colours.
    style = abstain.evaluate("e => getComputedStyle(e).borderLeftStyle + ' ' + getComputedStyle(e).borderLeftWidth")
    assert style == "solid 4px"


def test_a_conversation_reads_its_follow_ups_and_the_reading_can_be_edited(page):
    ask(page, "What were Pakistan's motives?")
    first = last_answer(page)
    assert first.locator(".cited-read-as").count() == 0
    assert first.locator(".cited-part-point").count() == 6
    assert "Concerns Regarding Sectarian Unrest within Pakistan" in first.inner_text()
    ask(page, "And Iran's?")
    second = last_answer(page)
    assert second.locator(".cited-read-as").inner_text().startswith("Read as: What were Iran's motives?")
    assert "Incapability of Iran to Simultaneously Open Multiple Fronts" in second.inner_text()
    ask(page, "Which one concerns Israel?")
    third = last_answer(page)
    assert third.locator(".cited-read-as-text").inner_text() == "Which of Iran's motives concerns Israel?"
    assert "Additional Regional Calculations (Israel)" in third.inner_text()
    sources = page.locator("#cited-sources").inner_text()
    assert "II. Iran’s Motives › 6. Additional Regional Calculations (Israel)" in sources
    # A click on the reading puts it in the question box, to edit and ask again.
    third.locator(".cited-read-as").click()
    assert page.input_value("#cited-question textarea") == "Which of Iran's motives concerns Israel?"
    page.fill("#cited-question textarea", "Which of Pakistan's motives concerns India?")
    page.press("#cited-question textarea", "Enter")
    wait_for_answer(page, 3)
    assert "India" in last_answer(page).inner_text()
    assert last_answer(page).locator(".cited-read-as").count() == 0  # it stood on its own


def test_an_abstention_shows_where_the_article_comes_closest(page):
    ask(page, "How many people died in the strikes?")
    abstain = last_answer(page).locator(".cited-abstain")
    assert "The article does not say how many people died in the strikes." in abstain.inner_text()
    closest = abstain.locator(".cited-closest")
    assert closest.inner_text().startswith("Closest, not an answer: ¶4 — “Following reciprocal military strikes")
    closest.locator("a.cited-closest-link").click()
    page.locator(f"#cited-article #cited-{ARTICLE_ID}-p4.cited-focus").wait_for()


def test_example_questions_ask_at_once(page):
    page.locator("#cited-examples").get_by_text("When are Pakistan's parliamentary elections?").click()
    wait_for_answer(page, 0)
    assert "February 8, 2024" in last_answer(page).inner_text()


def test_question_markup_shows_as_text(page):
    ask(page, "<b>bold</b> who wrote <i>it</i>?")
    question = page.locator("#cited-chat [data-testid=user]").last
    assert question.inner_text().strip() == "<b>bold</b> who wrote <i>it</i>?"
    assert question.locator("b, i").count() == 0

    page.fill("#cited-question textarea", "   ")
    page.press("#cited-question textarea", "Enter")
    page.get_by_text("The question is empty: type a question about the article.").wait_for()
    assert page.locator("#cited-chat [data-testid=user]").count() == 1


def test_copy_button_copies_the_answer_with_citations(page):
    ask(page, "Who wrote the article?")
    page.locator("#cited-sources button.cited-copy").click()
    page.wait_for_function("document.querySelector('#cited-sources button.cited-copy').textContent.includes('Copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("**Q:** Who wrote the article?\n\nAli Atef [1]\n\n[1] What Led to Pakistan-Iran")
    assert "¶2: “Ali Atef”" in copied


NOTES = ("# Teapot Notes\n\nYixing clay teapots absorb the flavour of tea over many years of brewing, "
         "so tea lovers keep one clay pot for each kind of tea.\n")


def upload(page, path: Path) -> str:
    """Upload through the page; the status line once the upload is done."""
    if not page.locator("#cited-upload input[type=file]").count():
        page.get_by_text("Add a document").click()
    page.locator("#cited-upload input[type=file]").set_input_files(str(path))
    status = page.locator("#cited-upload-status .cited-upload-ok, #cited-upload-status .cited-error")
    status.filter(has_text=path.name).wait_for(timeout=60_000)  # every status line names its file
    return status.inner_text()


def test_upload_refuses_bad_files_and_adds_a_good_one(page, tmp_path):
    page.get_by_text("Add a document").click()
    file_input = page.locator("#cited-upload input[type=file]")

    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02 not text")
    file_input.set_input_files(str(binary))
    status = page.locator("#cited-upload-status .cited-error")
    status.wait_for()
    assert "blob.txt: this is a binary file, not text" in status.inner_text()

    program = tmp_path / "tool.exe"
    program.write_bytes(b"MZ\x90\x00")
    file_input.set_input_files(str(program))
    page.get_by_text("Invalid file type: tool.exe").wait_for()

    big = tmp_path / "big.txt"
    big.write_text("A sentence about teapots and tea. " * 40_000)  # 1.4 MB, over the 1 MB limit
    file_input.set_input_files(str(big))
    page.get_by_text("exceed the maximum allowed size").wait_for()

    notes = tmp_path / "teapot-notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    assert upload(page, notes).startswith("✓ Added teapot-notes.md as teapot-notes.")
    page.get_by_text("Settings").click()
    picker = page.locator("#cited-doc")
    picker.wait_for()
    assert picker.is_visible()
    assert re.search(r"Asking \d documents", page.locator(".cited-header").inner_text())
    ask(page, "What do Yixing clay teapots absorb?")
    assert "flavour of tea" in last_answer(page).inner_text()
    assert last_answer(page).locator("a.cited-marker").get_attribute("href") == "#cited-teapot-notes-p2"


def test_settings_choose_mode_k_and_document(page, tmp_path):
    notes = tmp_path / "teapot-notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    upload(page, notes)  # added, or already there from the test above: either way two documents
    page.get_by_text("Settings").click()
    page.get_by_label("bm25").check()
    k = page.locator("input[aria-label='number input for Passages to retrieve (k)']")
    k.fill("2")
    k.press("Enter")
    page.locator("#cited-doc input").click()
    page.get_by_role("option").filter(has_text="What Led to Pakistan-Iran").click()
    ask(page, "What do Yixing clay teapots absorb?")
    cards = page.locator("#cited-sources .cited-source")
    assert cards.count() == 2
    assert all("What Led to Pakistan-Iran" in t for t in cards.locator(".cited-doc-title").all_inner_texts())


def test_hostile_document_is_shown_as_text_and_runs_nothing(page, tmp_path, app_url):
    hostile = tmp_path / "hostile-markup.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    assert upload(page, hostile).startswith("✓ Added hostile-markup.txt")

    ask(page, "What hostile markup do web pages about teapots carry?")
    assert "<script>alert(1)</script>" in last_answer(page).inner_text()
    sources = page.locator("#cited-sources").inner_text()
    assert "<script>alert(1)</script>" in sources
    article = page.locator("#cited-article").inner_text()
    assert "<script>alert(1)</script>" in article
    assert "<img src=x onerror=alert(1)>" in article
    assert "${7*7} and {{7*7}}" in article

    ask(page, "Which image tag trick is hidden in a paragraph about teapot glazes?")
    assert "<img src=x onerror=alert(1)>" in page.locator("#cited-sources").inner_text()
    page.wait_for_timeout(500)  # time for an onerror handler to have fired, if one had been created
    assert page.recorder.dialogs == []
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("document.querySelectorAll('#cited-chat script, #cited-sources script, #cited-article script').length") == 0
    assert page.recorder.outside(app_url) == []


def test_a_pasted_text_is_checked_sentence_by_sentence_beside_the_article(page):
    page.get_by_text("Check a text").click()
    page.fill("#cited-check-text textarea", "About 10% to 15% of Pakistan's population is Shiite. "
                                            "Iran has the best air force in the region.")
    page.click("#cited-check-button")
    rows = page.locator("#cited-checked .cited-check-row")
    rows.first.wait_for(timeout=60_000)
    assert rows.count() == 2
    assert "supported" in rows.nth(0).inner_text() and "not in the article" in rows.nth(1).inner_text()
    # The supporting sentence is quoted, and highlighted in its paragraph beside the chat.
    assert "10% to 15%" in rows.nth(0).locator(".cited-check-support").inner_text()
    assert "10% to 15%" in page.locator("#cited-sources mark").first.inner_text()
    assert page.recorder.errors == []
