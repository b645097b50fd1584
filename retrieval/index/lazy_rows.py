"""A stored part's documents and chunks, parsed when asked for.

A library of a million passages took 16 s to open, most of it parsing every line of
documents.jsonl and chunks.jsonl into Python objects, and those objects were most of its memory.
Now the two files are memory-mapped and each row is found by its byte offsets (written beside the
file, store.DOCUMENT_ROWS and store.CHUNK_ROWS, or found by one scan for a part written before
them) and parsed when a question needs it: a few dozen rows per question. What search needs of
every chunk at once (its document, its kind, its number of sentences) is kept as columns
(ChunkColumns), and each document's id in a list.

An index made in memory (ingest's new documents, Milvus's rows) keeps plain lists; chunk_columns
and document_ids give the same columns for both.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import orjson

from retrieval.base.errors import IndexCorrupt
from retrieval.index.records import KINDS, Chunk, Document

# One row of store.CHUNK_ROWS: where the chunk's line is in chunks.jsonl, its document (an index
# into the part's document ids), its kind (an index into records.KINDS, OTHER_KIND if none of them)
# and how many sentences it has.
CHUNK_ROW = np.dtype([("start", "<i8"), ("end", "<i8"), ("doc", "<i4"), ("kind", "u1"), ("sentences", "<i4")])
OTHER_KIND = 255
KIND_CODES = {kind: i for i, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Source:
    """A memory-mapped JSON-lines file, and how an error names it."""

    data: object  # mmap.mmap, or b"" for an empty file
    index: str  # the index folder
    shown: str  # the file, relative to it

    @classmethod
    def open(cls, file: Path, index: Path) -> "Source":
        with open(file, "rb") as f:
            size = f.seek(0, 2)
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        return cls(data, str(index), str(file.relative_to(index)))


class LazyRows(Sequence):
    """Rows of JSON-lines files, each parsed (by `parse`, from its JSON) when it is asked for.
    `where` holds, per row, its source (an index into `sources`) and the byte offsets of its line.
    The rows last asked for are kept, parsed (CACHED of them: rows are frozen dataclasses)."""

    CACHED = 64

    def __init__(self, sources: tuple[Source, ...], where: np.ndarray, parse: Callable[[dict], object]) -> None:
        self._sources, self._where, self._parse = sources, where, parse
        self._cached = lru_cache(maxsize=self.CACHED)(self._parsed)

    def __len__(self) -> int:
        return len(self._where)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self.take(np.arange(len(self))[i])
        i = int(i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"row {i} of {len(self)}")
        return self._cached(i % len(self))

    def _parsed(self, i: int):
        source, start, end = self._where[i]
        src = self._sources[source]
        try:
            return self._parse(orjson.loads(src.data[start:end]))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
            raise IndexCorrupt(src.index, f"{src.shown} is unreadable: {type(e).__name__}") from None

    def __iter__(self) -> Iterator:  # every row, once: not through the cache
        for i in range(len(self)):
            yield self._parsed(i)

    def __eq__(self, other) -> bool:  # equal to a list (or another sequence) of the same rows
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None

    # A whole write concatenates kept rows with new ones: as a list, as the lists it replaces did.
    def __add__(self, other) -> list:
        return [*self, *other]

    def __radd__(self, other) -> list:
        return [*other, *self]

    def take(self, rows: np.ndarray) -> "LazyRows":
        return self._like(self._where[rows], rows)

    def _like(self, where: np.ndarray, rows: np.ndarray) -> "LazyRows":
        return LazyRows(self._sources, where, self._parse)


class DocumentRows(LazyRows):
    """A part's documents, with their ids known without parsing them; the few a question cites are
    kept parsed."""

    def __init__(self, sources, where, parse, ids: list[str]) -> None:
        super().__init__(sources, where, parse)
        self.ids = ids

    def _like(self, where, rows) -> "DocumentRows":
        return DocumentRows(self._sources, where, self._parse, [self.ids[r] for r in rows])


@dataclass(frozen=True)
class ChunkColumns:
    """What search needs of every chunk: its document (an index into doc_ids), its kind's code
    (KIND_CODES) and its number of sentences."""

    doc: np.ndarray
    doc_ids: list[str]
    kind: np.ndarray
    sentences: np.ndarray

    def take(self, rows: np.ndarray) -> "ChunkColumns":
        return ChunkColumns(self.doc[rows], self.doc_ids, self.kind[rows], self.sentences[rows])

    def of_documents(self, ids: set[str]) -> np.ndarray:
        """Per chunk, whether its document is one of `ids` (decided per document, not per chunk)."""
        if not self.doc_ids:
            return np.zeros(len(self.doc), dtype=bool)
        return np.array([doc_id in ids for doc_id in self.doc_ids], dtype=bool)[self.doc]


class ChunkRows(LazyRows):
    """A part's chunks, with the columns search needs. A question reads a few dozen chunks, some of
    them several times (its candidates and their neighbours); an article's are all kept parsed."""

    CACHED = 512

    def __init__(self, sources, where, parse, columns: ChunkColumns) -> None:
        super().__init__(sources, where, parse)
        self.columns = columns

    def _like(self, where, rows) -> "ChunkRows":
        return ChunkRows(self._sources, where, self._parse, self.columns.take(rows))


