"""Adding to a large index folder without rewriting it: a segment.

A segment is a folder under the index's `segments/` holding one update's documents in the same
files as the index folder itself (documents, chunks, vectors, BM25). It is written whole, under
its final name, before a new manifest that lists it (and every document's part) replaces the old
one in one rename: a reader sees the old index or the new one, and a writer killed half-way
leaves only a folder no manifest names, removed by the next writer. Removing a document only
rewrites the manifest; its rows stay on disk, dead, until the index is next written whole.

Small libraries never get segments: below SEGMENTS_FROM passages a whole write takes a second or
two, and every figure measured on them stays exactly as it was. Above it, an update is appended
while the segments stay a small share of the index (SEGMENT_SHARE) and dead rows few
(DEAD_SHARE); past those, or past MAX_SEGMENTS, the update writes the whole index again, which
merges everything into the folder itself (as `cited compact` does).
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections import Counter
from pathlib import Path

from retrieval.base.errors import IndexWriteFailed
from retrieval.index.folder import (
    MANIFEST,
    SCHEMA_VERSION,
    SEGMENTS,
    IndexData,
    file_sizes,
    fsync_dir,
    manifest_entry,
    remove_stale_temporaries,
    write_data_files,
    write_manifest,
)
from retrieval.index.records import Chunk

SEGMENTS_FROM = 10_000  # live passages: below, every write is whole
SEGMENT_SHARE = 0.10  # live passages in segments, at most, as a share of the index's
DEAD_SHARE = 0.10  # dead passages stored, at most, as a share of all stored
MAX_SEGMENTS = 16


def fits(manifest: dict, documents: list, chunks: list[Chunk], removed: set[str]) -> bool:
    """Whether an update (new documents and their chunks; ids taken out or replaced) may be
    written as a segment (or, with no documents, as a new manifest alone). Not for a manifest from
    before segments, nor one that does not say its counts plainly: those are written whole."""
    try:
        return _fits(manifest, documents, chunks, removed)
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def _fits(manifest: dict, documents: list, chunks: list[Chunk], removed: set[str]) -> bool:
    entries = manifest["documents"]
    if manifest["schema_version"] != SCHEMA_VERSION or any("sentences" not in e or "segment" not in e for e in entries):
        return False  # an index from before segments: written whole once, in today's format
    replaced = removed | {d.id for d in documents}
    kept = [e for e in entries if e["id"] not in replaced]
    live = sum(int(e["chunks"]) for e in kept) + len(chunks)
    in_segments = sum(int(e["chunks"]) for e in kept if e["segment"]) + len(chunks)
    stored = int(manifest["base"]["chunks"]) + sum(int(s["chunks"]) for s in manifest["segments"]) + len(chunks)
    segments = len(manifest["segments"]) + (1 if documents else 0)
    return (live >= SEGMENTS_FROM and segments <= MAX_SEGMENTS and in_segments <= SEGMENT_SHARE * live
            and stored - live <= DEAD_SHARE * stored)


def append(path: Path, manifest: dict, data: IndexData, removed: set[str]) -> dict:
    """Write `data` (new documents, or new versions of stored ones) as a segment of the index at
    `path`, and `removed` out of it; the new manifest. The caller holds the index's lock. A
    failure (a full disk) is an IndexWriteFailed, and the index stays as it was."""
    path = Path(path)
    remove_stale_temporaries(path)  # beside the folder, from a whole write that was killed
    remove_orphans(path, manifest)
    segments, name, tmp = list(manifest.get("segments", [])), "", None
    try:
        if data.documents:
            name = f"seg-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
            folder, tmp = path / SEGMENTS / name, path / SEGMENTS / f".tmp-{name}"
            tmp.mkdir(parents=True)
            files = write_data_files(tmp, data)
            tmp.rename(folder)
            fsync_dir(folder.parent)  # the segment is in place before a manifest names it
            segments.append({"name": name, "files": files, "sizes": file_sizes(folder, files),
                             "chunks": len(data.chunks), "sentences": int(len(data.sentence_vectors))})
        updated = _manifest_with(manifest, data, removed, name, segments)
        write_manifest(path, updated)
    except OSError as e:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)  # a renamed segment no manifest names goes at the next write
        raise IndexWriteFailed(str(path), e.strerror or str(e)) from None
    return updated


def _manifest_with(manifest: dict, data: IndexData, removed: set[str], name: str, segments: list[dict]) -> dict:
    """The manifest once `data` is in the segment `name` and `removed` is out."""
    replaced = removed | {d.id for d in data.documents}
    entries = [e for e in manifest["documents"] if e["id"] not in replaced]
    chunks, sentences = Counter(), Counter()
    for c in data.chunks:
        chunks[c.doc] += 1
        sentences[c.doc] += len(c.sentences)
    entries += [manifest_entry(d, chunks[d.id], sentences[d.id], name) for d in data.documents]
    return {
        **manifest,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "counts": {"documents": len(entries), "chunks": sum(e["chunks"] for e in entries),
                   "sentences": sum(e["sentences"] for e in entries)},
        "documents": entries,
        "segments": segments,
    }


def remove_orphans(path: Path, manifest: dict) -> None:
    """Segment folders no manifest names, and unfinished manifests: left by a writer killed before
    its manifest was in (the caller holds the lock, so no live writer's)."""
    for unfinished in Path(path).glob(f".{MANIFEST}.tmp-*"):
        unfinished.unlink(missing_ok=True)
    listed = {s.get("name") for s in manifest.get("segments", [])}
    folder = Path(path) / SEGMENTS
    if folder.is_dir():
        for child in folder.iterdir():
            if child.name not in listed:
                shutil.rmtree(child, ignore_errors=True)
