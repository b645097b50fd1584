"""The index folder: a versioned manifest.json, documents.jsonl, chunks.jsonl and two FAISS files,
and the BM25 of both; then any segments (segments.py) added since, each a folder of the same files.

Written atomically: a whole index goes to a temporary sibling folder, which is then swapped in with
one rename, so a reader sees either the old index or the new one, never half of either (a segment
is written whole before the manifest that names it replaces the old one). The manifest lists the
documents that are live and the part (the folder itself, "", or a segment) holding each; rows of
any other document are dead and skipped on load. Every file's sha256 is in the manifest, so
damage is found and named on load. No pickle anywhere.
"""

from __future__ import annotations

import hashlib
import json
import struct
import os
import shutil
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from cited.errors import IndexCorrupt, IndexMismatch, IndexMissing, IndexUnreadable, IndexWriteFailed
from retrieval import atomic
from retrieval.atomic import (  # noqa: F401  (index_lock: the stores' writers take it from here)
    fsync, fsync_dir, index_lock, recover_interrupted_swap, remove_stale_temporaries,
)
from retrieval.records import Chunk, Document, Metadata, Paragraph

SCHEMA_VERSION = 2  # 2: segments; a version 1 folder is read as one without segments
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
CHUNK_VECTORS = "chunks.faiss"
SENTENCE_VECTORS = "sentences.faiss"
DATA_FILES = (DOCUMENTS, CHUNKS, CHUNK_VECTORS, SENTENCE_VECTORS)
# BM25 of the chunks and of their sentences, as bm25s saves them (retrieval/lexical.py). An index
# written before they were stored has none; its BM25 is then built when it is opened.
BM25_FOLDERS = ("bm25-chunks", "bm25-sentences")
SEGMENTS = "segments"  # the folder of the segments added since the index was last written whole


@dataclass
class IndexData:
    """Everything an index holds, in memory. Sentence vectors are in the order of
    chunks[0].sentences, chunks[1].sentences, …"""

    model: str
    dimension: int
    chunking: dict
    documents: list[Document]
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    created: str = ""
    extra: dict = field(default_factory=dict)
    parts: list["Part"] = field(default_factory=list)  # where it was read from (its stored BM25), if it was

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)


@dataclass(frozen=True)
class Part:
    """One folder an index was read from (the index folder, or one of its segments): its files (as
    the manifest lists them: the same files if equal), how many chunk and sentence rows it stores,
    and which of them are live (None: all), in IndexData's order."""

    folder: Path
    files: dict
    documents: int  # live
    chunks: int
    sentences: int
    chunk_rows: np.ndarray | None = None
    sentence_rows: np.ndarray | None = None

    def live(self) -> tuple[int, int, int]:
        """Its live documents, chunk rows and sentence rows: how many of IndexData's it holds."""
        return (self.documents, self.chunks if self.chunk_rows is None else len(self.chunk_rows),
                self.sentences if self.sentence_rows is None else len(self.sentence_rows))


# --- writing ---------------------------------------------------------------------------------


def write_index(path: Path, data: IndexData) -> None:
    path = Path(path)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        if path.exists() and not path.is_dir():
            raise IndexWriteFailed(str(path), "it is a file, not an index folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        tmp.mkdir()
        _write_files(tmp, data)
        atomic.swap_in(tmp, path)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise IndexWriteFailed(str(path), e.strerror or str(e)) from None


def _write_files(folder: Path, data: IndexData) -> None:
    files = write_data_files(folder, data)
    chunks_per_document = Counter(c.doc for c in data.chunks)  # one pass: a library has many documents
    sentences_per_document = Counter()
    for c in data.chunks:
        sentences_per_document[c.doc] += len(c.sentences)
    counts = {"chunks": len(data.chunks), "sentences": int(len(data.sentence_vectors))}
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "model": data.model,
        "dimension": data.dimension,
        "chunking": data.chunking,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "counts": {"documents": len(data.documents), **counts},
        "documents": [manifest_entry(d, chunks_per_document.get(d.id, 0), sentences_per_document.get(d.id, 0))
                      for d in data.documents],
        "files": files,
        "sizes": file_sizes(folder, files),
        "base": counts,  # rows stored in the folder itself, live or not
        "segments": [],
        **data.extra,
    }
    write_manifest(folder, manifest)


