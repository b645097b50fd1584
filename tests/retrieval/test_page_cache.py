"""A large index read into the page cache in the background (retrieval/index/page_cache.py): every file,
smallest first, only when it is large enough to need it and small enough to fit."""

from __future__ import annotations

import shutil

from cited.library import Library
from retrieval.index import page_cache


def test_every_file_of_the_index_is_read_smallest_first(article_settings, tmp_path, monkeypatch):
    index = tmp_path / "index"
    shutil.copytree(article_settings.index_dir, index)
    files = [f for f in index.rglob("*") if f.is_file()]
    total = sum(f.stat().st_size for f in files)
    assert page_cache.read_all(files) == total
    read = []
    monkeypatch.setattr(page_cache, "read_all", lambda fs: read.extend(fs))
    monkeypatch.setattr(page_cache, "WARM_FROM", 1)
    thread = page_cache.warm(index, available=4 * total)
    thread.join(timeout=30)
    assert sorted(read) == sorted(files)
    assert [f.stat().st_size for f in read] == sorted(f.stat().st_size for f in files)


def test_an_index_too_small_to_need_it_or_too_large_to_fit_is_not_read(article_settings, monkeypatch):
    assert page_cache.warm(article_settings.index_dir) is None  # under WARM_FROM: read as it is opened
    monkeypatch.setattr(page_cache, "WARM_FROM", 1)
    assert page_cache.warm(article_settings.index_dir, available=1000) is None  # more than half of it
    assert page_cache.available_memory() > 0


def test_a_file_removed_while_it_is_read_is_skipped(tmp_path):
    kept, gone = tmp_path / "kept", tmp_path / "gone"
    kept.write_bytes(b"x" * 100)
    assert page_cache.read_all([gone, kept]) == 100


def test_a_library_warms_its_folder_and_a_server_asks_it_to(article_settings, monkeypatch):
    monkeypatch.setattr(page_cache, "WARM_FROM", 1)
    thread = Library(article_settings).warm()
    assert thread is not None and thread.name == "cited-warm"
    thread.join(timeout=30)
    import inspect

    from ui import app

    assert "library.warm()" in inspect.getsource(app.serve)



def test_a_file_is_measured_once_and_one_removed_meanwhile_or_a_folder_has_no_size(tmp_path):
    (tmp_path / "kept").write_bytes(b"x" * 100)
    assert page_cache._size(tmp_path / "kept") == 100
    assert page_cache._size(tmp_path / "gone") is None and page_cache._size(tmp_path) is None
