"""The app's HTML: document text and questions only ever appear as text; markers, highlights and
paragraph ids line up. Answers come from the real pipeline over a hostile document (hashing
encoder: fast; the browser tests repeat this with the real model in a real page)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from ingest.document import Block, assemble
from retrieval.index.records import Metadata
from ui import render

HOSTILE = """Hostile Markup in Teapot Reviews

By Jane Roe

Web pages about teapots sometimes carry hostile markup such as <script>alert(1)</script> inside ordinary sentences, and a careful reader must show that markup as plain words on the screen instead of running it as a program.

Another trick is an image tag like <img src=x onerror=alert(1)> hidden in the middle of a long paragraph about teapot glazes, which a safe application should also display only as literal text that anyone can read.

Quotes " and ' and ampersands & and template syntax such as ${7*7} and {{7*7}} can appear in a review of glazed teapots, and they have to stay exactly as the reviewer typed them.
"""


class Tags(HTMLParser):
    """Every start tag and its attributes, as a browser's parser would see them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def assert_only_our_tags(html: str) -> Tags:
    parsed = Tags(html)
    allowed = {"div", "span", "a", "mark", "button", "details", "summary", "article", "p", "em", "strong"}
    for tag, attrs in parsed.tags:
        assert tag in allowed, tag
        assert not any(name.startswith("on") for name in attrs), attrs
        assert all(not str(v).lower().startswith("javascript:") for v in attrs.values())
    return parsed


@pytest.fixture
def hostile(hashing_settings, hashing_embedder, tmp_path):
    from ingest.pipeline import ingest
    from retrieval.answer.answerer import Answerer
    from retrieval.search.retriever import Retriever

    source = tmp_path / "hostile-markup.txt"
    source.write_text(HOSTILE, encoding="utf-8")
    report = ingest([str(source)], hashing_settings, embedder=hashing_embedder)
    assert report.added == ["hostile-markup"]
    answerer = Answerer(Retriever.load(hashing_settings, hashing_embedder))
    documents = {d.id: d for d in answerer.retriever.index.documents}
    return answerer, documents


def test_hostile_document_text_shows_as_text_everywhere(hostile):
    answerer, documents = hostile
    answer = answerer.ask("What hostile markup script tag do teapot pages carry?", k=5).to_json()
    pieces = [
        render.sources_html(answer, documents),
        render.article_html(answer, documents),
        render.answer_html(answer, documents),
        render.header_html(documents),
    ]
    for html in pieces:
        assert_only_our_tags(html)
    article_text = "".join(Tags(pieces[1]).text)
    assert "<script>alert(1)</script>" in article_text
    assert "<img src=x onerror=alert(1)>" in article_text
    assert "${7*7} and {{7*7}}" in article_text
    sources_text = "".join(Tags(pieces[0]).text)
    assert "<script>alert(1)</script>" in sources_text


def test_questions_show_as_text():
    html = render.question_html('<b>x</b> & <img src=x onerror=alert(1)>')
    parsed = assert_only_our_tags(html)
    assert [t for t, _ in parsed.tags] == ["span"]
    assert "".join(parsed.text) == '<b>x</b> & <img src=x onerror=alert(1)>'
    assert_only_our_tags(render.error_html("bad <script>x</script>"))


def test_markers_point_at_paragraphs_of_the_article_view(answerer):
    answer = answerer.ask("What share of Pakistan's population is Shiite?").to_json()
    documents = {d.id: d for d in answerer.retriever.index.documents}
    chat = Tags(render.answer_html(answer, documents))
    markers = [attrs["href"] for tag, attrs in chat.tags if tag == "a"]
    # One marker per sentence, and one after the reader's short answer when it marked one.
    assert len(markers) == len(answer["sentences"]) + (answer["short_answer"] is not None) >= 1
    article = Tags(render.article_html(answer, documents))
    ids = {attrs.get("id") for _, attrs in article.tags}
    for href in markers:
        assert href.startswith("#") and href[1:] in ids
    sources = Tags(render.sources_html(answer, documents))
    targets = [attrs["data-target"] for tag, attrs in sources.tags if "data-target" in attrs]
    assert targets[0] == markers[0][1:]


def test_supporting_sentences_are_highlighted(answerer):
    answer = answerer.ask("When are Pakistan's parliamentary elections?").to_json()
    documents = {d.id: d for d in answerer.retriever.index.documents}
    for html in (render.sources_html(answer, documents), render.article_html(answer, documents)):
        marked = _marked_text(html)
        for sentence in answer["sentences"]:
            assert sentence["text"] in marked


def _marked_text(html: str) -> str:
    class Marks(HTMLParser):
        depth, out = 0, []

        def handle_starttag(self, tag, attrs):
            self.depth += tag == "mark"

        def handle_endtag(self, tag):
            self.depth -= tag == "mark"
            if tag == "mark" and not self.depth:  # the short answer's mark sits inside its sentence's
                self.out.append("|")

        def handle_data(self, data):
            if self.depth:
                self.out.append(data)

    m = Marks()
    m.out = []
    m.feed(html)
    return "".join(m.out)


