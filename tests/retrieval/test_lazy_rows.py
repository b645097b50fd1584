"""A stored part's documents and chunks, parsed when asked for (retrieval/index/lazy_rows.py): the same
rows as the files hold, found without parsing any line at open, for indexes written before the
row files too; large files checked by their size at open, a damaged line named when it is read."""

from __future__ import annotations

import json
import shutil

import numpy as np
import orjson
import pytest

from cited.library import Library
from retrieval.base.errors import IndexCorrupt
from retrieval.index import folder_read as store_reading
from retrieval.index.folder import CHUNK_ROWS, DOCUMENT_ROWS, MANIFEST, chunk_from, document_from, write_manifest
from retrieval.index.folder_read import read_index, read_manifest
from retrieval.index.lazy_rows import CHUNK_ROW, KIND_CODES, ChunkRows, DocumentRows, chunk_columns, joined
from retrieval.index.records import Chunk


@pytest.fixture
def index_copy(article_settings, tmp_path):
    target = tmp_path / "index"
    shutil.copytree(article_settings.index_dir, target)
    return target


def _lines(file) -> list[dict]:
    return [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_rows_read_are_the_lines_written_and_their_offsets_hold(article_settings):
    index = read_index(article_settings.index_dir)
    assert isinstance(index.chunks, ChunkRows) and isinstance(index.documents, DocumentRows)
    assert list(index.chunks) == [chunk_from(r) for r in _lines(article_settings.index_dir / "chunks.jsonl")]
    assert list(index.documents) == [document_from(r) for r in _lines(article_settings.index_dir / "documents.jsonl")]
    (doc,) = index.documents
    for c in index.chunks:  # offsets are sacred, read lazily as written
        assert c.text == doc.text[c.start:c.end]
        assert all(doc.text[s:e] == t for (s, e), t in zip(c.sentences, c.sentence_texts()))
    # The columns search uses are the chunks' own.
    columns = index.chunks.columns
    assert columns.doc_ids[0] == doc.id and set(columns.doc.tolist()) == {0}
    assert columns.sentences.tolist() == [len(c.sentences) for c in index.chunks]
    assert columns.kind.tolist() == [KIND_CODES[c.kind] for c in index.chunks]
    assert chunk_columns(list(index.chunks)).sentences.tolist() == columns.sentences.tolist()
    assert index.chunks[-1] == list(index.chunks)[-1] and index.chunks[1:3] == list(index.chunks)[1:3]


def test_opening_parses_no_line(article_settings, monkeypatch):
    parsed = []
    monkeypatch.setattr(store_reading, "chunk_from", lambda r: parsed.append(r) or chunk_from(r))
    monkeypatch.setattr(store_reading, "document_from", lambda r: parsed.append(r) or document_from(r))
    index = read_index(article_settings.index_dir)
    assert parsed == [] and len(index.chunks) > 40
    assert index.chunks[7].paragraph >= 1 and len(parsed) == 1  # one row, parsed when asked for
    # Asked for again (a question reads its candidates and their neighbours more than once), it is
    # kept, not parsed again; counted from the end, it is the same row.
    assert index.chunks[7] is index.chunks[7 - len(index.chunks)] and len(parsed) == 1
    with pytest.raises(IndexError):
        index.chunks[len(index.chunks)]
    # Reading every row (a whole rewrite) parses each once and keeps none of them.
    assert len(list(index.chunks)) == len(index.chunks) and len(parsed) == 1 + len(index.chunks)
    assert index.chunks._cached.cache_info().currsize == 1


def test_an_index_written_before_the_row_files_reads_the_same(article_settings, index_copy):
    manifest = read_manifest(index_copy)
    for name in (DOCUMENT_ROWS, CHUNK_ROWS):
        (index_copy / name).unlink()
        del manifest["files"][name], manifest["sizes"][name]
    write_manifest(index_copy, manifest)
    old, new = read_index(index_copy), read_index(article_settings.index_dir)
    assert old.chunks == new.chunks and old.documents == new.documents
    assert old.chunks.columns.sentences.tolist() == new.chunks.columns.sentences.tolist()
    library = Library.open(index_copy, reader="none")
    assert library.ask("Who wrote the article?").text == Library.open(article_settings.index_dir,
                                                                      reader="none").ask("Who wrote the article?").text


def test_a_large_file_is_checked_by_its_size_and_a_damaged_line_named_when_read(index_copy, monkeypatch):
    monkeypatch.setattr(store_reading, "HASHED_AT_OPEN_UP_TO", 0)  # every file "large"
    file = index_copy / "chunks.jsonl"
    data = file.read_bytes()
    rows = np.fromfile(index_copy / CHUNK_ROWS, dtype=CHUNK_ROW)
    start, end = int(rows["start"][5]), int(rows["end"][5])
    file.write_bytes(data[:start] + b"x" * (end - start) + data[end:])  # same size: opens
    index = read_index(index_copy)
    assert index.chunks[4].text and index.chunks[6].text
    with pytest.raises(IndexCorrupt) as e:
        index.chunks[5]
    assert "chunks.jsonl is unreadable" in str(e.value) and str(index_copy) in str(e.value)
    file.write_bytes(data + b"\n")  # another size: refused at open
    with pytest.raises(IndexCorrupt, match="chunks.jsonl does not match its size in manifest.json"):
        read_index(index_copy)


def test_a_chunk_row_that_points_outside_its_documents_is_refused(index_copy):
    rows = np.fromfile(index_copy / CHUNK_ROWS, dtype=CHUNK_ROW)
    rows["doc"][3] = 7
    rows.tofile(index_copy / CHUNK_ROWS)
    manifest = read_manifest(index_copy)
    from retrieval.base.files import sha256_file

    manifest["files"][CHUNK_ROWS] = sha256_file(index_copy / CHUNK_ROWS)
    manifest["sizes"][CHUNK_ROWS] = (index_copy / CHUNK_ROWS).stat().st_size
    write_manifest(index_copy, manifest)
    with pytest.raises(IndexCorrupt, match=f"{CHUNK_ROWS} is unreadable"):
        read_index(index_copy)


def test_parts_read_as_one(article_settings):
    index = read_index(article_settings.index_dir)
    both = joined([index.chunks, index.chunks[:4]])
    assert len(both) == len(index.chunks) + 4 and both[len(index.chunks) + 2] == index.chunks[2]
    assert both.columns.doc_ids == [index.chunks.columns.doc_ids[0]] * 2
    assert both.columns.doc.tolist()[-4:] == [1] * 4
    documents = joined([index.documents, index.documents])
    assert documents.ids == index.documents.ids * 2 and documents[1] == index.documents[0]
    assert joined([[Chunk("a", 1, 0, 1, "x")], [Chunk("b", 1, 0, 1, "y")]]) == [Chunk("a", 1, 0, 1, "x"), Chunk("b", 1, 0, 1, "y")]


def test_the_row_files_are_plain_records(article_settings):
    data = (article_settings.index_dir / CHUNK_ROWS).read_bytes()
    n = len(read_index(article_settings.index_dir).chunks)
    assert len(data) == n * CHUNK_ROW.itemsize == n * 25  # packed: no header, nothing to unpickle
    rows = np.frombuffer(data, dtype=CHUNK_ROW)
    assert rows["start"][0] == 0 and (rows["start"][1:] == rows["end"][:-1] + 1).all()  # one line each
    described = orjson.loads((article_settings.index_dir / DOCUMENT_ROWS).read_bytes())
    assert len(described["ids"]) == len(described["lines"]) == 1
    assert MANIFEST not in described


def test_stored_kind_codes_never_move():
    """Indexes store a chunk's kind as its place in records.KINDS: a new kind joins at the end, so
    an index written before it reads the same."""
    from retrieval.index.lazy_rows import KIND_CODES

    assert [KIND_CODES[k] for k in ("title", "author", "date", "heading", "text")] == [0, 1, 2, 3, 4]
    assert KIND_CODES["site"] > 4 and KIND_CODES["length"] > 4