def write_manifest(folder: Path, manifest: dict) -> None:
    """manifest.json, replaced in one rename (a reader reads the old one or the new one)."""
    tmp = folder / f".{MANIFEST}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / MANIFEST)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(folder)


def file_sizes(folder: Path, files: dict) -> dict[str, int]:
    return {name: (folder / name).stat().st_size for name in files}


def write_data_files(folder: Path, data: IndexData) -> dict[str, str]:
    """A part's files (documents, chunks, vectors, BM25) in `folder`, synced; {name: sha256}."""
    import faiss

    with open(folder / DOCUMENTS, "w", encoding="utf-8") as f:
        for d in data.documents:
            f.write(json.dumps(document_record(d), ensure_ascii=False) + "\n")
    with open(folder / CHUNKS, "w", encoding="utf-8") as f:
        for c in data.chunks:
            f.write(json.dumps(chunk_record(c), ensure_ascii=False) + "\n")
    for name, vectors in ((CHUNK_VECTORS, data.chunk_vectors), (SENTENCE_VECTORS, data.sentence_vectors)):
        index = faiss.IndexFlatIP(data.dimension)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        # Serialized here and written by Python, not by faiss.write_index: a full disk is then an
        # OSError (ENOSPC) like every other write, not a C++ RuntimeError with a traceback.
        with open(folder / name, "wb") as f:
            f.write(faiss.serialize_index(index).tobytes())
    bm25_files = _write_bm25(folder, data)
    for name in (*DATA_FILES, *bm25_files):
        fsync(folder / name)
    return {name: sha256_file(folder / name) for name in (*DATA_FILES, *bm25_files)}