def test_abstention_renders_differently_from_an_answer(answerer):
    documents = {d.id: d for d in answerer.retriever.index.documents}
    answer = answerer.ask("What is the boiling point of water?").to_json()
    assert answer["abstained"]
    chat = render.answer_html(answer, documents)
    assert 'class="cited-abstain"' in chat and "cited-marker" not in chat
    sources = render.sources_html(answer, documents)
    assert "cited-sources-abstained" in sources and "<mark>" not in sources
    assert "<mark>" not in render.article_html(answer, documents)


def test_an_abstention_says_what_is_not_said_and_shows_the_closest_sentence_apart(answerer):
    documents = {d.id: d for d in answerer.retriever.index.documents}
    answer = answerer.ask("How many people died in the strikes?").to_json()
    assert answer["abstained"] and answer["citations"] == []
    closest = answer["closest"][0]
    assert documents[closest["doc"]].text[closest["start"]:closest["end"]] == closest["text"]
    chat = render.answer_html(answer, documents)
    assert "The article does not say how many people died in the strikes." in chat
    assert "Closest, not an answer:" in chat and f"¶{closest['paragraph']}" in chat
    assert "cited-marker" not in chat  # a pointer to the paragraph, never an answer's citation marker


def test_an_overview_is_laid_out_by_section_and_point(answerer):
    documents = {d.id: d for d in answerer.retriever.index.documents}
    answer = answerer.ask("Summarize the article").to_json()
    chat = render.answer_html(answer, documents)
    assert chat.count('class="cited-part-heading"') == 3  # I. Pakistan's motives, II. Iran's, Conclusion
    assert chat.count('class="cited-part-point"') == 12
    assert render.read_as_html(answer) == ""


def test_a_follow_ups_reading_is_shown_escaped_above_its_answer(answerer):
    answer = answerer.ask("And <b>Iran</b>'s?", history=["What were Pakistan's motives?"]).to_json()
    assert answer["interpreted_as"] == "What were <b>Iran</b>'s motives?"
    html = render.answer_html(answer, {d.id: d for d in answerer.retriever.index.documents})
    assert html.startswith('<div class="cited-read-as"') and "<b>" not in html.split("cited-answer")[0]
    assert "&lt;b&gt;Iran&lt;/b&gt;&#x27;s" in html


def test_highlight_never_splits_an_entity():
    text = 'a & b < c "d"'
    assert render._highlighted(text, 0, len(text), [(2, 5), (4, 7)]) == 'a <mark>&amp; b</mark><mark> &lt;</mark> c &quot;d&quot;'


def test_copy_text_has_the_answer_and_its_citations(answerer):
    documents = {d.id: d for d in answerer.retriever.index.documents}
    answer = answerer.ask("Who wrote the article?").to_json()
    text = render.answer_markdown(answer, documents)
    assert text.splitlines()[0] == "**Q:** Who wrote the article?"
    assert answer["answer"] in text
    title = documents["ecss-pakistan-iran-deescalation"].meta.title
    assert f"[1] {title}, ¶{answer['citations'][0]['paragraph']}: “Ali Atef”" in text


def test_very_long_documents_show_a_window_around_the_cited_paragraph():
    blocks = [Block(f"Paragraph number {i} says something.") for i in range(1, 1001)]
    doc = assemble("long", blocks, Metadata(title="Long"), "txt", "0")
    p = doc.paragraphs[499]
    answer = {
        "question": "q", "answer": "x [1]", "abstained": False,
        "citations": [{"n": 1, "doc": "long", "paragraph": 500, "start": p.start, "end": p.end,
                       "text": doc.paragraph_text(p), "score": 1.0, "rank": 1, "section": [], "page": None}],
        "sentences": [{"text": doc.paragraph_text(p), "doc": "long", "start": p.start, "end": p.end, "citation": 1}],
        "passages": [],
    }
    html = render.article_html(answer, {"long": doc})
    ids = {attrs.get("id") for _, attrs in Tags(html).tags if attrs.get("id")}
    assert ids == {render.paragraph_id("long", n) for n in range(488, 513)}
    assert "¶1–487 not shown" in html and "¶513–1000 not shown" in html


def test_a_source_shows_a_score_only_when_retrieval_ranked_it(answerer):
    documents = {d.id: d for d in answerer.retriever.index.documents}
    outline = answerer.ask("What were Iran's motives?").to_json()  # its points: cited, not retrieved
    for answer, unranked in ((outline, True),
                             (answerer.ask("When are Pakistan's parliamentary elections?").to_json(), False)):
        ranked = [c for c in answer["citations"] if c["rank"]]
        assert (len(ranked) < len(answer["citations"])) == unranked
        cited = {(c["doc"], c["start"]) for c in answer["citations"]}
        others = [p for p in answer["passages"] if (p["doc"], p["start"]) not in cited]  # listed, with scores
        assert render.sources_html(answer, documents).count("score ") == len(ranked) + len(others)
