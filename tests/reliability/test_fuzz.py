"""Fuzzing with hypothesis: the question path, the web endpoint's arguments, every text reader,
and a tampered index. The properties: nothing raises but our own error types; chunk offsets
always point at the text they hold; an answer holds only the document's own text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document
from ingest.document import assemble
from ingest.readers import BY_SUFFIX, read_bytes
from retrieval.answer.abstention import ABSTAIN_TEXT
from retrieval.base.errors import CitedError, DocumentError, IndexError_, QuestionError
from retrieval.index.folder_read import read_index

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ARTICLE_WORDS = ("Pakistan", "Iran", "Shiite", "Baloch", "attacks", "elections", "Israel", "who", "wrote", "what",
                 "when", "share", "population", "de-escalation", "?", "the", "of", "Jaish", "al-Adl", "2024")

# Any text at all, and text made of the article's words with odd characters between them.
any_text = st.text(max_size=400)
wordy_text = st.lists(
    st.one_of(st.sampled_from(ARTICLE_WORDS), st.text(min_size=1, max_size=3)), min_size=1, max_size=20
).map(" ".join)
questions = st.one_of(any_text, wordy_text)


def assert_grounded(answer: dict, documents: dict) -> None:
    json.dumps(answer, ensure_ascii=False).encode("utf-8")  # valid UTF-8 JSON, whatever came in
    if answer["abstained"]:
        assert answer["answer"].startswith(ABSTAIN_TEXT[:-1]) and not answer["sentences"]
        for s in answer["closest"]:  # where the article comes closest: its own words, not an answer
            assert documents[s["doc"]].text[s["start"] : s["end"]] == s["text"]
        return
    for s in answer["sentences"]:
        assert documents[s["doc"]].text[s["start"] : s["end"]] == s["text"]
    # The answer is its sentences, each with its marker, in order (an outline puts each item on a
    # line of its own: only the whitespace between them differs).
    written = " ".join(f"{s['text']} [{s['citation']}]" for s in answer["sentences"])
    assert answer["answer"].split() == written.split()
    cited = {c["n"]: c for c in answer["citations"]}
    for s in answer["sentences"]:
        c = cited[s["citation"]]
        assert c["start"] <= s["start"] and s["end"] <= c["end"], "a sentence lies inside the passage it cites"


@pytest.fixture(scope="module")
def documents(answerer) -> dict:
    return {d.id: d for d in answerer.retriever.index.documents}


@FUZZ
@given(question=questions)
def test_any_question_is_answered_from_the_article_or_refused(answerer, documents, question):
    try:
        answer = answerer.ask(question).to_json()
    except QuestionError as e:
        assert "\n" not in str(e)
        return
    assert_grounded(answer, documents)


@pytest.fixture(scope="module")
def library(article_settings, real_embedder):
    from cited.library import Library

    return Library(article_settings, real_embedder)


json_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@FUZZ
@given(question=questions, k=json_values, mode=st.one_of(json_values, st.sampled_from(["dense", "bm25", "hybrid", ""])),
       doc=st.one_of(json_values, st.just("ecss-pakistan-iran-deescalation")))
def test_the_web_endpoints_arguments_are_checked(library, documents, question, k, mode, doc):
    """What /ask receives is whatever JSON a client sends (NaN and Infinity included)."""
    try:
        answer = library.ask(question, k, mode, doc).to_json()
    except CitedError as e:
        assert "\n" not in str(e)
        return
    assert_grounded(answer, documents)
    assert 1 <= len(answer["passages"]) <= int(library.settings.k if k is None else k)


def check_reading(data: bytes, suffix: str) -> None:
    try:
        reading = read_bytes(data, f"fuzz{suffix}", BY_SUFFIX[suffix])
    except DocumentError as e:
        assert str(e).startswith(f"fuzz{suffix}: ") and "\n" not in str(e)
        return
    doc = assemble("fuzz", reading.blocks, reading.meta, reading.format, reading.sha256)
    for p in doc.paragraphs:
        assert doc.text[p.start : p.end].strip()
    for size in (80, 1200):
        for c in chunk_document(doc, size, 0):
            assert c.text == doc.text[c.start : c.end]
            for s, e in c.sentences:
                assert c.start <= s < e <= c.end


markup_text = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(["<p>", "</p>", "<h1>", "</h1>", "<script>alert(1)</script>", "<article>", "<!--", "-->",
                         "# ", "## ", "- ", "1. ", "```", "---\n", "title: x\n", "\n\n", "&amp;", "&#0;", "\x00",
                         "By Jane Doe", "March 3, 2023", "\u202e", "\ufeff"]),
    ),
    max_size=30,
).map("".join)


@FUZZ
@given(text=st.one_of(any_text, markup_text), suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_any_text_is_read_and_chunked_or_refused(text, suffix):
    check_reading(text.encode("utf-8", "surrogatepass"), suffix)


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".md", ".html", ".pdf"]))
def test_any_bytes_are_read_or_refused(data, suffix):
    check_reading(data, suffix)


@FUZZ
@given(tail=st.binary(max_size=3000))
def test_anything_that_starts_like_a_pdf_is_read_or_refused(tail):
    check_reading(b"%PDF-1.4\n" + tail, ".pdf")


# --- a tampered index -----------------------------------------------------------------------------

json_trees = st.recursive(json_values, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                               st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                          max_leaves=8)


@pytest.fixture(scope="module")
def pristine(article_settings, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("fuzz-index") / "index"
    shutil.copytree(article_settings.index_dir, target)
    return target


@FUZZ
@given(data=st.data())
def test_a_tampered_manifest_is_read_or_refused_with_our_error(pristine, tmp_path_factory, data):
    """Any key of the manifest, at any depth, replaced by any JSON: read, or an IndexError_."""
    index = tmp_path_factory.mktemp("tampered") / "index"
    shutil.copytree(pristine, index)
    manifest = json.loads((index / "manifest.json").read_text())
    node, key = manifest, None
    while True:  # walk down to a random key
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        if not isinstance(node[key], (dict, list)) or not node[key] or data.draw(st.booleans()):
            break
        node = node[key]
    assume(key is not None)
    if data.draw(st.booleans()):
        node[key] = data.draw(json_trees)
    else:
        del node[key]
    (index / "manifest.json").write_text(json.dumps(manifest))
    try:
        read_index(index, expected_model=data.draw(st.sampled_from([None, "all-MiniLM-L6-v2"])))
    except IndexError_ as e:
        assert "\n" not in str(e) and str(index) in str(e)


@FUZZ
@given(name=st.sampled_from(["manifest.json", "documents.jsonl", "chunks.jsonl", "chunks.faiss", "sentences.faiss"]),
       data=st.data())
def test_flipped_bytes_in_any_index_file_are_caught(pristine, tmp_path_factory, name, data):
    index = tmp_path_factory.mktemp("flipped") / "index"
    shutil.copytree(pristine, index)
    file = index / name
    original = file.read_bytes()
    content = bytearray(original)
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(content) - 1))
        content[at] ^= data.draw(st.integers(1, 255))
    assume(content != original)  # two flips of one byte can undo each other
    file.write_bytes(bytes(content))
    try:
        read_index(index)
    except IndexError_ as e:
        assert "\n" not in str(e)
        if name != "manifest.json":
            assert name in str(e)
    else:  # only a change the manifest's JSON does not notice (e.g. inside a string) can be read
        assert name == "manifest.json"
