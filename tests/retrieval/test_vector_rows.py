"""Rows of a memory-mapped vector file, its pages let go after: the same rows as indexing the
array, from the file as it was opened, and in-memory arrays indexed as they are."""

from __future__ import annotations

import os

import faiss
import numpy as np
import pytest

from retrieval.index import vector_rows
from retrieval.index.vector_files import flat_vectors


def _flat_file(path, vectors):
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    faiss.write_index(index, str(path))
    return path


def test_rows_read_from_the_file_are_the_arrays_rows(tmp_path):
    vectors = np.random.default_rng(0).standard_normal((500, 16)).astype(np.float32)
    array = flat_vectors(_flat_file(tmp_path / "v.faiss", vectors))
    assert isinstance(array, np.memmap)
    for rows in ([], [7], [3, 4, 5, 6], [499, 0, 250, 251, 252, 0, 10], list(range(0, 500, 3))):
        read = vector_rows.rows_of(array, np.array(rows, dtype=np.int64))
        assert read.dtype == np.float32 and read.shape == (len(rows), 16)
        assert np.array_equal(read, vectors[rows])
    with pytest.raises(IndexError):
        vector_rows.rows_of(array, [500])
    assert np.array_equal(np.asarray(array), vectors)  # every page read again after the releases


def test_rows_come_from_the_file_as_it_was_opened(tmp_path):
    rng = np.random.default_rng(1)
    old, new = (rng.standard_normal((50, 8)).astype(np.float32) for _ in range(2))
    file = _flat_file(tmp_path / "v.faiss", old)
    array = flat_vectors(file)
    os.replace(_flat_file(tmp_path / "other.faiss", new), file)  # a rewrite swaps the file in
    assert np.array_equal(vector_rows.rows_of(array, [1, 2, 30]), old[[1, 2, 30]])
    assert np.array_equal(flat_vectors(file)[[1, 2, 30]], new[[1, 2, 30]])


def test_arrays_in_memory_are_indexed_and_released_pages_read_the_same(tmp_path):
    vectors = np.arange(40, dtype=np.float32).reshape(10, 4)
    assert np.array_equal(vector_rows.rows_of(vectors, [9, 1]), vectors[[9, 1]])
    vector_rows.release(vectors)  # nothing to release: no error
    array = flat_vectors(_flat_file(tmp_path / "v.faiss", vectors))
    total = float(np.asarray(array).sum())
    vector_rows.release(array)
    assert float(np.asarray(array).sum()) == total and np.array_equal(vector_rows.rows_of(array, [2]), vectors[[2]])


def test_stacked_rows_read_as_the_stacked_array_without_copying_the_parts(tmp_path):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 4)).astype(np.float32) for n in (5, 0, 3, 7)]
    mapped = [flat_vectors(_flat_file(tmp_path / f"{i}.faiss", a)) for i, a in enumerate(arrays)]
    stacked, whole = vector_rows.StackedRows(mapped), np.vstack(arrays)
    assert len(stacked) == 15 and stacked.shape == (15, 4)
    for row in (0, 4, 5, 7, 8, 14, -1, -15):
        assert np.array_equal(stacked[row], whole[row])
    for key in ([], [14, 0, 5, 5, 9], np.arange(15) % 2 == 0, slice(3, 12), slice(None, None, -2), slice(7, 7)):
        assert np.array_equal(stacked[key], whole[key])
        assert np.array_equal(vector_rows.rows_of(stacked, np.arange(15)[key]), whole[key])
    assert np.shares_memory(stacked[8:12], mapped[3])  # a slice within one part is that part's own rows
    assert np.array_equal(np.asarray(stacked), whole)
    vector = rng.standard_normal(4).astype(np.float32)
    np.testing.assert_allclose(stacked @ vector, whole @ vector, rtol=1e-6)
    for bad in (15, -16):
        with pytest.raises(IndexError):
            stacked[bad]
    with pytest.raises(IndexError):
        vector_rows.rows_of(stacked, [3, 15])
    assert vector_rows.parts(stacked) == mapped and vector_rows.parts(whole)[0] is whole
    index = faiss.IndexFlatIP(4)
    for part in vector_rows.parts(stacked):
        index.add(part)
    assert np.array_equal(index.reconstruct_n(0, 15), whole)


def test_an_index_files_rows_are_read_with_preadv_and_map_nothing(tmp_path, monkeypatch):
    vectors = np.random.default_rng(3).standard_normal((300, 8)).astype(np.float32)
    array = flat_vectors(_flat_file(tmp_path / "v.faiss", vectors))
    calls = []
    preadv = os.preadv
    monkeypatch.setattr(os, "preadv", lambda *a: calls.append(a[2]) or preadv(*a))
    rows = np.array([5, 6, 7, 100, 299, -1, 2], dtype=np.int64)
    assert np.array_equal(vector_rows.rows_of(array, rows), vectors[rows])
    assert len(calls) == 5  # one call per run of consecutive rows: 5-7, 100, 299, 299, 2
    assert vector_rows.rows_of(array, np.zeros(0, dtype=np.int64)).shape == (0, 8)
    with pytest.raises(IndexError):
        vector_rows.rows_of(array, [-301])
