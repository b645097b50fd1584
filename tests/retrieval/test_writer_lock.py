"""Two writers take turns: an ingest waits while another holds the index, then adds to its result."""

from __future__ import annotations

import threading

from ingest.pipeline import ingest
from retrieval.index.folder import index_lock
from retrieval.index.folder_read import read_index


def _write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_an_ingest_waits_for_the_writer_before_it_and_keeps_its_documents(tmp_path, hashing_settings, hashing_embedder):
    first = _write(tmp_path, "first.md", "# First\n\nThe first document talks about rivers and their deltas in spring.\n")
    second = _write(tmp_path, "second.md", "# Second\n\nThe second document talks about mountains and their glaciers.\n")
    ingest([first], hashing_settings, embedder=hashing_embedder)
    done = threading.Event()

    def later_writer():
        ingest([second], hashing_settings, embedder=hashing_embedder)
        done.set()

    with index_lock(hashing_settings.index_dir):  # an earlier writer is mid-ingest
        thread = threading.Thread(target=later_writer)
        thread.start()
        assert not done.wait(0.5), "the second writer must wait for the lock"
        assert [d.id for d in read_index(hashing_settings.index_dir).documents] == ["first"]
    thread.join(timeout=30)
    assert done.is_set()
    assert sorted(d.id for d in read_index(hashing_settings.index_dir).documents) == ["first", "second"]
