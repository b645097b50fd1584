"""`cited bench --scale`: a corpus written straight to the store opens as an index whose every
offset holds, and the whole command prints its figures (real model, real store, a child process)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from eval.scale import build_index
from retrieval.base.settings import Settings
from retrieval.index.folder_read import read_index
from retrieval.index.stores import FolderStore
from ui.cli import main


def _pool():
    sentences = [f"Sentence number {i} tells of the harbour of Tarsin and its {i} ships." for i in range(20)]
    vectors = np.random.default_rng(0).normal(size=(20, 8)).astype(np.float32)
    return sentences, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_built_corpus_is_a_valid_index(tmp_path):
    sentences, vectors = _pool()
    build_index(FolderStore(tmp_path / "index"), 120, sentences, vectors, "test-model", Settings.from_env(environ={}))
    index = read_index(tmp_path / "index")
    assert len(index.chunks) == 120 and len(index.documents) == 3  # 50 paragraphs a document
    for c in index.chunks:
        doc = index.document(c.doc)
        assert doc.text[c.start:c.end] == c.text  # offsets are sacred
        assert all(doc.text[s:e] in sentences for s, e in c.sentences)
    assert index.sentence_vectors.shape == (360, 8)
    assert np.allclose(np.linalg.norm(index.chunk_vectors, axis=1), 1.0, atol=1e-5)


def test_a_corpus_built_a_slice_at_a_time_is_the_corpus_built_whole(tmp_path):
    sentences, vectors = _pool()
    settings = Settings.from_env(environ={})
    build_index(FolderStore(tmp_path / "whole"), 170, sentences, vectors, "test-model", settings)
    build_index(FolderStore(tmp_path / "sliced"), 170, sentences, vectors, "test-model", settings, slice_size=60)
    whole, sliced = read_index(tmp_path / "whole"), read_index(tmp_path / "sliced")
    assert [d.id for d in sliced.documents] == [d.id for d in whole.documents] and len(whole.documents) == 4
    assert [(c.doc, c.start, c.text) for c in sliced.chunks] == [(c.doc, c.start, c.text) for c in whole.chunks]
    assert np.allclose(sliced.chunk_vectors, whole.chunk_vectors)
    assert np.allclose(sliced.sentence_vectors, whole.sentence_vectors)


def test_a_missing_corpus_is_one_line(tmp_path, capsys):
    assert main(["bench", "--scale", "100", "--corpus", str(tmp_path / "nothing.json")]) != 0
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and "--corpus PATH" in error and "\n" not in error


def test_a_child_killed_for_memory_is_named_as_such():
    from eval.scale import _child
    from retrieval.base.errors import CitedError

    with pytest.raises(CitedError, match="killed by signal 9 .out of memory"):
        _child("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", [], "--scale 1000000: measuring")
    with pytest.raises(CitedError, match="failed: .'ValueError: no'."):
        _child("raise ValueError('no')", [], "--scale 10: building")
    assert _child("import sys; print(sys.argv[1])", ["yes"], "printing").strip() == "yes"


@pytest.mark.slow
def test_bench_scale_prints_its_figures_for_both_stores(capsys, monkeypatch, tmp_path):
    from eval import scale

    monkeypatch.setattr(scale, "POOL_SENTENCES", 300)  # the command's figures, on a small pool
    monkeypatch.setattr(scale, "QUERIES", 5)
    from tests.conftest import SQUAD_SAMPLE

    assert main(["bench", "--scale", "100", "--json", "--store", f"milvus://{tmp_path / 'scale.db'}",
                 "--corpus", str(SQUAD_SAMPLE)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["store"] for row in rows] == ["folder", "milvus"]
    for row in rows:
        for key in ("chunks", "open_s", "query_p50_ms", "query_p95_ms", "add_document_s", "add_another_s",
                    "query_p50_after_add_ms", "query_p50_reader_ms",
                    "rss_mb", "disk_mb"):
            assert row[key] > 0, key
        assert row["chunks"] == 100 and row["query_p95_ms"] >= row["query_p50_ms"] and row["compact_s"] >= 0
    assert rows[0]["dense_recall_at_10"] == 1.0 and rows[1]["dense_recall_at_10"] is None  # exact; Milvus's own


def test_milvus_only_leaves_the_folder_out_only_when_there_is_a_milvus(tmp_path):
    from eval.scale import _stores

    with_milvus = Settings.from_env(environ={}, store=f"milvus://{tmp_path / 'scale.db'}")
    assert [name for name, _ in _stores(with_milvus, tmp_path, 100, milvus_only=True)] == ["milvus"]
    assert [name for name, _ in _stores(with_milvus, tmp_path, 100)] == ["folder", "milvus"]
    assert [name for name, _ in _stores(Settings.from_env(environ={}), tmp_path, 100, milvus_only=True)] == ["folder"]
