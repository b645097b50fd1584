"""The index folder: a versioned manifest.json, documents.jsonl, chunks.jsonl and two FAISS files.

Written atomically: everything goes to a temporary sibling folder, which is then swapped in with
one rename, so a reader sees either the old index or the new one, never half of either. Every
file's sha256 is in the manifest, so damage is found and named on load. No pickle anywhere.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import hashlib
import json
import os
import shutil
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from cited.errors import IndexCorrupt, IndexMismatch, IndexMissing, IndexUnreadable, IndexWriteFailed
from retrieval.records import Chunk, Document, Metadata, Paragraph

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
CHUNK_VECTORS = "chunks.faiss"
SENTENCE_VECTORS = "sentences.faiss"
DATA_FILES = (DOCUMENTS, CHUNKS, CHUNK_VECTORS, SENTENCE_VECTORS)
# BM25 of the chunks and of their sentences, as bm25s saves them (retrieval/lexical.py). An index
# written before they were stored has none; its BM25 is then built when it is opened.
BM25_FOLDERS = ("bm25-chunks", "bm25-sentences")


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
    folder: Path | None = None  # where it was read from (its stored BM25 is there), if it was

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)


# --- one writer at a time ----------------------------------------------------------------------


@contextmanager
def index_lock(path: Path):
    """Held by a writer from reading the old index to swapping in the new one; another writer
    waits its turn (readers never wait: they see the old index or the new one)."""
    import fcntl

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.parent / f".{path.name}.lock", "a+b")
    except OSError as e:
        raise IndexWriteFailed(str(path), f"cannot take the write lock: {e.strerror or e}") from None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # closing releases the lock, also when the process dies


# --- writing ---------------------------------------------------------------------------------


def write_index(path: Path, data: IndexData) -> None:
    path = Path(path)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        if path.exists() and not path.is_dir():
            raise IndexWriteFailed(str(path), "it is a file, not an index folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(path)
        tmp.mkdir()
        _write_files(tmp, data)
        _swap_in(tmp, path)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise IndexWriteFailed(str(path), e.strerror or str(e)) from None


def _write_files(folder: Path, data: IndexData) -> None:
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
    chunks_per_document = Counter(c.doc for c in data.chunks)  # one pass: a library has many documents
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "model": data.model,
        "dimension": data.dimension,
        "chunking": data.chunking,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "counts": {
            "documents": len(data.documents),
            "chunks": len(data.chunks),
            "sentences": int(len(data.sentence_vectors)),
        },
        "documents": [manifest_entry(d, chunks_per_document.get(d.id, 0)) for d in data.documents],
        "files": {name: sha256_file(folder / name) for name in (*DATA_FILES, *bm25_files)},
        **data.extra,
    }
    with open(folder / MANIFEST, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
    for name in (*DATA_FILES, *bm25_files, MANIFEST):
        _fsync(folder / name)


def _swap_in(tmp: Path, path: Path) -> None:
    if not path.exists():
        os.rename(tmp, path)
        _fsync_dir(path.parent)
        return
    if _exchange(tmp, path):  # atomic: path now holds the new index, tmp the old one
        shutil.rmtree(tmp, ignore_errors=True)
    else:  # no RENAME_EXCHANGE here: two renames, with the old kept until the new is in place
        old = path.parent / f".{path.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        os.rename(path, old)
        try:
            os.rename(tmp, path)
        except OSError:
            os.rename(old, path)
            raise
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(path.parent)


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def _remove_stale_temporaries(path: Path) -> None:
    """Folders left by a writer that was killed (its process is gone): temporary folders, and old
    indexes it had moved aside. The live index is never among them."""
    recover_interrupted_swap(path)
    for stale in _left_by_the_dead(path, "tmp") + _left_by_the_dead(path, "old"):
        shutil.rmtree(stale, ignore_errors=True)


def recover_interrupted_swap(path: Path) -> None:
    """A writer killed between the two renames of the fallback swap left no index at `path`, only
    the old one moved aside: put it back. (A writer still alive will finish its own swap.)"""
    path = Path(path)
    if path.exists():
        return
    olds = sorted(_left_by_the_dead(path, "old"), key=lambda p: p.stat().st_mtime)
    if olds:
        try:
            os.rename(olds[-1], path)
        except OSError:
            pass  # another process got there first; either way the old index is back


def _left_by_the_dead(path: Path, kind: str) -> list[Path]:
    """`.NAME.tmp-PID-XXXX` or `.NAME.old-PID-XXXX` folders whose process PID no longer runs."""
    out = []
    for folder in path.parent.glob(f".{glob.escape(path.name)}.{kind}-*-*"):
        pid = folder.name.rsplit("-", 2)[-2]
        if pid.isdigit() and not _alive(int(pid)):
            out.append(folder)
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(file: Path) -> None:
    fd = os.open(file, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        _fsync(folder)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename is still atomic


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


def manifest_entry(d: Document, chunks: int) -> dict:
    return {
        "id": d.id, "source": d.meta.source, "title": d.meta.title, "authors": list(d.meta.authors),
        "date": d.meta.date, "site": d.meta.site, "language": d.meta.language, "format": d.format, "sha256": d.sha256,
        "paragraphs": len(d.paragraphs), "chunks": chunks,
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
    if manifest["schema_version"] != SCHEMA_VERSION:
        raise IndexMismatch(
            str(path), f"schema version {manifest['schema_version']}, this cited reads version {SCHEMA_VERSION}"
        )
    return manifest


def read_index(path: Path, expected_model: str | None = None) -> IndexData:
    import faiss

    path = Path(path)
    manifest = read_manifest(path)
    if expected_model is not None and manifest.get("model") != expected_model:
        raise IndexMismatch(
            str(path), f"built with the model '{manifest.get('model')}', asked to use '{expected_model}'"
        )
    reading = MANIFEST  # the file being read, named if it turns out to be unreadable
    try:
        files = manifest["files"]
        dimension = int(manifest["dimension"])
        for name in (*DATA_FILES, *(n for n in files if n not in DATA_FILES)):
            file = path / name
            if not file.exists():
                raise IndexCorrupt(str(path), f"{name} is missing")
            reading = name
            if sha256_file(file) != files[name]:
                raise IndexCorrupt(str(path), f"{name} does not match its checksum in {MANIFEST}")
        reading = DOCUMENTS
        documents = [document_from(json.loads(line)) for line in _lines(path / DOCUMENTS)]
        reading = CHUNKS
        chunks = [chunk_from(json.loads(line)) for line in _lines(path / CHUNKS)]
        reading = CHUNK_VECTORS
        chunk_vectors = _vectors(faiss.read_index(str(path / CHUNK_VECTORS)))
        reading = SENTENCE_VECTORS
        sentence_vectors = _vectors(faiss.read_index(str(path / SENTENCE_VECTORS)))
    except PermissionError as e:
        raise IndexUnreadable(str(path), f"{reading}: {e.strerror}") from None
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError, RecursionError, OSError) as e:
        raise IndexCorrupt(str(path), f"{reading} is unreadable: {type(e).__name__}") from None
    if chunk_vectors.shape != (len(chunks), dimension):
        raise IndexCorrupt(str(path), f"{CHUNK_VECTORS} holds {chunk_vectors.shape[0]} vectors for {len(chunks)} chunks")
    if len(sentence_vectors) != sum(len(c.sentences) for c in chunks):
        raise IndexCorrupt(str(path), f"{SENTENCE_VECTORS} does not match the chunks' sentences")
    known = {k: v for k, v in manifest.items() if k not in _MANIFEST_KEYS}
    return IndexData(
        model=str(manifest.get("model", "")), dimension=dimension, chunking=manifest.get("chunking", {}),
        documents=documents, chunks=chunks, chunk_vectors=chunk_vectors,
        sentence_vectors=sentence_vectors, created=manifest.get("created", ""), extra=known, folder=path,
    )


_MANIFEST_KEYS = {"schema_version", "model", "dimension", "chunking", "created", "counts", "documents", "files"}


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
