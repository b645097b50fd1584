"""The approximate dense index of a large part (FAISS IVF, memory-mapped): written with the part,
checked and opened with it, and searched as the exact index is when every list is probed; with
segments and dead rows, only live rows come back. Forced on small indexes by lowering
APPROXIMATE_FROM and EXACT_BELOW; the real model, real FAISS, real SQuAD text."""

from __future__ import annotations

import shutil

import faiss
import numpy as np
import pytest

from ingest.pipeline import ingest, remove_document
from retrieval.base.errors import IndexCorrupt
from retrieval.index import folder as store
from retrieval.index.folder_read import read_index, read_manifest
from retrieval.search import dense
from retrieval.search import retriever as search
from retrieval.search.retriever import Retriever
from tests.conftest import ARTICLE
from tests.retrieval.test_segments import settings_at, top


def exact_top(index, vector, k):
    scores = np.asarray(index.chunk_vectors) @ vector
    return list(np.argsort(-scores, kind="stable")[:k])


def test_a_large_part_has_an_ivf_that_searches_as_the_exact_index(tmp_path, squad_files, real_embedder,
                                                                  monkeypatch):
    files, questions = squad_files
    inputs = [str(ARTICLE), str(files["Normans"]), str(files["Oxygen"])]
    exact = settings_at(tmp_path / "exact")
    ingest(inputs, exact, embedder=real_embedder)
    monkeypatch.setattr(store, "APPROXIMATE_FROM", 1)
    approximate = settings_at(tmp_path / "approximate")
    ingest(inputs, approximate, embedder=real_embedder)

    assert store.CHUNK_IVF not in read_manifest(exact.index_dir)["files"]
    assert store.CHUNK_IVF in read_manifest(approximate.index_dir)["files"]  # with its sha256, checked on load
    index = read_index(approximate.index_dir)
    ivf = index.parts[0].approximate
    assert isinstance(ivf, faiss.IndexIVFFlat) and ivf.ntotal == len(index.chunks)
    assert ivf.nlist == int(np.sqrt(len(index.chunks)))

    monkeypatch.setattr(search, "EXACT_BELOW", 0)  # two-stage, as a large library's questions
    monkeypatch.setattr(search, "CANDIDATES", 10)
    monkeypatch.setattr(dense, "NPROBE", ivf.nlist)  # every list probed: exact
    with_ivf, flat = Retriever.load(approximate, real_embedder), Retriever.load(exact, real_embedder)
    assert with_ivf._dense.approximate is not None and with_ivf._dense.flat.ntotal == 0
    assert flat._dense.approximate is None
    for q in questions:
        vector = real_embedder.encode([q])[0]
        rows, scores = with_ivf._dense.search(vector, 10)
        assert list(rows) == exact_top(index, vector, 10)
        np.testing.assert_allclose(scores, np.asarray(index.chunk_vectors)[rows] @ vector, atol=1e-5)
    assert top(with_ivf, questions, k=5) == top(flat, questions, k=5)

    monkeypatch.setattr(dense, "NPROBE", 1)  # one list: fewer candidates, every score still exact
    few = Retriever.load(approximate, real_embedder)
    vector = real_embedder.encode([questions[0]])[0]
    rows, scores = few._dense.search(vector, 10)
    assert 0 < len(rows) <= 10
    np.testing.assert_allclose(scores, np.asarray(index.chunk_vectors)[rows] @ vector, atol=1e-5)
    assert len({int(ivf.quantizer.search(index.chunk_vectors[[r]], 1)[1][0, 0]) for r in rows}) == 1


def test_with_segments_and_dead_rows_only_live_rows_come_back(tmp_path, squad_files, real_embedder, appending,
                                                             monkeypatch):
    files, questions = squad_files
    monkeypatch.setattr(store, "APPROXIMATE_FROM", 1)
    settings = settings_at(tmp_path / "index")
    normans = tmp_path / "Normans.txt"
    shutil.copy(files["Normans"], normans)
    ingest([str(ARTICLE), str(normans), str(files["Oxygen"])], settings, embedder=real_embedder)
    normans.write_text(normans.read_text().replace("Normandy", "Normandie"))
    (updated,) = ingest([str(normans)], settings, embedder=real_embedder).updated  # a segment; old rows dead
    article = read_index(settings.index_dir).documents[0].id
    remove_document(settings, article)

    monkeypatch.setattr(search, "EXACT_BELOW", 0)
    retriever = Retriever.load(settings, real_embedder)
    index = retriever.index
    base = index.parts[0]
    assert base.chunk_rows is not None and len(base.chunk_rows) < base.chunks  # the base has dead rows
    assert retriever._dense.flat.ntotal == len(index.chunks) - len(base.chunk_rows)  # the segment, flat
    monkeypatch.setattr(retriever._dense.approximate, "nprobe", retriever._dense.approximate.nlist)
    for q in questions + ["In what country is Normandie located?"]:
        vector = real_embedder.encode([q])[0]
        rows, _ = retriever._dense.search(vector, 8)
        assert list(rows) == exact_top(index, vector, 8)
        assert all(index.chunks[r].doc != article for r in rows)
    hit = retriever.search("In what country is Normandie located?", k=1)[0]
    assert hit.doc == updated and "Normandie" in hit.text


def test_a_damaged_ivf_is_named(tmp_path, squad_files, real_embedder, monkeypatch):
    files, _ = squad_files
    monkeypatch.setattr(store, "APPROXIMATE_FROM", 1)
    settings = settings_at(tmp_path / "index")
    ingest([str(files["Oxygen"])], settings, embedder=real_embedder)
    ivf = settings.index_dir / store.CHUNK_IVF
    ivf.write_bytes(ivf.read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(IndexCorrupt, match="chunks.ivf does not match its checksum"):
        read_index(settings.index_dir)
