"""Opening an index folder (folder.py writes it): the manifest checked against this cited and the
model, every part's files checked (present, their size, the sha256 of those up to 64 MB), its
documents and chunks found (lazy_rows.py: parsed when a question needs them), the vectors
memory-mapped from the FAISS files. A part whose files are unchanged since `previous` was read is
taken from it, not read again.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import orjson

from retrieval.base.errors import IndexCorrupt, IndexMismatch, IndexMissing, IndexUnreadable
from retrieval.base.files import sha256_file
from retrieval.index.atomic import recover_interrupted_swap
from retrieval.index.folder import (
    CHUNK_IVF,
    CHUNK_ROWS,
    CHUNK_VECTORS,
    CHUNKS,
    DATA_FILES,
    DOCUMENT_ROWS,
    DOCUMENTS,
    MANIFEST,
    READABLE_VERSIONS,
    ROW_FILES,
    SCHEMA_VERSION,
    SEGMENTS,
    SENTENCE_VECTORS,
    IndexData,
    Part,
    chunk_from,
    document_from,
)
from retrieval.index.lazy_rows import CHUNK_ROW, ChunkColumns, ChunkRows, DocumentRows, Source, chunk_columns, joined
from retrieval.index.records import Document
from retrieval.index.vector_files import flat_vectors, read_approximate
from retrieval.index.vector_rows import StackedRows


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
        if part is None or part.files != files or not live <= set(rows[0].ids):
            rows, part = _read_part(path, folder, files, dimension, where.sizes)
        rows, part = _keep_live(rows, part, live)
        documents.append(rows[0])
        chunks.append(rows[1])
        chunk_vectors.append(rows[2])
        sentence_vectors.append(rows[3])
        parts.append(part)
    known = {k: v for k, v in manifest.items() if k not in _MANIFEST_KEYS}
    return IndexData(
        model=str(manifest.get("model", "")), dimension=dimension, chunking=manifest.get("chunking", {}),
        documents=joined(documents), chunks=joined(chunks), chunk_vectors=_joined(chunk_vectors),
        sentence_vectors=_joined(sentence_vectors), created=manifest.get("created", ""), extra=known, parts=parts,
    )


def _parts_of(index: IndexData) -> dict[Path, tuple[tuple, Part]]:
    """Each part of a loaded index, with its rows (documents, chunks, chunk and sentence vectors)."""
    out, d, c, s = {}, 0, 0, 0
    for part in index.parts:
        nd, nc, ns = part.live()
        out[part.folder] = ((index.documents[d:d + nd], index.chunks[c:c + nc], _rows(index.chunk_vectors, c, c + nc),
                             _rows(index.sentence_vectors, s, s + ns)), part)
        d, c, s = d + nd, c + nc, s + ns
    return out


def _rows(vectors, start: int, end: int):
    """vectors[start:end]: the array itself when that is all of it (a view would lose the file
    vector_rows reads its rows from)."""
    return vectors if start == 0 and end == len(vectors) else vectors[start:end]


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


def _check_files(path: Path, folder: Path, files: dict, names) -> None:
    """Each file there and matching its sha256 in the manifest."""
    for name in names:
        with _naming(path, folder, name):
            file = _present(path, folder / name)
            if sha256_file(file) != files[name]:
                raise IndexCorrupt(str(path), f"{file.relative_to(path)} does not match its checksum in {MANIFEST}")


def _present(path: Path, file: Path) -> Path:
    if not file.exists():
        raise IndexCorrupt(str(path), f"{file.relative_to(path)} is missing")
    return file


def _read_part(path: Path, folder: Path, files: dict, dimension: int, sizes: dict | None) -> tuple[tuple, Part]:
    """Every row one part stores (documents and chunks, parsed when asked for; chunk and sentence
    vectors, memory-mapped), its files checked first: a file that does not match is the error
    named, whatever parsing would make of it. Files of up to HASHED_AT_OPEN_UP_TO bytes are
    checked against their sha256; larger ones against their size, since hashing a million
    passages' files took far longer than opening them should (a damaged line is still named
    when it is read)."""
    for name in (*DATA_FILES, *(n for n in files if n not in DATA_FILES)):
        with _naming(path, folder, name):
            large = sizes is not None and _present(path, folder / name).stat().st_size > HASHED_AT_OPEN_UP_TO
        if large:
            _check_sizes(path, folder, {name: files.get(name)}, sizes)
        else:
            _check_files(path, folder, files, (name,))
    rows = _parse_part(path, folder, dimension, files)
    documents, chunks, chunk_vectors, sentence_vectors = rows
    approximate = None
    if CHUNK_IVF in files:
        with _naming(path, folder, CHUNK_IVF):
            approximate = read_approximate(folder / CHUNK_IVF, len(chunks), dimension)
    return rows, Part(folder, files, len(documents), len(chunks), len(sentence_vectors), approximate=approximate)


HASHED_AT_OPEN_UP_TO = 64 << 20  # bytes: a larger file is checked against its size when the index is opened


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


def _parse_part(path: Path, folder: Path, dimension: int, files: dict) -> tuple:
    with _without_gc():
        return _parsed(path, folder, dimension, files)


def _parsed(path: Path, folder: Path, dimension: int, files: dict) -> tuple:
    """A part's rows: documents and chunks as lazy_rows (parsed when asked for), vectors memory-mapped."""
    rows_stored = all(name in files for name in ROW_FILES)
    with _naming(path, folder, DOCUMENT_ROWS if rows_stored else DOCUMENTS):
        source = Source.open(folder / DOCUMENTS, path)
        ids, lines = _stored_document_rows(folder) if rows_stored else _scanned_document_rows(source)
        documents = DocumentRows((source,), _where(lines), document_from, ids[:len(lines)])
    with _naming(path, folder, CHUNK_ROWS if rows_stored else CHUNKS):
        source = Source.open(folder / CHUNKS, path)
        columns, lines = _stored_chunk_rows(folder, ids) if rows_stored else _scanned_chunk_rows(source)
        chunks = ChunkRows((source,), _where(lines), chunk_from, columns)
    with _naming(path, folder, CHUNK_VECTORS):
        chunk_vectors = flat_vectors(folder / CHUNK_VECTORS)
    with _naming(path, folder, SENTENCE_VECTORS):
        sentence_vectors = flat_vectors(folder / SENTENCE_VECTORS)
    if chunk_vectors.shape != (len(chunks), dimension):
        raise IndexCorrupt(str(path), f"{CHUNK_VECTORS} holds {chunk_vectors.shape[0]} vectors for {len(chunks)} chunks")
    if len(sentence_vectors) != int(columns.sentences.sum()):
        raise IndexCorrupt(str(path), f"{SENTENCE_VECTORS} does not match the chunks' sentences")
    return documents, chunks, chunk_vectors, sentence_vectors


