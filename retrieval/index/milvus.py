"""The index in Milvus: `--store milvus:///path/to/file.db` (Milvus Lite 2.5, the C++ engine run
as a child process: one process at a time, or several through `cited milvus-serve`) or
`--store http://host:19530` (a Milvus 2.5/2.6 server or cluster; $CITED_MILVUS_TOKEN for its
credentials). The same pymilvus MilvusClient talks to both; only the URI changes.

Three collections, named PREFIX_documents, PREFIX_passages and PREFIX_sentences:
- documents: each document's record (text, paragraphs, metadata; folder.py's JSON) in pieces of at
  most PIECE characters, with its layout (milvus_rows.pack_layout); and, under seq MANIFEST_SEQ,
  the manifest (schema version, model, dimension, chunking, a generation that every write bumps);
- passages: one row per chunk: document, paragraph, offsets, kind, section, page, sentence offsets,
  text, dense vector, and BM25 from Milvus's own BM25 function over the text as it is embedded;
- sentences: one row per sentence: its passage, dense vector and BM25.

Every row carries its document's `seq`, given at each write of that document. A write of one
document inserts its passages and sentences, then its document record (that is the commit), then
deletes the version before. Reading takes, per document, the newest version whose record is
whole and ignores rows of any other, so a reader, and a writer killed half-way, never see half a
document; the seqs a write is about to use are noted in the manifest ("pending"), and the next
writer deletes what a killed one left. Writes are per document: another reader may see some
documents of one ingest before the rest (there are no transactions across rows in Milvus).

Reading holds nothing that Milvus holds (milvus_read.py): opening reads the document list; a
question asks Milvus for each signal's candidates, has Milvus score the candidates' passages and
sentences against the question's vector, and fetches the chunks and documents it shows.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from retrieval.base.errors import IndexCorrupt, IndexMismatch, IndexMissing, StoreUnavailable
from retrieval.base.settings import Settings
from retrieval.index.folder import IndexData, document_from, document_record, index_lock, manifest_entry
from retrieval.index.interface import Compacted, Held, Stored, Update
from retrieval.index.milvus_read import (
    CHUNK_BITS,
    SENTENCE_BITS,
    Listing,
    MilvusChunks,
    MilvusDocuments,
    MilvusVectors,
)
from retrieval.index.milvus_rows import (
    LIMIT,
    LISTING_FIELDS,
    _fits,
    _manifest_head,
    _rows_per_document,
    collection_schema,
    pack_layout,
    unpack_layout,
)
from retrieval.index.milvus_search import MilvusSearch
from retrieval.index.records import Document

SCHEMA_VERSION = 2  # of the collections below (the folder's manifest has its own)
PREFIX = "cited"
PIECE = 60_000  # characters of a document record per row: ASCII JSON, under VARCHAR's 65,535 bytes
BATCH = 2_000  # rows per insert
READ_BATCH = 10_000  # rows per page when reading a collection
# Rows per page when they carry document bodies (up to PIECE characters each): a page's result must
# stay under the engine's limit on a result's size, which pages of READ_BATCH bodies exceed.
BODY_BATCH = 500
# The documents collection's manifest rows carry seq 0 (no document's). Each change inserts a new
# version (numbered in `part`, its id below 1 << CHUNK_BITS) and then deletes the older ones, so a
# reader takes the highest version: a row is never rewritten in place under the same id, which the
# engine lost once a 300,000-passage write had run for minutes (docs/milvus.md).
MANIFEST_SEQ = 0

_clients: dict[str, object] = {}  # one client per URI per process: Milvus Lite opens its file once
_loaded_collections: set[tuple[str, str]] = set()  # (URI#NAME, kind) this process has loaded
_clients_lock = threading.Lock()
_load_lock = threading.Lock()


class MilvusStore(MilvusSearch):
    def __init__(self, uri: str, dense_index: str = "FLAT", timeout_s: int = Settings.milvus_timeout) -> None:
        # One Milvus holds several cited indexes, each named by the URI's #NAME (default "cited").
        self.location = uri
        self.uri, _, name = uri.partition("#")
        name = name or PREFIX
        if not name.replace("_", "").isalnum() or not name[0].isalpha():
            raise StoreUnavailable(uri, f"#{name}: an index name is letters, digits and _, starting with a letter")
        self.local = self.uri.startswith("milvus://")
        self.path = Path(self.uri[len("milvus://"):]) if self.local else None
        self.names = {kind: f"{name}_{kind}" for kind in ("documents", "passages", "sentences")}
        self.dense_index = dense_index  # for collections this store creates
        # pymilvus bounds its retries of a lost server by a call's timeout only when it is an int
        # (else it retries 75 times, minutes); the same bound is each call's gRPC deadline.
        self.timeout_s = int(timeout_s)
        self._listing = Listing.of([], [], [], [])  # of the last read: rows ↔ Milvus ids

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
            for loaded in [key for key in _loaded_collections if key[0].partition("#")[0] == self.uri]:
                _loaded_collections.discard(loaded)
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
        for kind in self.names:
            _loaded_collections.discard((self.location, kind))

    def _loaded(self, *kinds: str):
        """The client, with these collections (all three if none is named) loaded for reading:
        Milvus keeps a collection released until asked, and loading one that is loaded costs
        nothing. The document list needs only the documents; a question, the other two."""
        client = self.client()
        for kind in kinds or tuple(self.names):
            if (self.location, kind) not in _loaded_collections:
                with _load_lock:  # a question waits for warm()'s load rather than asking for another
                    if (self.location, kind) not in _loaded_collections:
                        self._call("loading a collection", client.load_collection, self.names[kind])
                        _loaded_collections.add((self.location, kind))
        return client

    def _connect(self):
        import logging

        try:
            import grpc
            from pymilvus import MilvusClient
            from pymilvus.exceptions import MilvusException
        except ImportError:
            raise StoreUnavailable(self.location, "pymilvus is not installed: pip install 'cited[milvus]'") from None

        # pymilvus logs every failed call with its traceback, and Milvus Lite its failures to start
        # on the root logger (hence quiet while it starts); cited says what failed in one line.
        for name in ("pymilvus", "pymilvus.milvus_client", "milvus_lite", "grpc._server"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            if self.local:
                if not str(self.path).endswith(".db"):
                    raise StoreUnavailable(self.uri, "a Milvus Lite store is a file ending in .db, e.g. milvus:///tmp/cited.db")
                self.path.parent.mkdir(parents=True, exist_ok=True)
                root, level = logging.getLogger(), logging.getLogger().level
                root.setLevel(logging.CRITICAL)
                try:
                    return MilvusClient(str(self.path))
                finally:
                    root.setLevel(level)
            return MilvusClient(uri=self.uri, token=os.environ.get("CITED_MILVUS_TOKEN", ""), timeout=10)
        except MilvusException as e:
            if self.local:
                raise StoreUnavailable(
                    self.uri, "Milvus Lite opens its file in one process at a time and another has it open; stop "
                    f"that one, or serve the file to both with `cited milvus-serve {self.path} --port 19530` "
                    "and use --store http://127.0.0.1:19530") from None
            raise StoreUnavailable(self.uri, f"cannot connect: {getattr(e, 'message', e)}") from None
        except grpc.RpcError as e:  # a refused token: pymilvus does not retry it, nor wrap it
            raise StoreUnavailable(self.uri, _refused("connecting", e)) from None
        except OSError as e:
            raise StoreUnavailable(self.uri, e.strerror or str(e)) from None

    def _call(self, what: str, fn, *args, **kwargs):
        """A Milvus call, its failure as one line naming what was being done. Each client call
        gives up after timeout_s (Settings.milvus_timeout), retries of a lost server included."""
        import grpc
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException

        if isinstance(getattr(fn, "__self__", None), MilvusClient):  # not an iterator's next()
            kwargs.setdefault("timeout", self.timeout_s)
        try:
            return fn(*args, **kwargs)
        except MilvusException as e:
            raise StoreUnavailable(self.uri, f"{what} failed: {getattr(e, 'message', e)}") from None
        except grpc.RpcError as e:
            raise StoreUnavailable(self.uri, _refused(what, e)) from None

    # -- the Store interface ----------------------------------------------------------------------

    def exists(self) -> bool:
        client = self.client()
        return bool(self._call("listing collections", client.has_collection, self.names["documents"]))

    def properties(self) -> dict:
        """The manifest row ({} for collections of a cited before schema 2, which kept none)."""
        if not self.exists():
            raise IndexMissing(self.location)
        rows = self._manifest_rows()
        try:
            return json.loads(rows[-1]["body"]) if rows else {}
        except ValueError:
            raise IndexCorrupt(self.location, "the manifest row is unreadable") from None

    def manifest(self) -> dict:
        """The folder store's manifest, from the documents collection alone (`cited list`)."""
        props = self._checked_properties()
        committed = self._committed_documents()
        entries = [manifest_entry(d, n_chunks, n_sentences) for _, d, n_chunks, n_sentences in committed]
        counts = {"documents": len(committed), "chunks": sum(c[2] for c in committed),
                  "sentences": sum(c[3] for c in committed)}
        return {**_manifest_head(props), "counts": counts, "documents": entries, "store": self.location}

    def read(self, expected_model: str | None = None, previous: IndexData | None = None) -> IndexData:
        """The index as the retriever reads it: the document list now, the rest from Milvus when
        asked for (milvus_read.py)."""
        props = self._checked_properties(expected_model)
        listing = self._listing = self._read_listing()
        # The rows of this read, searched through a copy of the store bound to them: a question
        # on this index while a later read replaces self._listing still maps ids to its own rows.
        bound = copy.copy(self)
        dimension = int(props["dimension"])
        return IndexData(
            model=props["model"], dimension=dimension, chunking=json.loads(props["chunking"]),
            documents=MilvusDocuments(listing, bound._document), chunks=MilvusChunks(listing, bound._chunks_of),
            chunk_vectors=MilvusVectors(listing.chunks, dimension, listing.passage_ids,
                                        lambda ids: bound._vectors("passages", ids, dimension)),
            sentence_vectors=MilvusVectors(listing.sentences, dimension, listing.sentence_ids,
                                           lambda ids: bound._vectors("sentences", ids, dimension)),
            created=props.get("created", ""), extra={"searched_by": bound},
        )

    def stored(self, expected_model: str | None = None) -> Stored:
        props = self._checked_properties(expected_model)
        return self._stored(props, self._committed_documents())

    def documents(self) -> list[Document]:
        self._checked_properties()
        return [c[1] for c in self._committed_documents()]

    def apply(self, update: Update) -> Stored:
        """Writes the new documents in batches (each committed whole by its record, see above),
        then takes out the versions they replace and the documents removed. A failure half-way
        leaves the documents committed before it written and the rest as they were."""
        head = {"schema_version": str(SCHEMA_VERSION), "model": update.model, "dimension": str(update.dimension),
                "chunking": json.dumps(update.chunking, sort_keys=True)}
        if self.exists() and (update.rebuild or any(self.properties().get(k) != v for k, v in head.items())):
            self.drop()  # a rebuild (for another model or chunking, or asked for)
        if not self.exists():
            self._create(update.dimension, head)
        versions, stale = self._versions(("id", "doc", "seq", "part", "parts"))
        self._delete_seqs(stale)  # left by a writer that was killed
        next_seq = max(list(versions) + stale, default=0) + 1
        seqs = list(range(next_seq, next_seq + len(update.documents)))
        self._set_manifest(pending=json.dumps(seqs))  # the next writer cleans up after a crash
        rows_of = _rows_per_document(update.chunks)
        counts = np.array([len(c.sentences) for c in update.chunks], dtype=np.int64)
        sentence_starts = np.cumsum(counts) - counts
        waiting = {"passages": [], "sentences": [], "documents": []}
        for seq, d in zip(seqs, update.documents):
            for kind, rows in self._document_rows(d, seq, rows_of.get(d.id, []), update, sentence_starts).items():
                waiting[kind] += rows
            if len(waiting["passages"]) + len(waiting["sentences"]) >= BATCH:
                self._insert(waiting)
        self._insert(waiting)
        out = update.removed | {d.id for d in update.documents}
        self._delete_seqs([seq for seq, rows in versions.items() if rows[0]["doc"] in out])
        self._set_manifest(pending="[]", generation=f"{time.time_ns()}-{os.getpid()}")
        return self._stored(self.properties(), self._committed_documents())

    def write(self, data: IndexData) -> Stored:
        return self.apply(Update.whole(data))

    def compact(self) -> Compacted:
        """Nothing for cited to do: each document is written apart already, and Milvus merges its
        own segments."""
        return Compacted(0, 0)

    def lock(self):
        # Milvus Lite: a file lock as a folder's, on a file of its own: Milvus Lite holds a POSIX
        # lock on .NAME.db.lock, which any close of that file in this process would release (and
        # its engine then stops). A server: one writer at a time is the deployment's to ensure
        # (docs/milvus.md); Milvus itself has no lock cited could take.
        return index_lock(self.path.with_name(self.path.name + ".writer")) if self.local else nullcontext()

    def warm(self) -> threading.Thread:
        """Milvus loads the passages and sentences into its memory before it searches them, which
        takes an embedded engine a while at its start (docs/milvus.md): in the background, so the
        chat opens at once and its first question waits only for what is left."""
        thread = threading.Thread(target=self._warm, name="cited-milvus-load", daemon=True)
        thread.start()
        return thread

    def _warm(self) -> None:
        try:
            self._loaded("passages", "sentences")
        except StoreUnavailable:
            pass  # the question that needs them loads them again, and says what failed

    def stamp(self) -> object:
        """Asked at every question: one call (a missing collection is an error, hence None)."""
        try:
            return self.properties().get("generation")
        except (StoreUnavailable, IndexMissing, IndexCorrupt):
            return None

    def searches(self) -> bool:
        return True

    # -- reading ------------------------------------------------------------------------------------

    def _checked_properties(self, expected_model: str | None = None) -> dict:
        props = self.properties()
        version = props.get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise IndexMismatch(self.location, f"schema version {version or '1 (kept no manifest row)'}, this cited "
                                               f"reads version {SCHEMA_VERSION}")
        if expected_model is not None and props.get("model") != expected_model:
            raise IndexMismatch(self.location, f"built with the model '{props.get('model')}', asked to use '{expected_model}'")
        return props

    def _all_rows(self, kind: str, fields, where: str = "") -> list[dict]:
        client = self._loaded(kind)
        rows: list[dict] = []
        page_size = BODY_BATCH if "body" in fields else READ_BATCH
        iterator = self._call("reading", client.query_iterator, self.names[kind], batch_size=page_size, filter=where,
                              output_fields=list(fields), **self._strong())
        try:
            while batch := self._call("reading", iterator.next):
                rows.extend(batch)
        finally:
            iterator.close()
        return rows

    def _query(self, kind: str, where: str, fields, limit: int) -> list[dict]:
        """The rows matching `where`, known to be `limit` at most (one call up to LIMIT)."""
        if limit > LIMIT:
            return self._all_rows(kind, fields, where)
        return list(self._call("reading", self._loaded(kind).query, self.names[kind], filter=where,
                               output_fields=list(fields), limit=max(limit, 1), **self._strong()))

    def _read_listing(self) -> Listing:
        versions, _ = self._versions(LISTING_FIELDS)
        seqs, ids, kinds, counts = [], [], [], []
        for seq, rows in versions.items():
            kind, count = unpack_layout("".join(r["layout"] for r in rows))
            if len(kind) != rows[0]["chunks"] or int(count.sum()) != rows[0]["sentences"]:
                raise IndexCorrupt(self.location, f"the layout of {rows[0]['doc']} does not match its counts")
            seqs.append(seq), ids.append(rows[0]["doc"]), kinds.append(kind), counts.append(count)
        return Listing.of(seqs, ids, kinds, counts)

    def _committed_documents(self) -> list[tuple[int, Document, int, int]]:
        """(seq, Document, chunks, sentences) of each document's newest whole version, in the order
        they were added."""
        versions, _ = self._versions(("id", "doc", "seq", "part", "parts", "chunks", "sentences", "body"))
        out = []
        for seq, rows in versions.items():
            try:
                out.append((seq, document_from(json.loads("".join(r["body"] for r in rows))), rows[0]["chunks"],
                            rows[0]["sentences"]))
            except (KeyError, TypeError, ValueError) as e:
                raise IndexCorrupt(self.location, f"a document record is unreadable: {type(e).__name__}") from None
        return out

    def _versions(self, fields) -> tuple[dict[int, list[dict]], list[int]]:
        """Each document's newest whole version: {seq: its rows (fields), by part}, in the order
        they were added; and the seqs of versions no reader sees (superseded, or never committed:
        a writer killed half-way), for the next writer to delete."""
        pending = set(json.loads(self.properties().get("pending", "[]")))
        pieces: dict[int, list[dict]] = {}
        for r in self._all_rows("documents", fields):
            if r["seq"] != MANIFEST_SEQ:
                pieces.setdefault(r["seq"], []).append(r)
        newest: dict[str, int] = {}
        for seq, rows in pieces.items():
            if len(rows) == rows[0]["parts"] and seq > newest.get(rows[0]["doc"], -1):
                newest[rows[0]["doc"]] = seq
        live = sorted(newest.values())
        return ({seq: sorted(pieces[seq], key=lambda r: r["part"]) for seq in live},
                sorted((set(pieces) | pending) - set(live)))

    def _strong(self) -> dict:
        # Milvus (Lite's C++ engine too) serves reads from a bounded-stale snapshot unless asked; a
        # reader must see the last write (a writer reads its manifest row back at once).
        return {"consistency_level": "Strong"}

    # -- writing ----------------------------------------------------------------------------------

    def _create(self, dimension: int, head: dict) -> None:
        client = self.client()
        for kind in ("passages", "sentences", "documents"):
            schema, index = collection_schema(client, kind, dimension, self.dense_index)
            self._call("creating a collection", client.create_collection, self.names[kind], schema=schema,
                       index_params=index)
        self._set_manifest(**head, generation="0", created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def _document_rows(self, d: Document, seq: int, rows: list[int], data: Update,
                       sentence_starts: np.ndarray) -> dict[str, list[dict]]:
        """A document's rows, for each collection."""
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
        layout = pack_layout([data.chunks[row] for row in rows])
        n = max(1, -(-len(body) // PIECE), -(-len(layout) // PIECE))
        records = [{"id": (seq << CHUNK_BITS) | part, "doc": d.id, "seq": seq, "part": part, "parts": n,
                    "chunks": len(passages), "sentences": len(sentences), "layout": layout[part * PIECE:(part + 1) * PIECE],
                    "body": body[part * PIECE:(part + 1) * PIECE], "marker": [0.0, 0.0]} for part in range(n)]
        return {"passages": passages, "sentences": sentences, "documents": records}

    def _insert(self, waiting: dict[str, list[dict]]) -> None:
        """Several documents' rows, their records last: a record commits its document, after all
        of that document's rows are in (a writer killed before it leaves rows no reader sees)."""
        for kind in ("passages", "sentences", "documents"):
            rows = waiting[kind]
            for b in range(0, len(rows), BATCH):
                self._call("writing", self.client().insert, self.names[kind], rows[b:b + BATCH])
            rows.clear()

    def _delete_seqs(self, seqs: list[int]) -> None:
        if not seqs:
            return
        for kind in ("documents", "passages", "sentences"):  # the record first: uncommitted at once
            self._call("deleting", self.client().delete, self.names[kind], filter=f"seq in {sorted(int(q) for q in seqs)}")

    def _set_manifest(self, **changes: str) -> None:
        """A new version of the manifest row with these entries changed, then the older versions
        deleted (Milvus Lite 2.5 keeps no collection properties, so the manifest is a row)."""
        rows = self._manifest_rows()
        props = {**json.loads(rows[-1]["body"]), **changes} if rows else dict(changes)
        version = rows[-1]["part"] + 1 if rows else 0
        self._call("writing the manifest", self.client().insert, self.names["documents"], [{
            "id": version % (1 << CHUNK_BITS), "doc": "", "seq": MANIFEST_SEQ, "part": version, "parts": 1, "chunks": 0,
            "sentences": 0, "layout": "", "body": json.dumps(props, sort_keys=True), "marker": [0.0, 0.0]}])
        if rows:
            self._call("writing the manifest", self.client().delete, self.names["documents"], ids=[r["id"] for r in rows])

    def _manifest_rows(self) -> list[dict]:
        """The manifest's versions, oldest first (one, or two while a change is written)."""
        rows = self._query("documents", f"seq == {MANIFEST_SEQ}", ("id", "part", "body"), limit=LIMIT)
        return sorted(rows, key=lambda r: r["part"])

    def _stored(self, props: dict, committed) -> Stored:
        if "model" not in props:
            raise IndexCorrupt(self.location, "the manifest row is missing")
        return Stored([Held.of(c[1]) for c in committed], props["model"], int(props["dimension"]), json.loads(props["chunking"]),
                      sum(c[2] for c in committed), sum(c[3] for c in committed))


def _refused(what: str, error) -> str:
    """A gRPC error pymilvus passes on as it came (it retries none of these): a token the server
    refuses (Milvus answers UNAUTHENTICATED, "auth check failure …"), a user without the right,
    or another failure."""
    import grpc

    detail = " ".join(str(error.details() or error.code()).split())
    if error.code() == grpc.StatusCode.UNAUTHENTICATED:
        return f"it refused the token ({detail}): set CITED_MILVUS_TOKEN to user:password or an API key it accepts"
    if error.code() == grpc.StatusCode.PERMISSION_DENIED:
        return f"{what} was not allowed ({detail}): the token's user needs that privilege"
    return f"{what} failed: {detail}"

