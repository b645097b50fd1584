"""Where an index lives, behind one small interface: the folder store (the default, store.py) or
Milvus (milvus_store.py, `--store milvus:///path.db` or `--store http://host:19530`).

Every store can: say whether it holds an index, give its manifest, read it whole (IndexData),
write a new version of it (the store keeps what did not change), hold the one writer's lock,
give a stamp that changes with every write (so a running server reloads), and, for a large
index, propose each signal's top candidates for a question (two-stage search, search.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ContextManager, Protocol

import numpy as np

from cited.settings import is_milvus_uri
from retrieval.store import IndexData, index_lock, read_index, read_manifest, recover_interrupted_swap, write_index

@dataclass(frozen=True)
class Candidates:
    """What a store's own search proposes for a question: chunk rows with their dense similarity,
    chunk rows with their BM25 score, and sentence rows with their BM25 score (rows of the
    IndexData the store read; best first)."""

    dense_rows: np.ndarray
    dense_scores: np.ndarray
    bm25_rows: np.ndarray
    bm25_scores: np.ndarray
    sentence_bm25_rows: np.ndarray
    sentence_bm25_scores: np.ndarray


class Store(Protocol):
    location: str  # what a message names: the folder, or the store's URI

    def exists(self) -> bool: ...
    def manifest(self) -> dict: ...
    def read(self, expected_model: str | None = None) -> IndexData: ...
    def write(self, data: IndexData) -> None: ...
    def lock(self) -> ContextManager: ...
    def stamp(self) -> object: ...
    # False: the store has no search of its own; the retriever searches in memory (FAISS, bm25s).
    def searches(self) -> bool: ...
    def candidates(self, index: IndexData, vector: np.ndarray, text: str, k: int) -> Candidates: ...


class FolderStore:
    """The index folder of store.py: atomic whole-folder writes, memory-mapped BM25."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.location = str(self.path)

    def exists(self) -> bool:
        try:
            recover_interrupted_swap(self.path)  # an ingest killed mid-swap moved the index aside
            return self.path.exists()
        except OSError:
            return True  # cannot even look (no permission): loading the index names the problem

    def manifest(self) -> dict:
        return read_manifest(self.path)

    def read(self, expected_model: str | None = None) -> IndexData:
        return read_index(self.path, expected_model=expected_model)

    def write(self, data: IndexData) -> None:
        write_index(self.path, data)

    def lock(self) -> ContextManager:
        return index_lock(self.path)

    def stamp(self) -> tuple[int, int] | None:
        """Every write swaps in a new folder, so a new manifest file."""
        try:
            st = (self.path / "manifest.json").stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def searches(self) -> bool:
        return False

    def candidates(self, index: IndexData, vector: np.ndarray, text: str, k: int) -> Candidates:
        raise NotImplementedError("the folder store is searched in memory (retrieval/search.py)")


def open_store(settings) -> Store:
    """The store settings name: settings.store (a Milvus URI, checked by Settings) if set, else
    the folder index_dir."""
    if settings.store and is_milvus_uri(settings.store):
        from retrieval.milvus_store import MilvusStore

        return MilvusStore(settings.store)
    return FolderStore(settings.index_dir)