def _where(lines) -> np.ndarray:
    """Per row: its source (0, the one file) and its line's byte offsets."""
    lines = np.asarray(lines, dtype=np.int64).reshape(-1, 2)
    return np.column_stack([np.zeros(len(lines), dtype=np.int64), lines])


def _stored_document_rows(folder: Path) -> tuple[list[str], list]:
    rows = orjson.loads((folder / DOCUMENT_ROWS).read_bytes())
    ids, lines = rows["ids"], rows["lines"]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or len(ids) < len(lines):
        raise TypeError("ids")
    return ids, lines


def _stored_chunk_rows(folder: Path, ids: list[str]) -> tuple[ChunkColumns, np.ndarray]:
    data = (folder / CHUNK_ROWS).read_bytes()
    if len(data) % CHUNK_ROW.itemsize:
        raise ValueError("not a table of chunk rows")
    rows = np.frombuffer(data, dtype=CHUNK_ROW)
    if len(rows) and (rows["doc"].min() < 0 or rows["doc"].max() >= len(ids) or rows["sentences"].min() < 0):
        raise ValueError("a chunk row out of range")
    columns = ChunkColumns(rows["doc"].copy(), ids, rows["kind"].copy(), rows["sentences"].copy())
    return columns, np.column_stack([rows["start"], rows["end"]])


def _scanned_lines(source: Source) -> list[tuple[int, int, dict]]:
    """Each non-blank line of a part written before ROW_FILES: its offsets and its JSON."""
    data, out, at = bytes(source.data), [], 0
    for line in data.split(b"\n"):
        if line.strip():
            out.append((at, at + len(line), orjson.loads(line)))
        at += len(line) + 1
    return out


def _scanned_document_rows(source: Source) -> tuple[list[str], list]:
    lines = _scanned_lines(source)
    return [str(document_from(r).id) for _, _, r in lines], [(s, e) for s, e, _ in lines]


def _scanned_chunk_rows(source: Source) -> tuple[ChunkColumns, list]:
    lines = _scanned_lines(source)
    columns = chunk_columns([chunk_from(r) for _, _, r in lines])
    return columns, [(s, e) for s, e, _ in lines]


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """The parts' rows as one array: one part's own (memory-mapped) array; several parts' arrays
    as they are, read as one (vector_rows.StackedRows), not copied together."""
    return arrays[0] if len(arrays) == 1 else StackedRows(arrays)


def _keep_live(rows: tuple, part: Part, live: set[str]) -> tuple[tuple, Part]:
    """A part's rows cut to its live documents, and the Part that says which stored rows they are."""
    documents, chunks, chunk_vectors, sentence_vectors = rows
    if all(doc_id in live for doc_id in documents.ids):
        return rows, part
    columns = chunks.columns
    keep = columns.of_documents(live)
    keep_sentences = np.repeat(keep, columns.sentences.astype(np.int64))
    stored_chunks = part.chunk_rows if part.chunk_rows is not None else np.arange(part.chunks)
    stored_sentences = part.sentence_rows if part.sentence_rows is not None else np.arange(part.sentences)
    live_documents = [i for i, doc_id in enumerate(documents.ids) if doc_id in live]
    documents = documents.take(np.array(live_documents, dtype=np.int64))
    part = replace(part, documents=len(documents), chunk_rows=stored_chunks[keep],
                   sentence_rows=stored_sentences[keep_sentences])
    return (documents, chunks.take(np.flatnonzero(keep)), chunk_vectors[keep], sentence_vectors[keep_sentences]), part


_MANIFEST_KEYS = {"schema_version", "model", "dimension", "chunking", "created", "counts", "documents", "files",
                  "base", "segments", "sizes"}


def _lines(file: Path) -> list[bytes]:
    """The file's non-blank lines, as bytes (orjson reads UTF-8 bytes; bad UTF-8 is a ValueError)."""
    return [line for line in file.read_bytes().split(b"\n") if line.strip()]
