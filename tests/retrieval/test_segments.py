"""Segments: a small update to a large index is written beside it, never rewriting it; read back
it is the same index a whole write gives, and `cited compact` makes it one again. Forced on small
indexes by raising the segments' share; the real model, real FAISS and bm25s, real SQuAD text."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from ingest.pipeline import ingest, remove_document
from retrieval.base.errors import IndexCorrupt
from retrieval.base.files import sha256_file
from retrieval.base.settings import Settings
from retrieval.index.folder_read import read_index, read_manifest
from retrieval.index.lexical import Bm25Index, SegmentedBm25, tokenize
from retrieval.index.stores import FolderStore
from retrieval.search.retriever import Retriever
from tests.conftest import ARTICLE


def settings_at(folder) -> Settings:
    return Settings.from_env(environ={}, index_dir=folder)


def top(retriever, questions, k=3):
    return [[(p.doc, p.paragraph) for p in retriever.search(q, k=k)] for q in questions]


def test_an_added_document_is_a_segment_and_reads_as_a_whole_write(tmp_path, squad_files, real_embedder, appending):
    files, questions = squad_files
    settings = settings_at(tmp_path / "index")
    ingest([str(ARTICLE), str(files["Normans"])], settings, embedder=real_embedder)
    base = {p.name: (p.stat().st_ino, sha256_file(p)) for p in settings.index_dir.iterdir() if p.is_file()
            and p.name != "manifest.json"}

    report = ingest([str(files["Oxygen"])], settings, embedder=real_embedder)

    manifest = read_manifest(settings.index_dir)
    assert report.added and len(manifest["segments"]) == 1
    assert [e["segment"] != "" for e in manifest["documents"]] == [False, False, True]
    # The folder's own files were not touched: not rewritten, not replaced.
    assert {p.name: (p.stat().st_ino, sha256_file(p)) for p in settings.index_dir.iterdir() if p.is_file()
            and p.name != "manifest.json"} == base

    whole = settings_at(tmp_path / "whole")
    ingest([str(ARTICLE), str(files["Normans"]), str(files["Oxygen"])], whole, embedder=real_embedder)
    got, want = read_index(settings.index_dir), read_index(whole.index_dir)
    assert [d.id for d in got.documents] == [d.id for d in want.documents]
    assert got.chunks == want.chunks
    np.testing.assert_allclose(got.chunk_vectors, want.chunk_vectors, atol=1e-6)
    np.testing.assert_allclose(got.sentence_vectors, want.sentence_vectors, atol=1e-6)
    assert manifest["counts"] == read_manifest(whole.index_dir)["counts"]

    # BM25 over parts takes its idf over all of them; only document lengths are averaged per part.
    segmented, one = Retriever.load(settings, real_embedder), Retriever.load(whole, real_embedder)
    assert isinstance(segmented._bm25, SegmentedBm25)
    tokens = tokenize(questions)
    correlation = [np.corrcoef(segmented._bm25.scores(t), one._bm25.scores(t))[0, 1] for t in tokens if t]
    assert min(correlation) > 0.98, correlation
    assert np.mean([a[0] == b[0] for a, b in zip(top(segmented, questions), top(one, questions))]) >= 0.9

    # Compacted, it is exactly the whole write.
    assert FolderStore(settings.index_dir).compact().segments == 1
    compacted = Retriever.load(settings, real_embedder)
    assert read_manifest(settings.index_dir)["segments"] == [] and not (settings.index_dir / "segments").exists()
    assert top(compacted, questions) == top(one, questions)
    for t in tokens:
        np.testing.assert_array_equal(compacted._bm25.scores(t), one._bm25.scores(t))
    assert not FolderStore(settings.index_dir).compact()  # nothing left to merge


def test_replace_and_remove_leave_dead_rows_that_are_never_read(tmp_path, squad_files, real_embedder, appending):
    files, questions = squad_files
    settings = settings_at(tmp_path / "index")
    normans = tmp_path / "Normans.txt"
    shutil.copy(files["Normans"], normans)
    ingest([str(ARTICLE), str(normans), str(files["Oxygen"])], settings, embedder=real_embedder)
    normans.write_text(normans.read_text().replace("Normandy", "Normandie"))

    report = ingest([str(normans)], settings, embedder=real_embedder)  # its old rows stay in the folder, dead

    (doc_id,) = report.updated
    segment_folders = sorted(p.name for p in (settings.index_dir / "segments").iterdir())
    assert len(segment_folders) == 1
    index = read_index(settings.index_dir)
    assert [d.id for d in index.documents][-1] == doc_id
    texts = " ".join(c.text for c in index.chunks if c.doc == doc_id)
    assert "Normandie" in texts and "Normandy" not in texts

    article = index.documents[0].id
    left = remove_document(settings, article)  # the manifest alone changes

    assert sorted(p.name for p in (settings.index_dir / "segments").iterdir()) == segment_folders
    manifest = read_manifest(settings.index_dir)
    index = read_index(settings.index_dir)
    assert article not in left and [d.id for d in index.documents] == left
    assert manifest["counts"]["chunks"] == len(index.chunks) == len(index.chunk_vectors)
    assert manifest["counts"]["sentences"] == len(index.sentence_vectors)
    retriever = Retriever.load(settings, real_embedder)
    assert len(retriever._bm25.scores(tokenize(["Normandie"])[0])) == len(index.chunks)
    assert len(retriever._sentence_bm25.scores(tokenize(["Normandie"])[0])) == len(index.sentence_vectors)
    hit = retriever.search("In what country is Normandie located?", k=1)[0]
    assert hit.doc == doc_id and "Normandie" in hit.text
    for q in questions + ["Who leads Pakistan's caretaker government?"]:
        assert all(p.doc != article for p in retriever.search(q, k=5))


def test_default_shares_keep_a_small_library_in_one_folder(tmp_path, squad_files, real_embedder):
    files, _ = squad_files
    settings = settings_at(tmp_path / "index")
    ingest([str(ARTICLE)], settings, embedder=real_embedder)
    ingest([str(files["Normans"])], settings, embedder=real_embedder)  # half the index: written whole
    remove_document(settings, "ecss-pakistan-iran-deescalation")
    manifest = read_manifest(settings.index_dir)
    assert manifest["segments"] == [] and manifest["base"]["chunks"] == manifest["counts"]["chunks"]


def test_a_segment_a_killed_writer_left_is_never_read_and_is_removed(tmp_path, squad_files, real_embedder, appending):
    files, _ = squad_files
    settings = settings_at(tmp_path / "index")
    ingest([str(ARTICLE)], settings, embedder=real_embedder)
    orphan = settings.index_dir / "segments" / ".tmp-seg-killed"
    orphan.mkdir(parents=True)
    (orphan / "chunks.jsonl").write_text("half a line")
    assert len(read_index(settings.index_dir).documents) == 1
    ingest([str(files["Oxygen"])], settings, embedder=real_embedder)
    assert not orphan.exists() and len(read_index(settings.index_dir).documents) == 2


def test_a_damaged_segment_is_named(tmp_path, squad_files, real_embedder, appending):
    files, _ = squad_files
    settings = settings_at(tmp_path / "index")
    ingest([str(ARTICLE), str(files["Normans"])], settings, embedder=real_embedder)
    ingest([str(files["Oxygen"])], settings, embedder=real_embedder)
    (segment,) = (settings.index_dir / "segments").iterdir()
    (segment / "chunks.jsonl").write_text("{}\n")
    with pytest.raises(IndexCorrupt) as e:
        read_index(settings.index_dir)
    assert f"segments/{segment.name}/chunks.jsonl does not match its checksum" in str(e.value)
    assert "--rebuild" in str(e.value)


def test_an_index_from_before_segments_is_read_and_written_whole_next(tmp_path, squad_files, real_embedder, appending):
    files, questions = squad_files
    settings = settings_at(tmp_path / "index")
    ingest([str(ARTICLE)], settings, embedder=real_embedder)
    manifest_file = settings.index_dir / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["schema_version"] = 1  # as cited wrote it before segments
    for key in ("base", "segments"):
        del manifest[key]
    for entry in manifest["documents"]:
        del entry["sentences"], entry["segment"]
    manifest_file.write_text(json.dumps(manifest))
    assert [c.doc for c in read_index(settings.index_dir).chunks]
    ingest([str(files["Normans"])], settings, embedder=real_embedder)
    manifest = read_manifest(settings.index_dir)
    assert manifest["schema_version"] == 2 and manifest["segments"] == [] and manifest["counts"]["documents"] == 2


def test_segmented_bm25_equals_one_index_when_lengths_are_equal():
    """Texts of one length: the only thing parts differ in is the idf, which is taken over all."""
    words = ["cat", "dog", "bird", "fish", "tree", "rock", "lake", "hill"]
    rng = np.random.default_rng(3)
    texts = [" ".join(rng.choice(words, size=5)) for _ in range(40)]
    one = Bm25Index(texts)
    parts = SegmentedBm25([(Bm25Index(texts[:30]), None), (Bm25Index(texts[30:]), None)])
    live = np.arange(5, 10)
    dropped = SegmentedBm25([(Bm25Index(texts[:30]), None), (Bm25Index(texts[30:]), live)])
    for query in (["cat"], ["dog", "fish"], ["lake", "lake", "rock"], ["zebra"]):
        tokens = tokenize([" ".join(query)])[0]
        np.testing.assert_allclose(parts.scores(tokens), one.scores(tokens), rtol=1e-5)
        np.testing.assert_allclose(dropped.scores(tokens), np.concatenate([one.scores(tokens)[:30],
                                                                           one.scores(tokens)[30:][live]]), rtol=1e-5)


def test_cited_compact_from_the_command_line(tmp_path, squad_files, real_embedder, appending, capsys):
    from ui.cli import main

    files, _ = squad_files
    settings = settings_at(tmp_path / "index")
    ingest([str(ARTICLE), str(files["Normans"])], settings, embedder=real_embedder)
    ingest([str(files["Oxygen"])], settings, embedder=real_embedder)
    assert main(["compact", "--index", str(settings.index_dir)]) == 0
    assert "1 segment" in capsys.readouterr().out
    assert read_manifest(settings.index_dir)["segments"] == []
    assert main(["compact", "--index", str(settings.index_dir)]) == 0
    assert "nothing to compact" in capsys.readouterr().out
    shutil.rmtree(settings.index_dir)
    assert main(["compact", "--index", str(settings.index_dir)]) != 0


def test_a_loaded_library_reads_only_what_changed(tmp_path, squad_files, real_embedder, appending, monkeypatch):
    from cited.library import Library
    from retrieval.index import folder_read as store_reading

    files, questions = squad_files
    library = Library.open(tmp_path / "index", embedder=real_embedder)
    library.add(str(ARTICLE), str(files["Normans"]))
    library.view()
    read = []
    real_read_part = store_reading._read_part
    monkeypatch.setattr(store_reading, "_read_part", lambda path, folder, *a: read.append(folder) or real_read_part(path, folder, *a))

    library.add(str(files["Oxygen"]))  # a segment: only it is read, the rest is reused

    (segment,) = (tmp_path / "index" / "segments").iterdir()
    assert read == [segment]
    fresh = Retriever.load(settings_at(tmp_path / "index"), real_embedder)
    loaded = library.view().answerer.retriever
    assert loaded.index.chunks == fresh.index.chunks
    np.testing.assert_array_equal(loaded.index.sentence_vectors, fresh.index.sentence_vectors)
    assert top(loaded, questions) == top(fresh, questions)

    read.clear()
    library.remove("ecss-pakistan-iran-deescalation")  # the manifest alone: nothing read again
    assert read == []
    fresh = Retriever.load(settings_at(tmp_path / "index"), real_embedder)
    loaded = library.view().answerer.retriever
    assert [d.id for d in loaded.index.documents] == [d.id for d in fresh.index.documents] == ["normans", "oxygen"]
    assert loaded.index.chunks == fresh.index.chunks
    assert [p.chunk_rows.tolist() if p.chunk_rows is not None else None for p in loaded.index.parts] == \
        [p.chunk_rows.tolist() if p.chunk_rows is not None else None for p in fresh.index.parts]
    assert top(loaded, questions) == top(fresh, questions)
    assert library.ask("Who leads Pakistan's caretaker government?").abstained


def test_each_token_names_a_text_once_in_the_stored_bm25(article_settings):
    """What SegmentedBm25's plain `scores[indices] += …` relies on (np.add.at is for repeats)."""
    from retrieval.index.folder import BM25_FOLDERS

    for name in BM25_FOLDERS:
        stored = Bm25Index.load(article_settings.index_dir / name, 1)._bm25.scores
        indptr, indices = stored["indptr"], stored["indices"]
        assert len(indptr) > 100
        for token in range(len(indptr) - 1):
            postings = indices[indptr[token]:indptr[token + 1]]
            assert len(np.unique(postings)) == len(postings)