def sha256_file(file: Path) -> str:
    h = hashlib.sha256()
    with open(file, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def document_record(d: Document) -> dict:
    return {
        "id": d.id,
        "format": d.format,
        "sha256": d.sha256,
        "meta": asdict(d.meta),
        "text": d.text,
        "paragraphs": [[p.n, p.start, p.end, p.kind, list(p.section), p.page] for p in d.paragraphs],
    }


def chunk_record(c: Chunk) -> dict:
    return {
        "doc": c.doc, "paragraph": c.paragraph, "start": c.start, "end": c.end, "text": c.text,
        "kind": c.kind, "section": list(c.section), "page": c.page, "sentences": [list(s) for s in c.sentences],
    }


def manifest_entry(d: Document, chunks: int, sentences: int, segment: str = "") -> dict:
    return {
        "id": d.id, "source": d.meta.source, "title": d.meta.title, "authors": list(d.meta.authors),
        "date": d.meta.date, "site": d.meta.site, "language": d.meta.language, "format": d.format, "sha256": d.sha256,
        "paragraphs": len(d.paragraphs), "chunks": chunks, "sentences": sentences, "segment": segment,
    }


def _write_bm25(folder: Path, data: IndexData) -> list[str]:
    """Both BM25 indexes, saved; the relative paths of their files."""
    from retrieval.lexical import Bm25Index

    texts = {
        BM25_FOLDERS[0]: [c.embed_text() for c in data.chunks],
        BM25_FOLDERS[1]: [c.embed_text(s) for c in data.chunks for s in c.sentence_texts()],
    }
    written = []
    for name, corpus in texts.items():
        Bm25Index(corpus).save(folder / name)
        written += sorted(str(p.relative_to(folder)) for p in (folder / name).glob("*") if p.is_file())
    return written


# --- reading ---------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict:
    path = Path(path)
    file = path / MANIFEST
    try:
        recover_interrupted_swap(path)
        if not file.exists():
            if path.is_file():
                raise IndexUnreadable(str(path), "it is a file, not an index folder")
            if path.exists() and any(path.iterdir()):
                raise IndexCorrupt(str(path), f"{MANIFEST} is missing")
            raise IndexMissing(str(path))
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except PermissionError as e:
        raise IndexUnreadable(str(path), f"{Path(e.filename or path).name}: {e.strerror}") from None
    except (OSError, ValueError, RecursionError) as e:  # ValueError: bad UTF-8 or bad JSON
        raise IndexCorrupt(str(path), f"{MANIFEST} is unreadable: {type(e).__name__}") from None
    if not isinstance(manifest, dict) or "schema_version" not in manifest:
        raise IndexCorrupt(str(path), f"{MANIFEST} is not a cited manifest")
    if manifest["schema_version"] not in READABLE_VERSIONS:
        raise IndexMismatch(
            str(path), f"schema version {manifest['schema_version']}, this cited reads version {SCHEMA_VERSION}"
        )
    return manifest


def read_index(path: Path, expected_model: str | None = None, previous: IndexData | None = None) -> IndexData:
    """The whole index: every part's live documents, chunks and vectors, in order. The parts of
    `previous` (this index as read before) whose files are unchanged are taken from it, not read
    again: after a segment is added, only the segment is read."""
    path = Path(path)
    manifest = _checked_manifest(path, expected_model)
    dimension = _dimension(path, manifest)
    loaded = _parts_of(previous) if previous is not None and previous.dimension == dimension else {}
    documents, chunks, chunk_vectors, sentence_vectors, parts = [], [], [], [], []
    for where in layout(path, manifest):
        folder, files, live = where.folder, where.files, where.live
        rows, part = loaded.get(folder, (None, None))
        if part is None or part.files != files or not live <= {d.id for d in rows[0]}:
            rows, part = _read_part(path, folder, files, dimension)
        rows, part = _keep_live(rows, part, live)
        documents += rows[0]
        chunks += rows[1]
        chunk_vectors.append(rows[2])
        sentence_vectors.append(rows[3])
        parts.append(part)
    known = {k: v for k, v in manifest.items() if k not in _MANIFEST_KEYS}
    return IndexData(
        model=str(manifest.get("model", "")), dimension=dimension, chunking=manifest.get("chunking", {}),
        documents=documents, chunks=chunks, chunk_vectors=_joined(chunk_vectors),
        sentence_vectors=_joined(sentence_vectors), created=manifest.get("created", ""), extra=known, parts=parts,
    )


def _parts_of(index: IndexData) -> dict[Path, tuple[tuple, Part]]:
    """Each part of a loaded index, with its rows (documents, chunks, chunk and sentence vectors)."""
    out, d, c, s = {}, 0, 0, 0
    for part in index.parts:
        nd, nc, ns = part.live()
        out[part.folder] = ((index.documents[d:d + nd], index.chunks[c:c + nc], index.chunk_vectors[c:c + nc],
                             index.sentence_vectors[s:s + ns]), part)
        d, c, s = d + nd, c + nc, s + ns
    return out


def check_parts(path: Path, expected_model: str | None = None) -> dict:
    """The manifest, once every part's files are checked to be there with their sizes: what a
    writer needs before it builds on the index (each load checks every sha256)."""
    path = Path(path)
    manifest = _checked_manifest(path, expected_model)
    for where in layout(path, manifest):
        _check_sizes(path, where.folder, where.files, where.sizes)
    return manifest


def read_documents(path: Path, expected_model: str | None = None) -> list[Document]:
    """The live documents, without chunks or vectors (`cited list`, `cited show`)."""
    path = Path(path)
    manifest = _checked_manifest(path, expected_model)
    documents = []
    for where in layout(path, manifest):
        _check_files(path, where.folder, where.files, (DOCUMENTS,))
        with _naming(path, where.folder, DOCUMENTS):
            documents += [d for d in (document_from(json.loads(line)) for line in _lines(where.folder / DOCUMENTS))
                          if d.id in where.live]
    return documents


def _check_sizes(path: Path, folder: Path, files: dict, sizes: dict | None) -> None:
    """Each file there with the size the manifest gives (or, for a manifest without sizes, its sha256)."""
    if sizes is None:
        return _check_files(path, folder, files, list(files))
    for name in files:
        with _naming(path, folder, name):
            file = _present(path, folder / name)
            if file.stat().st_size != sizes.get(name):
                raise IndexCorrupt(str(path), f"{file.relative_to(path)} does not match its size in {MANIFEST}")


def _checked_manifest(path: Path, expected_model: str | None) -> dict:
    manifest = read_manifest(path)
    if expected_model is not None and manifest.get("model") != expected_model:
        raise IndexMismatch(
            str(path), f"built with the model '{manifest.get('model')}', asked to use '{expected_model}'"
        )
    return manifest


def _dimension(path: Path, manifest: dict) -> int:
    try:
        return int(manifest["dimension"])
    except (KeyError, TypeError, ValueError):
        raise IndexCorrupt(str(path), f"{MANIFEST} has no dimension") from None


@dataclass(frozen=True)
class Layout:
    """Where one part of an index is, as its manifest says: its name ("" for the index folder
    itself), folder, files ({name: sha256}), their sizes (None in manifests before sizes), and the
    ids of its live documents."""

    name: str
    folder: Path
    files: dict
    sizes: dict | None
    live: frozenset


def layout(path: Path, manifest: dict) -> list[Layout]:
    """Each part of the index, the folder itself first, then its segments; IndexCorrupt if the
    manifest does not say it plainly."""
    try:
        live: dict[str, set[str]] = {}
        for entry in manifest.get("documents", []):
            live.setdefault(_text(entry.get("segment", "")), set()).add(_text(entry["id"]))
        parts = [("", path, manifest["files"], manifest.get("sizes"))]
        parts += [(_text(s["name"]), path / SEGMENTS / _text(s["name"]), s["files"], s.get("sizes"))
                  for s in manifest.get("segments", [])]
        out = []
        for name, folder, files, sizes in parts:
            if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
                raise TypeError("files")
            if sizes is not None and not isinstance(sizes, dict):
                raise TypeError("sizes")
            out.append(Layout(name, folder, files, sizes, frozenset(live.get(name, ()))))
        return out
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise IndexCorrupt(str(path), f"{MANIFEST} is unreadable: {type(e).__name__}") from None


def _text(value) -> str:
    if not isinstance(value, str) or "/" in value or value in (".", ".."):
        raise ValueError(value)
    return value


@contextmanager
def _naming(path: Path, folder: Path, name: str):
    """Turns a failure to read `name` into the index error that names it."""
    shown = str((folder / name).relative_to(path))
    try:
        yield
    except PermissionError as e:
        raise IndexUnreadable(str(path), f"{shown}: {e.strerror}") from None
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError, RecursionError, OSError) as e:
        raise IndexCorrupt(str(path), f"{shown} is unreadable: {type(e).__name__}") from None