def joined(parts: list[Sequence]) -> Sequence:
    """Several parts' rows read as one sequence (one part's as it is)."""
    if len(parts) == 1:
        return parts[0]
    if not all(isinstance(p, LazyRows) for p in parts):
        return [row for part in parts for row in part]
    sources, wheres = [], []
    for part in parts:
        where = part._where.copy()
        where[:, 0] += len(sources)
        sources += part._sources
        wheres.append(where)
    where = np.concatenate(wheres) if wheres else np.zeros((0, 3), dtype=np.int64)
    first = parts[0]
    if isinstance(first, DocumentRows):
        return DocumentRows(tuple(sources), where, first._parse, [i for p in parts for i in p.ids])
    if isinstance(first, ChunkRows):
        doc_ids, docs = [], []
        for part in parts:
            docs.append(part.columns.doc + len(doc_ids))
            doc_ids += part.columns.doc_ids
        columns = ChunkColumns(np.concatenate(docs), doc_ids, np.concatenate([p.columns.kind for p in parts]),
                               np.concatenate([p.columns.sentences for p in parts]))
        return ChunkRows(tuple(sources), where, first._parse, columns)
    return LazyRows(tuple(sources), where, first._parse)


def chunk_columns(chunks: Sequence[Chunk]) -> ChunkColumns:
    """The columns of stored chunks as they were read; of a list, made now (one pass)."""
    if isinstance(getattr(chunks, "columns", None), ChunkColumns):  # ChunkRows, or Milvus's chunks
        return chunks.columns
    codes: dict[str, int] = {}
    doc = np.fromiter((codes.setdefault(c.doc, len(codes)) for c in chunks), dtype=np.int32, count=len(chunks))
    kind = np.fromiter((KIND_CODES.get(c.kind, OTHER_KIND) for c in chunks), dtype=np.uint8, count=len(chunks))
    sentences = np.fromiter((len(c.sentences) for c in chunks), dtype=np.int32, count=len(chunks))
    return ChunkColumns(doc, list(codes), kind, sentences)


def document_ids(documents: Sequence[Document]) -> list[str]:
    ids = getattr(documents, "ids", None)  # DocumentRows, or Milvus's documents: known without parsing
    return ids if isinstance(ids, list) else [d.id for d in documents]


class DocumentsById(Mapping):
    """Documents by id, parsed when one is asked for (a library's 20,000 are not all parsed to
    make the map)."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self._documents = documents
        self._rows = {doc_id: row for row, doc_id in enumerate(document_ids(documents))}

    def __getitem__(self, doc_id: str) -> Document:
        return self._documents[self._rows[doc_id]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)
