"""Ranked passages with their citations: dense, BM25, or both fused by score.

Hybrid fuses the signals of retrieval/search/signals.py's table (the passage's dense similarity, its
best sentence's, the passage's BM25 score and its best sentence's), each z-scored over the
candidate passages for the question and summed with its weight in Settings.weights.

Up to EXACT_BELOW passages every signal scores every passage (an article, a few hundred articles;
the dense ones from in-memory copies of the vectors, without FAISS).
Above it, search runs in two stages: the passage-level dense (dense.py: approximate on a large
library) and BM25 signals each propose their top CANDIDATES passages, and the sentence signals
and the fusion work on their union only, so a question costs what its candidates cost, not what
the library holds. A store with a search of its own (Milvus) always searches in two stages: it
proposes the candidates and scores their passages and sentences, and the retriever holds none of
its vectors.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass

import numpy as np

from retrieval.base.errors import EmptyQuestion, QuestionTooLong, UnknownDocument
from retrieval.base.params import check_doc, check_k, check_mode
from retrieval.base.settings import Settings
from retrieval.index import vector_rows
from retrieval.index.folder import BM25_FOLDERS, IndexData
from retrieval.index.interface import Store
from retrieval.index.lazy_rows import KIND_CODES, ChunkColumns, chunk_columns, document_ids
from retrieval.index.lexical import Bm25Index, SegmentedBm25, tokenize, zeroed
from retrieval.index.stores import open_store
from retrieval.search.dense import DenseIndex
from retrieval.search.embed import Embedder, canonical_model_name, load_embedder
from retrieval.search.signals import Scores, Signals, check_weights, fused, signals_of

EXACT_BELOW = 20_000  # passages; at or below, every signal scores every passage
CANDIDATES = 1_000  # above it, each passage-level signal proposes this many


def _bm25_indexes(index: IndexData) -> tuple[Bm25Index | SegmentedBm25, Bm25Index | SegmentedBm25]:
    """The index's stored BM25 (memory-mapped; one per part, scored as one, when it has segments),
    or, for one written before BM25 was stored (or made in memory), BM25 built now from its chunks."""
    parts = index.parts
    if parts and all(p.chunks == 0 or (p.folder / name / "params.index.json").exists()
                     for p in parts for name in BM25_FOLDERS):
        def stored(p, name, size):
            return Bm25Index.load(p.folder / name, size) if size else Bm25Index([])

        if len(parts) == 1 and parts[0].chunk_rows is None:  # one part, all live: bm25s as saved
            return (stored(parts[0], BM25_FOLDERS[0], parts[0].chunks),
                    stored(parts[0], BM25_FOLDERS[1], parts[0].sentences))
        return (SegmentedBm25([(stored(p, BM25_FOLDERS[0], p.chunks), p.chunk_rows) for p in parts]),
                SegmentedBm25([(stored(p, BM25_FOLDERS[1], p.sentences), p.sentence_rows) for p in parts]))
    return (Bm25Index([c.embed_text() for c in index.chunks]),
            Bm25Index([c.embed_text(s) for c in index.chunks for s in c.sentence_texts()]))


def _rows_by_document(columns: ChunkColumns, doc_ids: list[str]) -> tuple[dict, dict, np.ndarray]:
    """Each document's chunk rows, its title's row, and per chunk its document's title row (-1
    if none): from the columns, per document and not per chunk (a library has a million)."""
    order = np.argsort(columns.doc, kind="stable")
    codes, firsts = np.unique(columns.doc[order], return_index=True)
    bounds = [*firsts[1:], len(order)]
    rows_of: dict[str, np.ndarray] = {}
    for code, first, end in zip(codes, firsts, bounds):
        doc = columns.doc_ids[code]
        rows = order[first:end].astype(np.int64)
        rows_of[doc] = np.sort(np.concatenate([rows_of[doc], rows])) if doc in rows_of else rows
    titles = np.flatnonzero(columns.kind == KIND_CODES["title"])
    title_rows: dict[str, int] = {}
    title_of_chunk = np.full(len(columns.doc), -1, dtype=np.int64)
    for row in titles:  # the first title row of each document, as read
        title_rows.setdefault(columns.doc_ids[columns.doc[row]], int(row))
    for doc, row in title_rows.items():
        title_of_chunk[rows_of[doc]] = row
    empty = np.zeros(0, dtype=np.int64)
    return {doc: rows_of.get(doc, empty) for doc in doc_ids}, title_rows, title_of_chunk


@dataclass(frozen=True)
class Passage:
    rank: int
    doc: str
    paragraph: int
    start: int
    end: int
    text: str
    score: float
    chunk: int  # row in the index's chunk table
    section: tuple[str, ...] = ()
    page: int | None = None

    def citation(self, n: int | None = None) -> dict:
        out = {
            "doc": self.doc, "paragraph": self.paragraph, "start": self.start, "end": self.end,
            "text": self.text, "score": round(float(self.score), 4), "rank": self.rank,
            "section": list(self.section), "page": self.page,
        }
        return {"n": n, **out} if n is not None else out


@dataclass(frozen=True)
class Query:
    text: str
    vector: np.ndarray
    tokens: list[str]


def clean_question(question: str, limit: int) -> str:
    """The question as text we can search with, or a QuestionError."""
    if not isinstance(question, str):
        raise EmptyQuestion()
    # Lone surrogates and control characters cannot be encoded or shown; drop them.
    question = question.encode("utf-8", "replace").decode("utf-8")
    question = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in question)
    question = " ".join(question.split())
    if not question:
        raise EmptyQuestion()
    if len(question) > limit:
        raise QuestionTooLong(len(question), limit)
    return question


def _in_memory(vectors, dimension: int) -> np.ndarray:
    """The rows as one float32 array in memory, the memory-mapped files' pages let go."""
    arrays = [np.asarray(part, dtype=np.float32) for part in vector_rows.parts(vectors) if len(part)]
    matrix = np.concatenate(arrays) if arrays else np.zeros((0, dimension), dtype=np.float32)
    if arrays:
        vector_rows.release(vectors)
    return matrix


