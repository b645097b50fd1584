"""Where an index lives: the folder store (the default; its files, retrieval/index/folder.py) or
Milvus (retrieval/index/milvus.py, `--store milvus:///path.db` or `--store http://host:19530`),
both behind the interface of retrieval/index/interface.py; open_store picks one from the settings.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ContextManager

import numpy as np

from retrieval.base.errors import IndexCorrupt
from retrieval.base.settings import is_milvus_uri
from retrieval.index import page_cache, segments, vector_rows
from retrieval.index.folder import IndexData, index_lock, recover_interrupted_swap, write_index
from retrieval.index.folder_read import check_parts, read_documents, read_index, read_manifest
from retrieval.index.interface import Candidates, Compacted, Held, Store, Stored, Update
from retrieval.index.lazy_rows import chunk_columns
from retrieval.index.records import Chunk, Document
from retrieval.index.vector_rows import StackedRows


class FolderStore:
    """The index folder of folder.py. A small update to a large index is written as a segment
    (segments.py); any other is a whole, atomic rewrite of the folder, in which the kept
    documents' chunks and vectors are copied, never embedded again."""

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

    def stored(self, expected_model: str | None = None) -> Stored:
        """From the manifest alone (its files checked to be there): a large library's add reads
        no document."""
        return _stored(check_parts(self.path, expected_model=expected_model), self.location)

    def documents(self) -> list[Document]:
        return read_documents(self.path)

    def read(self, expected_model: str | None = None, previous: IndexData | None = None) -> IndexData:
        return read_index(self.path, expected_model=expected_model, previous=previous)

    def apply(self, update: Update) -> Stored:
        """Called under lock()."""
        new = IndexData(update.model, update.dimension, update.chunking, update.documents, update.chunks,
                        _or_empty(update.chunk_vectors, update.dimension),
                        _or_empty(update.sentence_vectors, update.dimension))
        if update.rebuild or not self.exists():
            write_index(self.path, new)
            return _stored(read_manifest(self.path), self.location)
        manifest = read_manifest(self.path)
        if segments.fits(manifest, update.documents, update.chunks, update.removed):
            return _stored(segments.append(self.path, manifest, new, update.removed), self.location)
        return self._rewrite(read_index(self.path), new, update.removed)

    def _rewrite(self, existing: IndexData, new: IndexData, removed: set[str]) -> Stored:
        """The whole index written again: the kept documents, then the new ones."""
        replaced = removed | {d.id for d in new.documents}
        documents = [d for d in existing.documents if d.id not in replaced]
        chunks, chunk_vectors, sentence_vectors = kept_rows(existing, {d.id for d in documents}, new.dimension)
        data = IndexData(
            model=new.model, dimension=new.dimension, chunking=new.chunking,
            documents=documents + new.documents, chunks=chunks + new.chunks,
            chunk_vectors=_stacked(chunk_vectors, new.chunk_vectors),
            sentence_vectors=_stacked(sentence_vectors, new.sentence_vectors),
            extra=existing.extra,
        )
        write_index(self.path, data)
        return _stored(read_manifest(self.path), self.location)

    def compact(self) -> Compacted:
        """The index written whole, its segments and dead rows merged in (nothing written if it
        has neither). Called under lock()."""
        existing = read_index(self.path)
        done = Compacted(len(existing.parts) - 1, sum(p.chunks for p in existing.parts) - len(existing.chunks))
        if done:
            empty = np.zeros((0, existing.dimension), dtype=np.float32)
            self._rewrite(existing, IndexData(existing.model, existing.dimension, existing.chunking, [], [],
                                              empty, empty), set())
        return done

    def write(self, data: IndexData) -> Stored:
        return self.apply(Update.whole(data))

    def lock(self) -> ContextManager:
        return index_lock(self.path)

    def warm(self) -> threading.Thread | None:
        return page_cache.warm(self.path) if self.path.is_dir() else None

    def stamp(self) -> tuple[int, int] | None:
        """Every write puts a new manifest file in place (a whole folder swapped in, or the
        manifest alone replaced after a segment), so a new inode."""
        try:
            st = (self.path / "manifest.json").stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def searches(self) -> bool:
        return False

    def candidates(self, vector: np.ndarray, text: str, k: int) -> Candidates:
        raise NotImplementedError("the folder store is searched in memory (retrieval/search/retriever.py)")


def _stacked(kept: np.ndarray, new: np.ndarray) -> np.ndarray:
    """The kept rows, then the new ones, read as one without a copy (a compaction adds none)."""
    return StackedRows([*vector_rows.parts(kept), new]) if len(new) else kept


def _or_empty(vectors: np.ndarray | None, dimension: int) -> np.ndarray:
    return vectors if vectors is not None else np.zeros((0, dimension), dtype=np.float32)


def _stored(manifest: dict, location: str) -> Stored:
    """What a (checked) manifest says is stored."""
    try:
        counts = manifest.get("counts", {})
        held = [Held(str(e["id"]), str(e.get("source", "")), str(e.get("sha256", ""))) for e in manifest["documents"]]
        return Stored(held, str(manifest.get("model", "")), int(manifest.get("dimension", 0)),
                      manifest.get("chunking", {}), int(counts.get("chunks", 0)), int(counts.get("sentences", 0)))
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise IndexCorrupt(location, f"manifest.json is unreadable: {type(e).__name__}") from None


def kept_rows(existing: IndexData | None, keep: set[str], dimension: int) -> tuple[list[Chunk], np.ndarray, np.ndarray]:
    """The chunks and vectors of the documents in `keep`: reused, never embedded again."""
    if existing is None:
        empty = np.zeros((0, dimension), dtype=np.float32)
        return [], empty, empty
    columns = chunk_columns(existing.chunks)
    kept = columns.of_documents(keep)
    if kept.all():  # every row kept: the arrays as they are, no copy
        return list(existing.chunks), existing.chunk_vectors, existing.sentence_vectors
    chunk_rows = np.flatnonzero(kept)
    sentence_rows = np.flatnonzero(np.repeat(kept, columns.sentences.astype(np.int64)))
    return ([existing.chunks[int(i)] for i in chunk_rows], vector_rows.rows_of(existing.chunk_vectors, chunk_rows),
            vector_rows.rows_of(existing.sentence_vectors, sentence_rows))


def open_store(settings) -> Store:
    """The store settings name: settings.store (a Milvus URI, checked by Settings) if set, else
    the folder index_dir."""
    if settings.store and is_milvus_uri(settings.store):
        from retrieval.index.milvus import MilvusStore

        return MilvusStore(settings.store, settings.milvus_index, settings.milvus_timeout)
    return FolderStore(settings.index_dir)
