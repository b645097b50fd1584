"""Many documents in one index: each passage names its document, `--doc` restricts, documents are
listed and removed; re-ingesting embeds only what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import encode, ingest, remove_document
from retrieval.base.errors import UnknownDocument
from retrieval.base.settings import Settings
from retrieval.index.folder_read import read_index, read_manifest
from retrieval.search.retriever import Retriever
from tests.conftest import ARTICLE

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def library(tmp_path) -> Path:
    """A folder of articles: two captures at the top, an HTML page in a sub-folder, and files
    that are not ingested (an image, a hidden folder)."""
    folder = tmp_path / "library"
    (folder / "pages").mkdir(parents=True)
    (folder / ".cache").mkdir()
    shutil.copy(FIXTURES / "news-capture.txt", folder)
    shutil.copy(FIXTURES / "blog-capture.txt", folder)
    shutil.copy(FIXTURES / "saved-page.html", folder / "pages")
    shutil.copy(FIXTURES / "report-capture.txt", folder / ".cache")
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not ingested")
    return folder


def texts_of(path: Path, settings: Settings, embedder) -> int:
    """How many texts one file sends through the encoder on its own, into an empty index."""
    alone = Settings.from_env(environ={}, index_dir=settings.index_dir.parent / f"alone-{path.stem}", model=embedder.name)
    return ingest([str(path)], alone, embedder=embedder).embedded


def doc_vectors(index, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
    rows = [i for i, c in enumerate(index.chunks) if c.doc == doc_id]
    starts = np.cumsum([0] + [len(c.sentences) for c in index.chunks])
    sentence_rows = [j for i in rows for j in range(starts[i], starts[i + 1])]
    return index.chunk_vectors[rows], index.sentence_vectors[sentence_rows]


def test_a_folder_is_read_recursively_by_extension(library, hashing_settings, hashing_embedder):
    report = ingest([str(library)], hashing_settings, embedder=hashing_embedder)
    assert sorted(report.added) == ["blog-capture", "news-capture", "saved-page"]
    assert not report.failed
    manifest = read_manifest(hashing_settings.index_dir)
    titles = {d["id"]: d["title"] for d in manifest["documents"]}
    assert titles["saved-page"] == "The Return of the Night Train"
    assert titles["news-capture"].startswith("Reservoirs along the east coast")
    assert manifest["counts"]["documents"] == 3
    for d in manifest["documents"]:
        assert d["paragraphs"] > 0 and d["chunks"] > 0 and Path(d["source"]).is_absolute()


def test_every_passage_names_its_document_and_doc_restricts(library, hashing_settings, hashing_embedder):
    ingest([str(library)], hashing_settings, embedder=hashing_embedder)
    retriever = Retriever.load(hashing_settings, hashing_embedder)
    everywhere = retriever.search("reservoir water storage sourdough dough train sleeper", k=30)
    assert {p.doc for p in everywhere} == {"blog-capture", "news-capture", "saved-page"}
    only = retriever.search("reservoir water storage sourdough dough train sleeper", k=30, doc="blog-capture")
    assert only and {p.doc for p in only} == {"blog-capture"}
    with pytest.raises(UnknownDocument, match="no-such-doc"):
        retriever.search("water", doc="no-such-doc")


def test_unchanged_files_are_not_embedded_again(library, hashing_settings, hashing_embedder):
    ingest([str(library)], hashing_settings, embedder=hashing_embedder)
    manifest = (hashing_settings.index_dir / "manifest.json").read_bytes()
    again = ingest([str(library)], hashing_settings, embedder=hashing_embedder)
    assert again.added == again.updated == [] and sorted(again.skipped) == ["blog-capture", "news-capture", "saved-page"]
    assert again.embedded == 0
    assert (hashing_settings.index_dir / "manifest.json").read_bytes() == manifest, "nothing new: nothing written"
    # The same bytes under another name are the same article: not indexed twice.
    copy = library.parent / "elsewhere" / "news.txt"
    copy.parent.mkdir()
    shutil.copy(library / "news-capture.txt", copy)
    third = ingest([str(copy)], hashing_settings, embedder=hashing_embedder)
    assert third.skipped == ["news-capture"] and third.embedded == 0


def test_a_changed_file_replaces_only_its_own_chunks(library, hashing_settings, hashing_embedder):
    ingest([str(library)], hashing_settings, embedder=hashing_embedder)
    before = read_index(hashing_settings.index_dir)
    blog = library / "blog-capture.txt"
    blog.write_text(blog.read_text(encoding="utf-8").replace(
        "You may be surprised how much of the problem simply goes away.",
        "You may be surprised how much of the problem simply goes away.\n\n"
        "One last thing: write down the temperature of the kitchen every time you bake, because after a "
        "month of notes you will know your own dough better than any recipe can describe it.",
    ), encoding="utf-8")
    report = ingest([str(library)], hashing_settings, embedder=hashing_embedder)
    after = read_index(hashing_settings.index_dir)
    assert report.updated == ["blog-capture"] and sorted(report.skipped) == ["news-capture", "saved-page"]
    assert 0 < report.embedded == texts_of(blog, hashing_settings, hashing_embedder)
    assert "write down the temperature of the kitchen" in after.document("blog-capture").text
    for doc_id in ("news-capture", "saved-page"):  # kept as they were, vectors and all
        assert after.document(doc_id) == before.document(doc_id)
        for old, new in zip(doc_vectors(before, doc_id), doc_vectors(after, doc_id)):
            assert np.array_equal(old, new)
    assert len(after.chunks) == len(before.chunks) + 1


def test_remove_by_id_or_by_path(library, hashing_settings, hashing_embedder):
    ingest([str(library)], hashing_settings, embedder=hashing_embedder)
    left = remove_document(hashing_settings, "news-capture")
    assert sorted(left) == ["blog-capture", "saved-page"]
    left = remove_document(hashing_settings, str(library / "pages" / "saved-page.html"))
    assert left == ["blog-capture"]
    index = read_index(hashing_settings.index_dir)
    assert {c.doc for c in index.chunks} == {"blog-capture"}
    assert len(index.sentence_vectors) == sum(len(c.sentences) for c in index.chunks)
    with pytest.raises(UnknownDocument, match="news-capture"):
        remove_document(hashing_settings, "news-capture")
    # Removed means gone: ingesting it again adds it back, embedded afresh.
    again = ingest([str(library / "news-capture.txt")], hashing_settings, embedder=hashing_embedder)
    assert again.added == ["news-capture"] and again.embedded > 0


def test_rebuild_starts_a_new_index(library, hashing_settings, hashing_embedder):
    ingest([str(library)], hashing_settings, embedder=hashing_embedder)
    report = ingest([str(library / "blog-capture.txt")], hashing_settings, embedder=hashing_embedder, rebuild=True)
    assert report.added == ["blog-capture"]
    assert [d.id for d in read_index(hashing_settings.index_dir).documents] == ["blog-capture"]


def test_ids_stay_unique_for_files_of_the_same_name(tmp_path, hashing_settings, hashing_embedder):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
    shutil.copy(FIXTURES / "news-capture.txt", tmp_path / "a" / "article.txt")
    shutil.copy(FIXTURES / "blog-capture.txt", tmp_path / "b" / "article.txt")
    report = ingest([str(tmp_path / "a"), str(tmp_path / "b")], hashing_settings, embedder=hashing_embedder)
    assert report.added == ["article", "article-2"]


def test_progress_bar_only_when_asked_and_only_when_slow(real_embedder, hashing_embedder, capsys):
    sentences = [f"Sentence number {i} about harbours, reservoirs and night trains." for i in range(300)]
    vectors = encode(real_embedder, [sentences[:100], [], sentences[100:]], progress=True, delay=0)
    assert vectors.shape == (300, real_embedder.dimension)
    assert np.allclose(vectors, real_embedder.encode(sentences), atol=1e-5)  # in order
    bar = capsys.readouterr().err
    assert "embedding: " in bar and "/300 [" in bar and "text/s" in bar
    encode(real_embedder, [sentences], progress=False, delay=0)
    assert capsys.readouterr().err == ""
    encode(hashing_embedder, [sentences], progress=True, delay=60)  # done before the delay: no bar at all
    assert capsys.readouterr().err == ""


def test_two_documents_with_the_real_model(article_settings, real_embedder, tmp_path):
    """The bundled article's index plus an HTML page: only the page is embedded, questions about
    either find the right one, and --doc keeps a question inside one document."""
    from retrieval.answer.answerer import Answerer

    settings = Settings.from_env(environ={}, index_dir=tmp_path / "index")
    shutil.copytree(article_settings.index_dir, settings.index_dir)
    before = read_index(settings.index_dir)
    report = ingest([str(ARTICLE), str(FIXTURES / "saved-page.html")], settings, embedder=real_embedder)
    after = read_index(settings.index_dir)
    assert report.added == ["saved-page"] and report.skipped == ["ecss-pakistan-iran-deescalation"]
    assert 0 < report.embedded == texts_of(FIXTURES / "saved-page.html", settings, real_embedder)
    for old, new in zip(doc_vectors(before, "ecss-pakistan-iran-deescalation"),
                        doc_vectors(after, "ecss-pakistan-iran-deescalation")):
        assert np.array_equal(old, new)

    answerer = Answerer(Retriever.load(settings, real_embedder))
    trains = answerer.ask("How much of the cost of a ticket can track access charges make up?")
    assert not trains.abstained and "a third of the cost of a ticket" in trains.text
    assert trains.citations[0][1].doc == "saved-page"
    assert trains.citations[0][1].section == ("Can it pay its way?",)
    shiite = answerer.ask("What share of Pakistan's population is Shiite?")
    assert shiite.citations[0][1].doc == "ecss-pakistan-iran-deescalation" and "10% to 15%" in shiite.text
    for doc, author in (("saved-page", "Clara Lindqvist"), ("ecss-pakistan-iran-deescalation", "Ali Atef")):
        answer = answerer.ask("Who wrote the article?", doc=doc)
        assert author in answer.text
        assert {p.doc for p in answer.passages} == {doc}
