"""The index folder: manifest, atomic writes, and refusals with a way out."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from ingest.pipeline import ingest
from retrieval.base.errors import IndexCorrupt, IndexMismatch, IndexMissing
from retrieval.index.folder_read import read_index, read_manifest
from retrieval.search.retriever import Retriever
from tests.conftest import ARTICLE


def test_manifest_describes_the_index(article_settings):
    manifest = read_manifest(article_settings.index_dir)
    assert manifest["schema_version"] == 2 and manifest["segments"] == []
    assert manifest["model"] == "all-MiniLM-L6-v2"
    assert manifest["dimension"] == 384
    assert manifest["chunking"]["chunk_size"] == article_settings.chunk_size
    (doc,) = manifest["documents"]
    assert doc["title"].startswith("What Led to Pakistan-Iran De-Escalation")
    assert doc["authors"] == ["Ali Atef"] and doc["date"] == "2024-02-06"
    assert len(doc["sha256"]) == 64
    files = {p.name for p in article_settings.index_dir.iterdir()}
    assert {"manifest.json", "chunks.jsonl", "documents.jsonl", "chunks.faiss", "sentences.faiss"} <= files
    for line in (article_settings.index_dir / "chunks.jsonl").read_text().splitlines():
        json.loads(line)


def test_no_pickle_in_the_index(article_settings):
    files = [f for f in article_settings.index_dir.rglob("*") if f.is_file()]
    assert len(files) > 6  # the stored BM25's files too
    for file in files:
        data = file.read_bytes()
        assert not data.startswith(b"\x80"), f"{file.name} looks like a pickle"
        if file.suffix == ".npy":  # numpy's own format, never an object (pickled) array
            assert b"'descr': '|O'" not in data[:200], file.name


@pytest.fixture
def index_copy(article_settings, tmp_path):
    target = tmp_path / "index"
    shutil.copytree(article_settings.index_dir, target)
    return target


def test_missing_index(tmp_path):
    with pytest.raises(IndexMissing) as e:
        read_index(tmp_path / "nowhere")
    assert "cited ingest" in str(e.value)


def test_index_of_another_model_is_refused(index_copy):
    with pytest.raises(IndexMismatch) as e:
        read_index(index_copy, expected_model="some-other-model")
    assert "--rebuild" in str(e.value) and "all-MiniLM-L6-v2" in str(e.value)


def test_unknown_schema_version_is_refused(index_copy):
    manifest = json.loads((index_copy / "manifest.json").read_text())
    manifest["schema_version"] = 99
    (index_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch) as e:
        read_index(index_copy)
    assert "schema version 99" in str(e.value)


@pytest.mark.parametrize("name", ["chunks.jsonl", "documents.jsonl", "chunks.faiss", "sentences.faiss", "manifest.json"])
@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete"])
def test_damaged_file_is_named(index_copy, name, damage):
    file = index_copy / name
    if damage == "truncate":
        file.write_bytes(file.read_bytes()[: len(file.read_bytes()) // 2])
    elif damage == "garbage":
        file.write_bytes(b"\x00garbage\xff" * 50)
    else:
        file.unlink()
    with pytest.raises(IndexCorrupt) as e:
        read_index(index_copy)
    assert name in str(e.value)
    assert "--rebuild" in str(e.value)
    assert "\n" not in str(e.value)


def test_failed_ingest_leaves_the_old_index(index_copy, article_settings, tmp_path):
    from dataclasses import replace

    settings = replace(article_settings, index_dir=index_copy)
    before = (index_copy / "manifest.json").read_text()
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    report = ingest([str(bad)], settings)
    assert report.failed and "empty.txt" in str(report.failed[0])
    assert (index_copy / "manifest.json").read_text() == before
    retriever = Retriever.load(settings)
    assert retriever.search("Who wrote the article?", k=1)[0].doc == "ecss-pakistan-iran-deescalation"


def test_reingest_unchanged_file_embeds_nothing(index_copy, article_settings):
    from dataclasses import replace

    settings = replace(article_settings, index_dir=index_copy)
    report = ingest([str(ARTICLE)], settings)
    assert report.skipped == ["ecss-pakistan-iran-deescalation"]
    assert report.embedded == 0


def test_bm25_is_stored_with_the_index_and_scores_as_built(article_settings, real_embedder):
    """Opening reads BM25 from the index folder (memory-mapped) instead of tokenizing every chunk
    again; its scores are those of BM25 built from the chunks."""
    from retrieval.index.folder import BM25_FOLDERS
    from retrieval.index.folder_read import read_manifest
    from retrieval.index.lexical import Bm25Index, tokenize
    from retrieval.search.retriever import Retriever

    manifest = read_manifest(article_settings.index_dir)
    assert any(name.startswith(BM25_FOLDERS[0] + "/") for name in manifest["files"])
    retriever = Retriever.load(article_settings, real_embedder)
    built = Bm25Index([c.embed_text() for c in retriever.chunks])
    for question in ("Shiite population of Pakistan", "caretaker government elections", "zzz unknown"):
        tokens = tokenize([question])[0]
        assert np.allclose(retriever._bm25.scores(tokens), built.scores(tokens))


def test_a_damaged_bm25_file_is_named(article_settings, tmp_path):
    import shutil

    from retrieval.base.errors import IndexCorrupt
    from retrieval.index.folder import BM25_FOLDERS
    from retrieval.index.folder_read import read_index

    copy = tmp_path / "index"
    shutil.copytree(article_settings.index_dir, copy)
    vocab = copy / BM25_FOLDERS[1] / "vocab.index.json"
    vocab.write_text(vocab.read_text().replace('"', "'", 2))
    with pytest.raises(IndexCorrupt, match="bm25-sentences/vocab.index.json"):
        read_index(copy)


def test_vectors_are_memory_mapped_from_faiss_files_and_equal_faiss_reading(article_settings, tmp_path):
    import faiss

    from retrieval.index.vector_files import flat_vectors

    for name in ("chunks.faiss", "sentences.faiss"):
        file = article_settings.index_dir / name
        mapped = flat_vectors(file)
        assert isinstance(mapped, np.memmap) and not mapped.flags.writeable
        index = faiss.read_index(str(file))
        np.testing.assert_array_equal(mapped, index.reconstruct_n(0, index.ntotal))
    # Another layout (here L2, metric 1) is read through FAISS; an empty index gives no rows.
    vectors = np.random.default_rng(0).random((4, 6), dtype=np.float32)
    l2 = faiss.IndexFlatL2(6)
    l2.add(vectors)
    faiss.write_index(l2, str(tmp_path / "l2.faiss"))
    read = flat_vectors(tmp_path / "l2.faiss")
    assert not isinstance(read, np.memmap)
    np.testing.assert_array_equal(read, vectors)
    faiss.write_index(faiss.IndexFlatIP(6), str(tmp_path / "empty.faiss"))
    assert flat_vectors(tmp_path / "empty.faiss").shape == (0, 6)


@pytest.mark.parametrize("rows", [0, 1, 65_536 + 3])
def test_vectors_are_written_as_faiss_writes_a_flat_index_byte_for_byte(tmp_path, rows):
    import faiss

    from retrieval.index import folder as store

    vectors = np.random.default_rng(rows).random((rows, 8), dtype=np.float32)
    index = faiss.IndexFlatIP(8)
    index.add(vectors)
    store.write_flat_vectors(tmp_path / "v.faiss", vectors, 8)
    assert (tmp_path / "v.faiss").read_bytes() == faiss.serialize_index(index).tobytes()
    np.testing.assert_array_equal(faiss.read_index(str(tmp_path / "v.faiss")).reconstruct_n(0, rows), vectors)


def test_a_damaged_file_is_named_by_its_checksum_before_what_parsing_made_of_it(index_copy):
    (index_copy / "chunks.jsonl").write_text("not json\n")
    with pytest.raises(IndexCorrupt) as e:
        read_index(index_copy)
    assert "chunks.jsonl does not match its checksum" in str(e.value)