def _check_files(path: Path, folder: Path, files: dict, names, digests: dict | None = None) -> None:
    """Each file there and matching its sha256 in the manifest (digests: futures of them computed
    on other threads, by name; else each is computed here)."""
    for name in names:
        with _naming(path, folder, name):
            file = _present(path, folder / name)
            digest = digests[name].result() if digests is not None else sha256_file(file)
            if digest != files[name]:
                raise IndexCorrupt(str(path), f"{file.relative_to(path)} does not match its checksum in {MANIFEST}")


def _present(path: Path, file: Path) -> Path:
    if not file.exists():
        raise IndexCorrupt(str(path), f"{file.relative_to(path)} is missing")
    return file


def _read_part(path: Path, folder: Path, files: dict, dimension: int) -> tuple[tuple, Part]:
    """Every row one part stores (documents, chunks, chunk and sentence vectors), checked. The
    files are hashed on other threads while the main one parses (hashlib lets go of the GIL), and
    a checksum that does not match is the error named, whatever parsing made of the file."""
    names = (*DATA_FILES, *(n for n in files if n not in DATA_FILES))
    # Threads only where hashing takes long (a small index hashes in milliseconds, after parsing).
    size = sum(file.stat().st_size for file in (folder / name for name in names) if file.exists())
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="cited-sha256") as hashing:
        digests = None
        if size > PARALLEL_HASHING_FROM:
            digests = {name: hashing.submit(sha256_file, folder / name) for name in names if (folder / name).exists()}
        try:
            rows, failure = _parse_part(path, folder, dimension), None
        except (IndexCorrupt, IndexUnreadable) as e:
            rows, failure = None, e
        _check_files(path, folder, files, names, digests)  # a missing file or a checksum first
    if failure is not None:
        raise failure
    documents, chunks, chunk_vectors, sentence_vectors = rows
    return rows, Part(folder, files, len(documents), len(chunks), len(sentence_vectors))


PARALLEL_HASHING_FROM = 64 << 20  # bytes in a part's files


