"""The Milvus store's side of a question (MilvusStore inherits it): each signal's candidates from
Milvus's own searches, the question's dense scores of given passages and sentences computed by
Milvus, and the chunks, documents and vectors an answer shows or checks, fetched by id. Rows are
those of the store's last read (milvus_read.Listing)."""

from __future__ import annotations

import json

import numpy as np

from retrieval.base.errors import IndexCorrupt
from retrieval.index.folder import chunk_from, document_from
from retrieval.index.interface import Candidates
from retrieval.index.milvus_read import Listing
from retrieval.index.milvus_rows import BM25_SEARCH, LIMIT, PASSAGE_FIELDS, _chunk_fields, _groups, dense_search
from retrieval.index.records import Chunk, Document


class MilvusSearch:
    """Needs of the store: names, _listing, _loaded(), _call(), _strong(), _query(), _all_rows()."""

    names: dict[str, str]
    location: str
    _listing: Listing

    def candidates(self, vector: np.ndarray, text: str, k: int, doc: str | None = None) -> Candidates:
        """Each signal's top candidates (of `doc` only, if one is asked), as rows of the last read."""
        client, where = self._loaded("passages", "sentences"), {"filter": f"doc == {json.dumps(doc)}"} if doc else {}
        dense = self._call("searching", client.search, self.names["passages"], data=[vector.tolist()],
                           anns_field="dense", limit=k, output_fields=[], search_params=dense_search(k),
                           **where, **self._strong())
        bm25 = self._call("searching", client.search, self.names["passages"], data=[text], anns_field="sparse",
                          limit=k, output_fields=[], search_params=BM25_SEARCH, **where, **self._strong())
        sentence_bm25 = self._call("searching", client.search, self.names["sentences"], data=[text],
                                   anns_field="sparse", limit=min(3 * k, LIMIT), output_fields=[],
                                   search_params=BM25_SEARCH, **where, **self._strong())
        return Candidates(*self._found(dense[0]), *self._found(bm25[0]),
                          *self._found(sentence_bm25[0], self._listing.sentence_rows))

    def dense_scores(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """The passages' (chunk rows of the last read) inner products with the question's vector,
        computed by Milvus (-1 for a row it no longer holds)."""
        out = np.full(len(rows), -1.0, dtype=np.float32)
        ids = self._listing.passage_ids(rows)
        position = {int(i): n for n, i in enumerate(ids)}
        for first in range(0, len(ids), LIMIT):
            part = ids[first:first + LIMIT].tolist()
            for hit in self._scored("passages", vector, f"id in {part}", len(part)):
                out[position[int(hit["id"])]] = hit["distance"]
        return out

    def sentence_scores(self, rows: np.ndarray, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sentences of these passages (chunk rows): their sentence rows and their inner
        products with the question's vector, computed by Milvus."""
        listing, found = self._listing, []
        counts = listing.columns.sentences[rows]
        ids = listing.passage_ids(rows)
        for group in _groups(ids, counts, LIMIT):
            found += self._scored("sentences", vector, f"passage in {group[0].tolist()}", int(group[1]))
        got, ok = listing.sentence_rows([int(h["id"]) for h in found])
        return got, np.array([h["distance"] for h in found], dtype=np.float32)[ok]

    def hybrid(self, vector: np.ndarray, text: str, k: int, ranker: str) -> np.ndarray:
        """Milvus's own fusion of its dense and BM25 searches ("rrf": RRFRanker(60); "weighted":
        WeightedRanker(0.5, 0.5)): the top k rows of the last read. Not what cited answers with
        (cited fuses its four signals itself); `cited eval --rankers` compares the two."""
        from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker

        requests = [AnnSearchRequest([vector.tolist()], "dense", {"metric_type": "IP"}, limit=k),
                    AnnSearchRequest([text], "sparse", BM25_SEARCH, limit=k)]
        fusion = RRFRanker(60) if ranker == "rrf" else WeightedRanker(0.5, 0.5)
        hits = self._call("searching", self._loaded("passages").hybrid_search, self.names["passages"], requests, fusion,
                          limit=k, output_fields=[], **self._strong())
        return self._found(hits[0])[0]

    def _scored(self, kind: str, vector: np.ndarray, where: str, limit: int) -> list:
        if not limit:
            return []
        hits = self._call("searching", self._loaded(kind).search, self.names[kind], data=[vector.tolist()],
                          anns_field="dense", filter=where, limit=limit, output_fields=[],
                          search_params=dense_search(limit), **self._strong())
        return list(hits[0])

    def _found(self, hits, rows_of=None) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the last read for a search's hits, with their scores (hits of rows written since
        the read are left out)."""
        rows, ok = (rows_of or self._listing.passage_rows)([int(h["id"]) for h in hits])
        return rows.astype(np.int64), np.array([float(h["distance"]) for h in hits], dtype=np.float32)[ok]

    def _chunks_of(self, seqs: list[int]) -> dict[int, list[Chunk]]:
        """The chunks of these documents (by seq), each document's in order."""
        listing = self._listing
        d = np.searchsorted(listing.seqs, seqs)
        sizes = listing.chunk_first[d + 1] - listing.chunk_first[d]
        out: dict[int, list[Chunk]] = {int(s): [] for s in seqs}
        rows: list[dict] = []
        for group, size in _groups(np.asarray(seqs, dtype=np.int64), sizes, LIMIT):
            rows += self._query("passages", f"seq in {group.tolist()}", PASSAGE_FIELDS, int(size))
        try:
            for r in sorted(rows, key=lambda r: r["id"]):
                out[r["seq"]].append(chunk_from(_chunk_fields(r)))
        except (KeyError, TypeError, ValueError) as e:
            raise IndexCorrupt(self.location, f"a passage row is unreadable: {type(e).__name__}") from None
        return out

    def _document(self, seq: int) -> Document:
        rows = self._all_rows("documents", ("part", "body"), f"seq == {int(seq)}")
        try:
            return document_from(json.loads("".join(r["body"] for r in sorted(rows, key=lambda r: r["part"]))))
        except (KeyError, TypeError, ValueError) as e:
            raise IndexCorrupt(self.location, f"a document record is unreadable: {type(e).__name__}") from None

    def _vectors(self, kind: str, ids: np.ndarray, dimension: int) -> np.ndarray:
        """The dense vectors of these rows, in their order (a few: an answer's sentences)."""
        got: dict[int, list] = {}
        for first in range(0, len(ids), 1_000):
            part = [int(i) for i in ids[first:first + 1_000]]
            for r in self._call("reading", self._loaded(kind).get, self.names[kind], ids=part, output_fields=["dense"],
                                **self._strong()):
                got[int(r["id"])] = r["dense"]
        missing = [int(i) for i in ids if int(i) not in got]
        if missing:
            raise IndexCorrupt(self.location, f"{len(missing)} of the {kind} asked for are missing")
        return np.array([got[int(i)] for i in ids], dtype=np.float32).reshape(len(ids), dimension)
