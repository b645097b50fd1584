"""The index in Milvus: `--store milvus:///path/to/file.db` (Milvus Lite, embedded, one process at
a time) or `--store http://host:19530` (a Milvus server or cluster; $CITED_MILVUS_TOKEN for its
credentials). The same pymilvus MilvusClient talks to both; only the URI changes.

Three collections, named PREFIX_documents, PREFIX_passages and PREFIX_sentences:
- documents: each document's record (text, paragraphs, metadata; folder.py's JSON) in pieces of at
  most PIECE characters, and the manifest in the collection's properties (schema version, model,
  dimension, chunking, a generation that every write bumps);
- passages: one row per chunk: document, paragraph, offsets, kind, section, page, sentence offsets,
  text, dense vector, and BM25 from Milvus's own BM25 function over the text as it is embedded;
- sentences: one row per sentence: its passage, dense vector and BM25.

Every row carries its document's `seq`, given at each write of that document. A write of one
document inserts its passages and sentences, then its document record (that is the commit), then
deletes the version before. Reading takes, per document, the newest version whose record is
whole and ignores rows of any other, so a reader, and a writer killed half-way, never see half a
document; the seqs a write is about to use are noted in the manifest ("pending"), and the next
writer deletes what a killed one left. Writes are per document: another reader may see some
documents of one ingest before the rest (there are no transactions across rows in Milvus). Adding
a document reads only the documents collection, never the passages or their vectors.

Search is cited's own below EXACT_BELOW passages (retriever.py scores every passage, so answers are
the same as on the folder store). Above it, Milvus proposes candidates (dense: FLAT, exact; BM25:
its standard analyzer, without the stemming and stopwords of cited's bm25s) and cited fuses them.
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from retrieval.base.errors import IndexCorrupt, IndexMismatch, IndexMissing, StoreUnavailable
from retrieval.index.folder import IndexData, chunk_from, document_from, document_record, index_lock, manifest_entry
from retrieval.index.interface import Candidates, Compacted, Held, Stored, Update
from retrieval.index.milvus_rows import (
    BM25_SEARCH,
    PASSAGE_FIELDS,
    _chunk_fields,
    _fits,
    _manifest_head,
    _matrix,
    _rows,
    _rows_per_document,
    collection_schema,
)
from retrieval.index.records import Document

SCHEMA_VERSION = 1  # of the collections below (the folder's manifest has its own)
PREFIX = "cited"
PIECE = 60_000  # characters of a document record per row: ASCII JSON, under VARCHAR's 65,535 bytes
BATCH = 2_000  # rows per insert
READ_BATCH = 10_000  # rows per page when reading a collection
CHUNK_BITS, SENTENCE_BITS = 20, 10  # passage id = seq << 20 | i; sentence id = passage id << 10 | j

_clients: dict[str, object] = {}  # one client per URI per process: Milvus Lite opens its file once
_loaded_uris: set[str] = set()  # the stores (URI#NAME) whose collections this process has loaded
_clients_lock = threading.Lock()


class MilvusStore:
    def __init__(self, uri: str) -> None:
        # One Milvus holds several cited indexes, each named by the URI's #NAME (default "cited").
        self.location = uri
        self.uri, _, name = uri.partition("#")
        name = name or PREFIX
        if not name.replace("_", "").isalnum() or not name[0].isalpha():
            raise StoreUnavailable(uri, f"#{name}: an index name is letters, digits and _, starting with a letter")
        self.local = self.uri.startswith("milvus://")
        self.path = Path(self.uri[len("milvus://"):]) if self.local else None
        self.names = {kind: f"{name}_{kind}" for kind in ("documents", "passages", "sentences")}
        self._passage_ids = np.zeros(0, dtype=np.int64)  # of the last read: row → Milvus id
        self._sentence_ids = np.zeros(0, dtype=np.int64)

    # -- the connection ---------------------------------------------------------------------------

    def client(self):
        with _clients_lock:
            if self.uri not in _clients:
                _clients[self.uri] = self._connect()
            return _clients[self.uri]

    def close(self) -> None:
        """Let go of the connection (Milvus Lite: another process may then open the file)."""
        with _clients_lock:
            client = _clients.pop(self.uri, None)
            for location in [loc for loc in _loaded_uris if loc.partition("#")[0] == self.uri]:
                _loaded_uris.discard(location)
        if client is not None:
            client.close()
        if self.local:  # pymilvus serves a Lite file from an in-process gRPC server holding its lock
            from milvus_lite.server_manager import server_manager_instance

            server_manager_instance.release_server(str(self.path))

    def drop(self) -> None:
        """Delete this index's collections."""
        client = self.client()
        for name in self.names.values():
            if self._call("listing collections", client.has_collection, name):
                self._call("dropping a collection", client.drop_collection, name)
        _loaded_uris.discard(self.location)

    def _loaded(self):
        """The client, with the collections loaded for reading (Milvus keeps them released until
        asked; loading a loaded collection costs nothing)."""
        client = self.client()
        if self.location not in _loaded_uris:
            for name in self.names.values():
                self._call("loading a collection", client.load_collection, name)
            _loaded_uris.add(self.location)
        return client

    def _connect(self):
        import logging

        try:
            from pymilvus import MilvusClient
            from pymilvus.exceptions import MilvusException
        except ImportError:
            raise StoreUnavailable(self.location, "pymilvus is not installed: pip install 'cited[milvus]'") from None

        # pymilvus and Milvus Lite log every failed call with its traceback, and Lite's in-process
        # gRPC server an error per paged read (a timestamp call it does not implement); cited says
        # what failed in one line instead.
        for name in ("pymilvus", "milvus_lite", "grpc._server"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            if self.local:
                if not str(self.path).endswith(".db"):
                    raise StoreUnavailable(self.uri, "a Milvus Lite store is a file ending in .db, e.g. milvus:///tmp/cited.db")
                self.path.parent.mkdir(parents=True, exist_ok=True)
                return MilvusClient(str(self.path))
            return MilvusClient(uri=self.uri, token=os.environ.get("CITED_MILVUS_TOKEN", ""), timeout=10)
        except MilvusException as e:
            if self.local:
                raise StoreUnavailable(
                    self.uri, "Milvus Lite opens its file in one process at a time and another has it open; stop "
                    f"that one, or serve the file with `milvus-lite server --data-dir {self.path} --host 127.0.0.1` "
                    "and use --store http://127.0.0.1:19530") from None
            raise StoreUnavailable(self.uri, f"cannot connect: {getattr(e, 'message', e)}") from None
        except OSError as e:
            raise StoreUnavailable(self.uri, e.strerror or str(e)) from None

    def _call(self, what: str, fn, *args, **kwargs):
        """A Milvus call, its failure as one line naming what was being done."""
        from pymilvus.exceptions import MilvusException

        try:
            return fn(*args, **kwargs)
        except MilvusException as e:
            raise StoreUnavailable(self.uri, f"{what} failed: {getattr(e, 'message', e)}") from None

    # -- the Store interface ----------------------------------------------------------------------

    def exists(self) -> bool:
        client = self.client()
        return bool(self._call("listing collections", client.has_collection, self.names["documents"]))

    def properties(self) -> dict:
        if not self.exists():
            raise IndexMissing(self.location)
        described = self._call("reading the manifest", self.client().describe_collection, self.names["documents"])
        return dict(described.get("properties") or {})

    def manifest(self) -> dict:
        """The folder store's manifest, from the documents collection alone (`cited list`)."""
        props = self._checked_properties()
        committed = self._committed_documents()
        entries = [manifest_entry(d, n_chunks, n_sentences) for _, d, n_chunks, n_sentences in committed]
        counts = {"documents": len(committed), "chunks": sum(c[2] for c in committed),
                  "sentences": sum(c[3] for c in committed)}
        return {**_manifest_head(props), "counts": counts, "documents": entries, "store": self.location}

    def read(self, expected_model: str | None = None, previous: IndexData | None = None) -> IndexData:
        """The whole index (read again whole: `previous` is for stores that can reuse it)."""
        props = self._checked_properties(expected_model)
        committed = self._committed_documents()
        seqs = {c[0] for c in committed}
        passages = sorted((r for r in self._all_rows("passages", PASSAGE_FIELDS) if r["seq"] in seqs),
                          key=lambda r: r["id"])
        sentences = sorted((r for r in self._all_rows("sentences", ("id", "seq", "dense")) if r["seq"] in seqs),
                           key=lambda r: r["id"])
        dimension = int(props["dimension"])
        try:
            chunks = [chunk_from(_chunk_fields(r)) for r in passages]
        except (KeyError, TypeError, ValueError) as e:
            raise IndexCorrupt(self.location, f"a passage row is unreadable: {type(e).__name__}") from None
        if sum(len(c.sentences) for c in chunks) != len(sentences):
            raise IndexCorrupt(self.location, "the sentences collection does not match the passages' sentences")
        self._passage_ids = np.array([r["id"] for r in passages], dtype=np.int64)
        self._sentence_ids = np.array([r["id"] for r in sentences], dtype=np.int64)
        return IndexData(
            model=props["model"], dimension=dimension, chunking=json.loads(props["chunking"]),
            documents=[c[1] for c in committed], chunks=chunks,
            chunk_vectors=_matrix([r["dense"] for r in passages], dimension),
            sentence_vectors=_matrix([r["dense"] for r in sentences], dimension),
            created=props.get("created", ""),
        )

    def stored(self, expected_model: str | None = None) -> Stored:
        props = self._checked_properties(expected_model)
        return self._stored(props, self._committed_documents())

    def documents(self) -> list[Document]:
        self._checked_properties()
        return [c[1] for c in self._committed_documents()]

    def apply(self, update: Update) -> Stored:
        """Writes the new documents one at a time (each committed whole, see above), then takes
        out the versions they replace and the documents removed. A failure half-way leaves the
        documents before it written and the rest as they were."""
        head = {"schema_version": str(SCHEMA_VERSION), "model": update.model, "dimension": str(update.dimension),
                "chunking": json.dumps(update.chunking, sort_keys=True)}
        if self.exists() and (update.rebuild or any(self.properties().get(k) != v for k, v in head.items())):
            self.drop()  # a rebuild (for another model or chunking, or asked for)
        if not self.exists():
            self._create(update.dimension, head)
        committed, stale = self._versions()
        self._delete_seqs(stale)  # left by a writer that was killed
        next_seq = max([c[0] for c in committed] + stale, default=0) + 1
        seqs = list(range(next_seq, next_seq + len(update.documents)))
        self._set_property("pending", json.dumps(seqs))  # the next writer cleans up after a crash
        rows_of = _rows_per_document(update.chunks)
        counts = np.array([len(c.sentences) for c in update.chunks], dtype=np.int64)
        sentence_starts = np.cumsum(counts) - counts
        for seq, d in zip(seqs, update.documents):
            self._insert_document(d, seq, rows_of.get(d.id, []), update, sentence_starts)
        out = update.removed | {d.id for d in update.documents}
        self._delete_seqs([c[0] for c in committed if c[1].id in out])
        self._set_property("pending", "[]")
        self._set_property("generation", f"{time.time_ns()}-{os.getpid()}")
        return self._stored(self.properties(), self._committed_documents())

    def write(self, data: IndexData) -> Stored:
        return self.apply(Update.whole(data))

    def compact(self) -> Compacted:
        """Nothing for cited to do: each document is written apart already, and Milvus merges its
        own segments."""
        return Compacted(0, 0)

    def lock(self):
        # Milvus Lite: the same file lock as a folder. A server: one writer at a time is the
        # deployment's to ensure (README); Milvus itself has no lock cited could take.
        return index_lock(self.path) if self.local else nullcontext()

    def warm(self) -> None:
        """Nothing to read ahead here: the index lives in Milvus, which keeps its own in memory."""
        return None

    def stamp(self) -> object:
        """Asked at every question: one call (a missing collection is an error, hence None)."""
        try:
            described = self._call("reading the manifest", self.client().describe_collection, self.names["documents"])
        except StoreUnavailable:
            return None
        return (described.get("properties") or {}).get("generation")

    def searches(self) -> bool:
        return True

    def candidates(self, vector: np.ndarray, text: str, k: int) -> Candidates:
        """Each signal's top candidates, as rows of the last read (the index the retriever holds)."""
        client = self._loaded()
        dense = self._call("searching", client.search, self.names["passages"], data=[vector.tolist()],
                           anns_field="dense", limit=k, output_fields=["seq"], search_params={"metric_type": "IP"})
        bm25 = self._call("searching", client.search, self.names["passages"], data=[text], anns_field="sparse",
                          limit=k, output_fields=["seq"], search_params=BM25_SEARCH)
        sentence_bm25 = self._call("searching", client.search, self.names["sentences"], data=[text],
                                   anns_field="sparse", limit=3 * k, output_fields=["seq"], search_params=BM25_SEARCH)
        return Candidates(*_rows(dense[0], self._passage_ids), *_rows(bm25[0], self._passage_ids, magnitude=True),
                          *_rows(sentence_bm25[0], self._sentence_ids, magnitude=True))

    def hybrid(self, vector: np.ndarray, text: str, k: int, ranker: str) -> np.ndarray:
        """Milvus's own fusion of its dense and BM25 searches ("rrf": RRFRanker(60); "weighted":
        WeightedRanker(0.5, 0.5)): the top k rows of the last read. Not what cited answers with
        (cited fuses its four signals itself); `cited eval --rankers` compares the two."""
        from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker

        requests = [AnnSearchRequest([vector.tolist()], "dense", {"metric_type": "IP"}, limit=k),
                    AnnSearchRequest([text], "sparse", BM25_SEARCH, limit=k)]
        fusion = RRFRanker(60) if ranker == "rrf" else WeightedRanker(0.5, 0.5)
        hits = self._call("searching", self._loaded().hybrid_search, self.names["passages"], requests, fusion,
                          limit=k, output_fields=["seq"])
        return _rows(hits[0], self._passage_ids)[0]

    # -- reading ------------------------------------------------------------------------------------

    def _checked_properties(self, expected_model: str | None = None) -> dict:
        props = self.properties()
        version = props.get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise IndexMismatch(self.location, f"schema version {version}, this cited reads version {SCHEMA_VERSION}")
        if expected_model is not None and props.get("model") != expected_model:
            raise IndexMismatch(self.location, f"built with the model '{props.get('model')}', asked to use '{expected_model}'")
        return props

    def _all_rows(self, kind: str, fields) -> list[dict]:
        client = self._loaded()
        rows: list[dict] = []
        iterator = self._call("reading", client.query_iterator, self.names[kind], batch_size=READ_BATCH, filter="",
                              output_fields=list(fields), **self._strong())
        try:
            while batch := self._call("reading", iterator.next):
                rows.extend(batch)
        finally:
            iterator.close()
        return rows

    def _committed_documents(self) -> list[tuple[int, Document, int, int]]:
        return self._versions()[0]

    def _versions(self) -> tuple[list[tuple[int, Document, int, int]], list[int]]:
        """(seq, Document, chunks, sentences) of each document's newest whole version, in the order
        they were added; and the seqs of versions no reader sees (superseded, or never committed:
        a writer killed half-way), for the next writer to delete."""
        pending = set(json.loads(self.properties().get("pending", "[]")))
        pieces: dict[int, list[dict]] = {}
        for r in self._all_rows("documents", ("id", "doc", "seq", "part", "parts", "chunks", "sentences", "body")):
            pieces.setdefault(r["seq"], []).append(r)
        newest: dict[str, int] = {}
        for seq, rows in pieces.items():
            if len(rows) == rows[0]["parts"] and seq > newest.get(rows[0]["doc"], -1):
                newest[rows[0]["doc"]] = seq
        out = []
        for seq in sorted(newest.values()):
            body = "".join(r["body"] for r in sorted(pieces[seq], key=lambda r: r["part"]))
            try:
                out.append((seq, document_from(json.loads(body)), pieces[seq][0]["chunks"], pieces[seq][0]["sentences"]))
            except (KeyError, TypeError, ValueError) as e:
                raise IndexCorrupt(self.location, f"a document record is unreadable: {type(e).__name__}") from None
        live = set(newest.values())
        return out, sorted((set(pieces) | pending) - live)

    def _strong(self) -> dict:
        # A server serves reads from a snapshot unless asked; a reader must see the last write.
        return {} if self.local else {"consistency_level": "Strong"}

    # -- writing ----------------------------------------------------------------------------------

    def _create(self, dimension: int, head: dict) -> None:
        client = self.client()
        properties = {**head, "generation": "0", "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        for kind in ("passages", "sentences", "documents"):
            schema, index = collection_schema(client, kind, dimension)
            self._call("creating a collection", client.create_collection, self.names[kind], schema=schema,
                       index_params=index, properties=properties if kind == "documents" else {})

    def _insert_document(self, d: Document, seq: int, rows: list[int], data: Update,
                         sentence_starts: np.ndarray) -> None:
        client = self.client()
        passages, sentences = [], []
        for i, row in enumerate(rows):
            c = data.chunks[row]
            pid = (seq << CHUNK_BITS) | i
            passages.append({
                "id": pid, "doc": d.id, "seq": seq, "paragraph": c.paragraph, "start": c.start, "end": c.end,
                "page": -1 if c.page is None else c.page, "kind": c.kind, "section": json.dumps(list(c.section)),
                "sentences": json.dumps([list(s) for s in c.sentences]), "text": _fits(c.text, d.id, self.location),
                "bm25_text": _fits(c.embed_text(), d.id, self.location), "dense": data.chunk_vectors[row].tolist(),
            })
            first = int(sentence_starts[row])
            for j, text in enumerate(c.sentence_texts()):
                sentences.append({"id": (pid << SENTENCE_BITS) | j, "doc": d.id, "seq": seq, "passage": pid,
                                  "bm25_text": c.embed_text(text), "dense": data.sentence_vectors[first + j].tolist()})
        body = json.dumps(document_record(d), ensure_ascii=True)  # ASCII: a character is a byte
        parts = [body[i:i + PIECE] for i in range(0, len(body), PIECE)] or [""]
        records = [{"id": (seq << CHUNK_BITS) | n, "doc": d.id, "seq": seq, "part": n, "parts": len(parts),
                    "chunks": len(passages), "sentences": len(sentences), "body": piece, "marker": [0.0, 0.0]}
                   for n, piece in enumerate(parts)]
        for kind, rows_ in (("passages", passages), ("sentences", sentences), ("documents", records)):
            for b in range(0, len(rows_), BATCH):  # the document record last: it commits the version
                self._call("writing", client.insert, self.names[kind], rows_[b:b + BATCH])

    def _delete_seqs(self, seqs: list[int]) -> None:
        if not seqs:
            return
        for kind in ("documents", "passages", "sentences"):  # the record first: uncommitted at once
            self._call("deleting", self.client().delete, self.names[kind], filter=f"seq in {sorted(int(q) for q in seqs)}")

    def _set_property(self, name: str, value: str) -> None:
        self._call("writing the manifest", self.client().alter_collection_properties, self.names["documents"],
                   properties={name: value})

    def _stored(self, props: dict, committed) -> Stored:
        return Stored([Held.of(c[1]) for c in committed], props["model"], int(props["dimension"]), json.loads(props["chunking"]),
                      sum(c[2] for c in committed), sum(c[3] for c in committed))