def _inner_products(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Every row's inner product with the vector. einsum, not BLAS: numpy's OpenBLAS split a
    large product over a second thread that then spun on the core the reader's and the encoder's
    next runs need; einsum runs on this thread, and was faster than FAISS's flat search of the
    same rows (docs/speed-and-scale.md)."""
    return np.einsum("ij,j->i", matrix, vector.astype(np.float32, copy=False))


class Retriever:
    """Holds one loaded index, its vectors (and above EXACT_BELOW passages its FAISS indexes), its
    BM25 indexes and the encoder; thread-safe to share."""

    def __init__(self, index: IndexData, embedder: Embedder, settings: Settings, store: Store | None = None,
                 exact_below: int | None = None) -> None:
        check_weights(settings.weights)
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.chunks = index.chunks
        # A store with a search of its own (Milvus) proposes the candidates and scores them;
        # nothing is then indexed or held in memory here.
        self._exact_below = exact_below
        limit = self._exact_limit()
        # (Milvus binds its rows to the read that made this index: index.extra["searched_by"].)
        self._store = index.extra.get("searched_by", store) if store is not None and store.searches() else None
        self._approximate = len(index.chunks) > limit
        self._dense_lock = threading.Lock()
        self._dense: DenseIndex | None = None
        # Up to EXACT_BELOW passages, every passage and sentence is scored from an in-memory copy
        # of their vectors (as FAISS's flat index held one), and FAISS is never imported: a cold
        # question saves its import. Above it, the candidates come from dense.py's FAISS indexes,
        # made now, and only the candidates' sentences are scored, from the index's own array.
        self._chunk_matrix = self._sentence_matrix = None
        if self._store is None and len(index.chunks) <= limit:
            self._chunk_matrix = _in_memory(index.chunk_vectors, index.dimension)
            self._sentence_matrix = _in_memory(index.sentence_vectors, index.dimension)
        elif self._store is None:
            self._dense_index()
        columns = chunk_columns(self.chunks)  # as read (lazy_rows.py), or made in one pass over a list
        counts = columns.sentences.astype(np.int64)
        self.sentence_starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if len(counts) else counts
        self.sentence_count = int(counts.sum())
        self._bm25, self._sentence_bm25 = _bm25_indexes(index) if self._store is None else (None, None)
        self._doc_rows, self._title_rows, self._title_of_chunk = _rows_by_document(columns, document_ids(index.documents))
        self._sentence_counts = counts

    def _exact_limit(self) -> int:
        """Up to this many passages every signal scores every passage (read at each question, so
        tests can lower EXACT_BELOW on a loaded retriever)."""
        return EXACT_BELOW if self._exact_below is None else self._exact_below

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None, store: Store | None = None,
             previous: IndexData | None = None) -> "Retriever":
        """The store's index (reusing what of `previous`, the index loaded before, is unchanged)."""
        store = store or open_store(settings)
        model = embedder.name if embedder else canonical_model_name(settings.model)
        index = store.read(expected_model=model, previous=previous)
        embedder = embedder or load_embedder(settings.model, settings.batch_size, settings.encoder_runtime)
        return cls(index, embedder, settings, store)

    # -- the question -------------------------------------------------------------------------

    def prepare(self, question: str) -> Query:
        """A question as asked: cleaned (or refused), then embedded and tokenized."""
        return self.query(clean_question(question, self.settings.max_question_chars))

    def query(self, text: str) -> Query:
        """Text already cleaned by clean_question (the answerer cleans a question once), embedded
        and tokenized."""
        return Query(text, self.embedder.encode([text])[0], tokenize([text])[0])

    # -- the signals --------------------------------------------------------------------------

    def _best_per_chunk(self, sentence_scores: np.ndarray) -> np.ndarray:
        if not len(sentence_scores):
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.maximum.reduceat(sentence_scores, self.sentence_starts)

    def signals(self, query: Query, doc: str | None = None) -> Signals:
        """Every signal for every chunk, and the per-sentence scores the answerer reuses; above
        EXACT_BELOW chunks, for the candidates only (and every chunk of `doc`, if one is asked)."""
        if len(self.chunks) > self._exact_limit() or self._sentence_matrix is None:  # (always, on Milvus)
            return self._two_stage(query, doc)
        return signals_of(Scores(
            chunk_dense=_inner_products(self._chunk_matrix, query.vector),
            sentence_dense=_inner_products(self._sentence_matrix, query.vector),
            chunk_bm25=self._bm25.scores(query.tokens),
            sentence_bm25=self._sentence_bm25.scores(query.tokens),
            best=self._best_per_chunk,
        ))

    def _candidates(self, query: Query, doc: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Stage one: the passage-level dense and BM25 candidates (rows, scores), the BM25 of every
        chunk and of every sentence (zero where a store's own search did not reach; a store's
        search keeps to `doc`)."""
        n, vector = len(self.chunks), query.vector
        if self._store is not None:
            found = self._store.candidates(vector, query.text, CANDIDATES, doc)
            chunk_bm25 = zeroed(n)
            chunk_bm25[found.bm25_rows] = found.bm25_scores
            sentence_bm25 = zeroed(self.sentence_count)
            sentence_bm25[found.sentence_bm25_rows] = found.sentence_bm25_scores
            return found.dense_rows, found.dense_scores, found.bm25_rows, chunk_bm25, sentence_bm25
        dense_rows, dense_scores = self.dense_candidates(vector, CANDIDATES)
        chunk_bm25 = self._bm25.scores(query.tokens)
        lexical = np.flatnonzero(chunk_bm25)  # a passage without the question's words is no BM25 candidate
        if CANDIDATES < len(lexical):  # partitioning only those: a third of the time over a million
            lexical = lexical[np.argpartition(-chunk_bm25[lexical], CANDIDATES)[:CANDIDATES]]
        return dense_rows, dense_scores, lexical, chunk_bm25, self._sentence_bm25.scores(query.tokens)

    def dense_candidates(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k passages nearest the vector (chunk rows, scores): exact, or through a large
        library's approximate index (dense.py)."""
        return self._dense_index().search(vector, k)

    def _dense_index(self) -> DenseIndex:
        """dense.py's FAISS indexes: made with the retriever above EXACT_BELOW passages; below it
        only when a two-stage search is asked of a small index (exact_below lowered, as tests do)."""
        with self._dense_lock:
            if self._dense is None:
                self._dense = DenseIndex(self.index, approximate=self._approximate, empty=self._store is not None)
            return self._dense

    def _two_stage(self, query: Query, doc: str | None) -> Signals:
        n, vector = len(self.chunks), query.vector
        dense_rows, dense_scores, lexical, chunk_bm25, sentence_bm25 = self._candidates(query, doc)
        chunk_dense = np.full(n, -1.0, dtype=np.float32)
        chunk_dense[dense_rows] = dense_scores
        rows = np.union1d(dense_rows, lexical)
        if doc:
            rows = np.union1d(rows, self.rows_for(check_doc(doc)))
        # Each candidate document's title, which overview.py compares with a why-question.
        titles = self._title_of_chunk[rows]
        rows = np.union1d(rows, titles[titles >= 0])
        # The candidates' sentences, as one array of sentence rows, and where each candidate's begin.
        counts = self._sentence_counts[rows]
        offsets = np.cumsum(counts) - counts
        sentence_rows = np.repeat(self.sentence_starts[rows] - offsets, counts) + np.arange(int(counts.sum()))
        sentence_dense = np.full(self.sentence_count, -1.0, dtype=np.float32)
        if self._store is not None:  # Milvus scores them (the dense candidates it scored already)
            unscored = np.setdiff1d(rows, dense_rows, assume_unique=True)
            chunk_dense[unscored] = self._store.dense_scores(unscored, vector)
            scored, scores = self._store.sentence_scores(rows, vector)
            sentence_dense[scored] = scores
        else:
            chunk_dense[rows] = vector_rows.rows_of(self.index.chunk_vectors, rows) @ vector
            sentence_dense[sentence_rows] = vector_rows.rows_of(self.index.sentence_vectors, sentence_rows) @ vector
        return signals_of(Scores(
            chunk_dense=chunk_dense, sentence_dense=sentence_dense, chunk_bm25=chunk_bm25, sentence_bm25=sentence_bm25,
            best=lambda scores: self._best_of_candidates(scores, sentence_rows, rows, offsets, counts),
        ), candidates=rows)

    def _best_of_candidates(self, sentence_scores, sentence_rows, rows, offsets, counts) -> np.ndarray:
        """Each candidate's best sentence score (-1 elsewhere, and for a chunk without sentences)."""
        best = np.full(len(self.chunks), -1.0, dtype=np.float32)
        has = counts > 0
        if has.any():
            best[rows[has]] = np.maximum.reduceat(sentence_scores[sentence_rows], offsets[has])
        return best

    def title_row(self, doc: str) -> int | None:
        """The chunk row of a document's title paragraph, if it has one."""
        return self._title_rows.get(doc)

    def title_of(self, doc: str | None) -> str | None:
        """The title of `doc`, or of the only document when none is named and the index holds one
        (an id the index lacks has none: rank() says so)."""
        doc = check_doc(doc)
        if doc is None:
            doc = next(iter(self._doc_rows)) if len(self._doc_rows) == 1 else None
        row = self._title_rows.get(doc) if doc is not None else None
        return self.chunks[row].text.strip() if row is not None else None

    def fuse(self, signals: Signals, mode: str, rows: np.ndarray) -> np.ndarray:
        if mode == "dense":
            return signals.chunk_dense[rows]
        if mode == "bm25":
            return signals.chunk_bm25[rows]
        return fused(signals, rows, self.settings.weights)

    # -- ranked passages ----------------------------------------------------------------------

    def rows_for(self, doc: str | None) -> np.ndarray:
        if doc is None:
            return np.arange(len(self.chunks))
        if doc not in self._doc_rows:
            raise UnknownDocument(doc, list(self._doc_rows))
        return self._doc_rows[doc]

    def search(
        self, question: str | Query, k: int | None = None, mode: str | None = None, doc: str | None = None
    ) -> list[Passage]:
        query = question if isinstance(question, Query) else self.prepare(question)
        return self.rank(query, self.signals(query, doc or None), k, mode, doc)

    def rank(
        self, query: Query, signals: Signals, k: int | None = None,
        mode: str | None = None, doc: str | None = None,
    ) -> list[Passage]:
        """The top k passages; k, mode and doc are checked here, whichever door they came in by
        (None, or "" for mode and doc, means the settings' default)."""
        k = check_k(self.settings.k if k is None else k)
        mode = check_mode(mode or self.settings.mode)
        doc = check_doc(doc)
        rows = self.rows_for(doc)
        if signals.candidates is not None:  # two-stage: the candidates, or those of the document asked
            rows = signals.candidates if doc is None else np.intersect1d(rows, signals.candidates, assume_unique=True)
        if not len(rows):
            return []
        scores = self.fuse(signals, mode, rows)
        order = np.argsort(-scores, kind="stable")[:k]
        if hasattr(self.chunks, "prefetch"):  # a store's chunks fetched when asked for: these in one call
            self.chunks.prefetch(rows[order])
        return [self.passage_at(int(rows[i]), rank + 1, float(scores[i])) for rank, i in enumerate(order)]

    def passage_at(self, row: int, rank: int = 0, score: float = 0.0) -> Passage:
        """The passage of a chunk row (rank 0: cited, but not among the retrieved passages)."""
        c = self.chunks[row]
        return Passage(rank, c.doc, c.paragraph, c.start, c.end, c.text, score, row, c.section, c.page)