def _parse_part(path: Path, folder: Path, dimension: int) -> tuple:
    with _naming(path, folder, DOCUMENTS):
        documents = [document_from(json.loads(line)) for line in _lines(folder / DOCUMENTS)]
    with _naming(path, folder, CHUNKS):
        chunks = [chunk_from(json.loads(line)) for line in _lines(folder / CHUNKS)]
    with _naming(path, folder, CHUNK_VECTORS):
        chunk_vectors = flat_vectors(folder / CHUNK_VECTORS)
    with _naming(path, folder, SENTENCE_VECTORS):
        sentence_vectors = flat_vectors(folder / SENTENCE_VECTORS)
    if chunk_vectors.shape != (len(chunks), dimension):
        raise IndexCorrupt(str(path), f"{CHUNK_VECTORS} holds {chunk_vectors.shape[0]} vectors for {len(chunks)} chunks")
    if len(sentence_vectors) != sum(len(c.sentences) for c in chunks):
        raise IndexCorrupt(str(path), f"{SENTENCE_VECTORS} does not match the chunks' sentences")
    return documents, chunks, chunk_vectors, sentence_vectors


# FAISS's file of a flat inner-product index: "IxFI", d (int32), ntotal (int64), two unused int64,
# is_trained (uint8), metric (int32, 0: inner product), the number of floats (uint64), the floats.
_FLAT_HEADER = struct.Struct("<4siqqqBiQ")


def flat_vectors(file: Path) -> np.ndarray:
    """The vectors of a saved flat FAISS index, memory-mapped where the file is the plain layout
    above (opening a large index copies nothing; pages are read as questions touch them), else
    read through FAISS."""
    with open(file, "rb") as f:
        head = f.read(_FLAT_HEADER.size)
    if len(head) == _FLAT_HEADER.size:
        fourcc, d, n, _, _, _, metric, floats = _FLAT_HEADER.unpack(head)
        if fourcc == b"IxFI" and metric == 0 and d > 0 and n >= 0 and floats == n * d \
                and file.stat().st_size == _FLAT_HEADER.size + 4 * floats:
            if n == 0:
                return np.zeros((0, d), dtype=np.float32)
            return np.memmap(file, dtype="<f4", mode="r", offset=_FLAT_HEADER.size, shape=(n, d))
    import faiss

    return _vectors(faiss.read_index(str(file)))


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """One array of the parts' rows (one part: its own, memory-mapped array, not a copy)."""
    return arrays[0] if len(arrays) == 1 else np.vstack(arrays)


def _keep_live(rows: tuple, part: Part, live: set[str]) -> tuple[tuple, Part]:
    """A part's rows cut to its live documents, and the Part that says which stored rows they are."""
    documents, chunks, chunk_vectors, sentence_vectors = rows
    if all(d.id in live for d in documents):
        return rows, part
    keep = np.array([c.doc in live for c in chunks], dtype=bool)
    keep_sentences = np.repeat(keep, np.array([len(c.sentences) for c in chunks], dtype=np.int64))
    stored_chunks = part.chunk_rows if part.chunk_rows is not None else np.arange(part.chunks)
    stored_sentences = part.sentence_rows if part.sentence_rows is not None else np.arange(part.sentences)
    documents = [d for d in documents if d.id in live]
    part = replace(part, documents=len(documents), chunk_rows=stored_chunks[keep],
                   sentence_rows=stored_sentences[keep_sentences])
    return (documents, [c for c, k in zip(chunks, keep) if k], chunk_vectors[keep],
            sentence_vectors[keep_sentences]), part


_MANIFEST_KEYS = {"schema_version", "model", "dimension", "chunking", "created", "counts", "documents", "files",
                  "base", "segments", "sizes"}


def _lines(file: Path):
    with open(file, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield line


def _vectors(index) -> np.ndarray:
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal).astype(np.float32, copy=False)  # already float32: no second copy


def document_from(r: dict) -> Document:
    paragraphs = tuple(
        Paragraph(n, start, end, kind, tuple(section), page) for n, start, end, kind, section, page in r["paragraphs"]
    )
    meta = r["meta"]
    meta = Metadata(
        title=meta.get("title", ""), authors=tuple(meta.get("authors", ())), date=meta.get("date", ""),
        site=meta.get("site", ""), source=meta.get("source", ""), language=meta.get("language", ""),
    )
    return Document(r["id"], r["text"], paragraphs, meta, r.get("format", "txt"), r.get("sha256", ""))


def chunk_from(r: dict) -> Chunk:
    return Chunk(
        r["doc"], int(r["paragraph"]), int(r["start"]), int(r["end"]), r["text"], r.get("kind", "text"),
        tuple(r.get("section", ())), r.get("page"), tuple((int(s), int(e)) for s, e in r.get("sentences", ())),
    )
