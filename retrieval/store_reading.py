"""Opening an index folder (store.py writes it): the manifest checked against this cited and the
model, every part's files checked (present, their size, their sha256) and parsed, the vectors
memory-mapped from the FAISS files. A part whose files are unchanged since `previous` was read is
taken from it, not read again.
"""

from __future__ import annotations

import gc
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import orjson

from cited.errors import IndexCorrupt, IndexMismatch, IndexMissing, IndexUnreadable
from retrieval.atomic import recover_interrupted_swap
from retrieval.vector_rows import StackedRows
from retrieval.records import Document
from retrieval.store import (
    CHUNK_IVF,
    CHUNK_VECTORS,
    CHUNKS,
    DATA_FILES,
    DOCUMENTS,
    FLAT_HEADER,
    MANIFEST,
    READABLE_VERSIONS,
    SCHEMA_VERSION,
    SEGMENTS,
    SENTENCE_VECTORS,
    IndexData,
    Part,
    chunk_from,
    document_from,
    sha256_file,
)


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
        manifest = orjson.loads(file.read_bytes())
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
            documents += [d for d in (document_from(orjson.loads(line)) for line in _lines(where.folder / DOCUMENTS))
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
    approximate = None
    if CHUNK_IVF in files:  # opened once its checksum is known to match
        with _naming(path, folder, CHUNK_IVF):
            approximate = read_approximate(folder / CHUNK_IVF, len(chunks), dimension)
    return rows, Part(folder, files, len(documents), len(chunks), len(sentence_vectors), approximate=approximate)


def read_approximate(file: Path, rows: int, dimension: int):
    """The IVF index store.write_approximate wrote, memory-mapped (its lists are read as questions
    probe them: opening copies nothing); IndexCorrupt-worthy ValueError if it is not one for
    `rows` vectors of `dimension`."""
    import faiss

    index = faiss.read_index(str(file), faiss.IO_FLAG_MMAP_IFC)
    if not isinstance(index, faiss.IndexIVFFlat) or index.ntotal != rows or index.d != dimension:
        raise ValueError(f"not an IVF index of {rows} vectors")
    return index


PARALLEL_HASHING_FROM = 64 << 20  # bytes in a part's files


@contextmanager
def _without_gc():
    """The cyclic garbage collector paused: parsing makes hundreds of thousands of objects, none
    in a cycle, and each collection it would trigger walks them all (half the parse time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_part(path: Path, folder: Path, dimension: int) -> tuple:
    with _without_gc():
        return _parsed(path, folder, dimension)


def _parsed(path: Path, folder: Path, dimension: int) -> tuple:
    with _naming(path, folder, DOCUMENTS):
        documents = [document_from(orjson.loads(line)) for line in _lines(folder / DOCUMENTS)]
    with _naming(path, folder, CHUNKS):
        chunks = [chunk_from(orjson.loads(line)) for line in _lines(folder / CHUNKS)]
    with _naming(path, folder, CHUNK_VECTORS):
        chunk_vectors = flat_vectors(folder / CHUNK_VECTORS)
    with _naming(path, folder, SENTENCE_VECTORS):
        sentence_vectors = flat_vectors(folder / SENTENCE_VECTORS)
    if chunk_vectors.shape != (len(chunks), dimension):
        raise IndexCorrupt(str(path), f"{CHUNK_VECTORS} holds {chunk_vectors.shape[0]} vectors for {len(chunks)} chunks")
    if len(sentence_vectors) != sum(len(c.sentences) for c in chunks):
        raise IndexCorrupt(str(path), f"{SENTENCE_VECTORS} does not match the chunks' sentences")
    return documents, chunks, chunk_vectors, sentence_vectors


def flat_vectors(file: Path) -> np.ndarray:
    """The vectors of a saved flat FAISS index, memory-mapped where the file is the plain layout
    of store.FLAT_HEADER (opening a large index copies nothing; pages are read as questions touch them), else
    read through FAISS."""
    with open(file, "rb") as f:
        head = f.read(FLAT_HEADER.size)
    if len(head) == FLAT_HEADER.size:
        fourcc, d, n, _, _, _, metric, floats = FLAT_HEADER.unpack(head)
        if fourcc == b"IxFI" and metric == 0 and d > 0 and n >= 0 and floats == n * d \
                and file.stat().st_size == FLAT_HEADER.size + 4 * floats:
            if n == 0:
                return np.zeros((0, d), dtype=np.float32)
            return np.memmap(file, dtype="<f4", mode="r", offset=FLAT_HEADER.size, shape=(n, d))
    import faiss

    return _vectors(faiss.read_index(str(file)))


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """The parts' rows as one array: one part's own (memory-mapped) array; several parts' arrays
    as they are, read as one (vector_rows.StackedRows), not copied together."""
    return arrays[0] if len(arrays) == 1 else StackedRows(arrays)


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


def _lines(file: Path) -> list[bytes]:
    """The file's non-blank lines, as bytes (orjson reads UTF-8 bytes; bad UTF-8 is a ValueError)."""
    return [line for line in file.read_bytes().split(b"\n") if line.strip()]


def _vectors(index) -> np.ndarray:
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal).astype(np.float32, copy=False)  # already float32: no second copy
