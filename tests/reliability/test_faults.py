"""Faults: a write killed at each of its steps, a full disk, a damaged or unreadable index, and
the app started with no index or a broken one. Each leaves the previous index whole (it loads
and answers the same) or stops with one line that names the problem and the way out."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from eval.server import ROOT, chat_server, child_environment, free_port
from ingest.pipeline import ingest
from retrieval.answer.answerer import Answerer
from retrieval.base.errors import IndexWriteFailed
from retrieval.base.settings import Settings
from retrieval.index import folder as store
from retrieval.index.folder_read import read_index
from retrieval.search.retriever import Retriever
from tests.conftest import ARTICLE, upload_file
from tests.reliability.crash import SEGMENT_STEPS, STEPS

ARTICLE_ID = "ecss-pakistan-iran-deescalation"
NOTES_ID = "notes-on-teapots"
QUESTIONS = ("What share of Pakistan's population is Shiite?", "What are the best teapots made of?")
NOTES = """# Notes on Teapots

The best teapots are made of Yixing clay, which absorbs the flavour of the tea over many years of use.

The teapot was invented in China during the Yuan dynasty and reached Europe in the seventeenth century.
"""
KETTLES = """# Kettles

A kettle whistles when the steam escapes through a narrow opening in its spout.

Electric kettles switch themselves off when a bimetallic strip bends in the rising steam.
"""


def answers_of(index_dir: Path, embedder) -> list[dict]:
    from retrieval.search.reader import reader_for

    settings = Settings.from_env(environ={}, index_dir=index_dir)  # as the app answers: with its reader
    answerer = Answerer(Retriever.load(settings, embedder), settings, reader_for(settings.reader))
    return [{k: v for k, v in answerer.ask(q).to_json().items() if k != "seconds"} for q in QUESTIONS]


def files_of(index_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(index_dir)): p.read_bytes() for p in sorted(index_dir.rglob("*")) if p.is_file()}


def leftovers(index_dir: Path) -> list[str]:
    """The hidden temporary or old folders a write leaves beside the index while it runs (the
    writers' lock file, `.NAME.lock`, stays by design)."""
    return sorted(p.name for p in index_dir.parent.iterdir()
                  if p.name.startswith(f".{index_dir.name}.") and p.name != f".{index_dir.name}.lock")


@pytest.fixture(scope="module")
def two_documents(article_settings, real_embedder, tmp_path_factory) -> Path:
    """The bundled article and a short note, indexed with the real model."""
    folder = tmp_path_factory.mktemp("two-documents")
    (folder / "notes-on-teapots.md").write_text(NOTES, encoding="utf-8")
    (folder / "kettles.md").write_text(KETTLES, encoding="utf-8")
    index = folder / "index"
    shutil.copytree(article_settings.index_dir, index)
    settings = replace(article_settings, index_dir=index)
    report = ingest([str(folder / "notes-on-teapots.md")], settings, embedder=real_embedder)
    assert report.added == [NOTES_ID]
    return index


@pytest.fixture
def index(two_documents, tmp_path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(two_documents, target)
    return target


def crash(step: str, index_dir: Path, action: str, target: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tests.reliability.crash", step, str(index_dir), action, target],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


# --- a write killed at each of its steps ------------------------------------------------------


@pytest.mark.parametrize("step", STEPS)
def test_a_write_killed_at_any_step_leaves_a_whole_index(step, index, two_documents, real_embedder):
    before_files, before = files_of(index), answers_of(index, real_embedder)
    assert not before[0]["abstained"] and not before[1]["abstained"]

    died = crash(step, index, "remove", NOTES_ID)
    assert died.returncode == -signal.SIGKILL, died.stderr
    assert leftovers(index), "the write died half way: its folders are still there"

    survivor = read_index(index)  # a reader puts back an old index moved aside, if need be
    if [d.id for d in survivor.documents] == [ARTICLE_ID, NOTES_ID]:  # the swap had not happened
        assert step in ("writing-files", "before-swap", "fallback-between-renames")
        assert files_of(index) == before_files
        assert answers_of(index, real_embedder) == before
    else:  # the swap had happened: the whole new index, the removed note gone
        assert step in ("after-exchange", "fallback-after-renames")
        assert [d.id for d in survivor.documents] == [ARTICLE_ID]
        assert answers_of(index, real_embedder)[0]["answer"] == before[0]["answer"]

    # The next write, in a process of its own, clears what the dead one left.
    settings = Settings.from_env(environ={}, index_dir=index)
    report = ingest([str(two_documents.parent / "kettles.md")], settings, embedder=real_embedder)
    assert report.added == ["kettles"]
    assert leftovers(index) == []
    assert answers_of(index, real_embedder)[0]["answer"] == before[0]["answer"]


@pytest.mark.parametrize("step", SEGMENT_STEPS)
def test_a_segment_write_killed_at_any_step_leaves_the_index_as_it_was(step, index, two_documents, real_embedder,
                                                                        monkeypatch):
    from retrieval.index import segments

    before_files, before = files_of(index), answers_of(index, real_embedder)
    died = crash(step, index, "ingest", str(two_documents.parent / "kettles.md"))
    assert died.returncode == -signal.SIGKILL, died.stderr
    orphans = list((index / "segments").iterdir()) + list(index.glob(".manifest.json.tmp-*"))
    assert orphans, "the write died half way: its segment folder is still there"

    assert [d.id for d in read_index(index).documents] == [ARTICLE_ID, NOTES_ID]  # no manifest names it
    assert answers_of(index, real_embedder) == before
    assert {k: v for k, v in files_of(index).items() if not k.startswith(("segments/", ".manifest"))} == before_files

    # The next writer removes the dead one's folder before writing its own segment.
    monkeypatch.setattr(segments, "SEGMENT_SHARE", 1.0)
    monkeypatch.setattr(segments, "SEGMENTS_FROM", 1)
    settings = Settings.from_env(environ={}, index_dir=index)
    assert ingest([str(two_documents.parent / "kettles.md")], settings, embedder=real_embedder).added == ["kettles"]
    assert not any(o.exists() for o in orphans) and len(list((index / "segments").iterdir())) == 1
    assert [d.id for d in read_index(index).documents] == [ARTICLE_ID, NOTES_ID, "kettles"]


@pytest.mark.slow
def test_an_ingest_killed_between_the_two_renames_loses_nothing(index, two_documents, real_embedder, capsys):
    """The worst moment of the fallback swap (no renameat2): the index folder is gone from its
    place. The app's own loading path puts it back: same documents, same answers, and the
    bundled article is not ingested over it."""
    from cited.library import Library

    before_files, before = files_of(index), answers_of(index, real_embedder)
    died = crash("fallback-between-renames", index, "ingest", str(two_documents.parent / "kettles.md"))
    assert died.returncode == -signal.SIGKILL, died.stderr
    assert not index.exists()

    answerer = Library.with_bundled_article(Settings.from_env(environ={}, index_dir=index), real_embedder).view().answerer
    assert "ingesting the bundled article" not in capsys.readouterr().err
    assert files_of(index) == before_files
    assert [{k: v for k, v in answerer.ask(q).to_json().items() if k != "seconds"} for q in QUESTIONS] == before


def test_stale_folders_of_a_live_writer_are_left_alone(index, real_embedder):
    """Only a dead process's folders are cleared: a writer still running keeps its own."""
    live = index.parent / f".index.tmp-{os.getpid()}-0000beef"
    live.mkdir()
    store.write_index(index, read_index(index))
    assert live.exists()
    live.rmdir()


# --- a full disk -------------------------------------------------------------------------------


@contextmanager
def small_file_system(folder: Path, size_kb: int):
    """A tmpfs of size_kb mounted at folder; yields False where mounting is not permitted."""
    folder.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)], capture_output=True
        ).returncode == 0
    except OSError:
        mounted = False
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)


class FillingDisk:
    """Stands in for a full disk where no small file system can be mounted: the index's writes
    fail with ENOSPC once `budget` bytes are written, as write(2) does on a full disk."""

    def __init__(self, budget: int) -> None:
        self.left = budget

    def open(self, file, mode="r", *args, **kwargs):
        handle = open(file, mode, *args, **kwargs)
        return _Filling(handle, self) if "w" in mode else handle


class _Filling:
    def __init__(self, handle, disk: FillingDisk) -> None:
        self._handle, self._disk = handle, disk

    def write(self, data):
        self._disk.left -= len(data.encode() if isinstance(data, str) else data)
        if self._disk.left < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._handle.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()

    def __getattr__(self, name):
        return getattr(self._handle, name)


@pytest.fixture(params=["tmpfs", "simulated"])
def full_disk_index(request, two_documents, tmp_path, monkeypatch) -> Path:
    """The two-document index on a disk with room for it and little more."""
    files = [p for p in two_documents.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    if request.param == "tmpfs":  # room for its files (a 4 kB block each, at least) and 64 kB more
        with small_file_system(tmp_path / "disk", size_kb=size // 1024 + 4 * len(files) + 64) as mounted:
            if not mounted:
                pytest.skip("mounting a tmpfs is not permitted here; the simulated full disk runs instead")
            index = tmp_path / "disk" / "index"
            shutil.copytree(two_documents, index)
            yield index
    else:
        index = tmp_path / "index"
        shutil.copytree(two_documents, index)
        fill_disk(monkeypatch, FillingDisk(budget=64 * 1024))
        yield index


def fill_disk(monkeypatch, disk) -> None:
    """Every file the index writer opens (its records, and its vector files) fills `disk`."""
    from retrieval.index import vector_files

    for module in (store, vector_files):
        monkeypatch.setattr(module, "open", disk.open, raising=False)


@pytest.mark.parametrize("write", ["whole", "segment"])
def test_a_full_disk_is_one_clear_error_and_the_old_index_stays(full_disk_index, two_documents, real_embedder, capsys,
                                                                write, monkeypatch, request):
    from retrieval.index import segments
    from ui.cli import main

    index = full_disk_index
    if write == "segment":  # a segment is small: the disk is filled closer to the brim for it
        for name, value in (("SEGMENTS_FROM", 1), ("SEGMENT_SHARE", 1.0), ("DEAD_SHARE", 1.0)):
            monkeypatch.setattr(segments, name, value)
        if request.node.callspec.params["full_disk_index"] == "simulated":
            fill_disk(monkeypatch, FillingDisk(budget=512))
        else:
            disk = os.statvfs(index.parent)
            (index.parent / "filler").write_bytes(b"\0" * (disk.f_bavail * disk.f_frsize - 8192))
    before_files, before = files_of(index), answers_of(index, real_embedder)
    kettles = str(two_documents.parent / "kettles.md")
    settings = Settings.from_env(environ={}, index_dir=index)

    with pytest.raises(IndexWriteFailed) as raised:
        ingest([kettles], settings, embedder=real_embedder)
    message = str(raised.value)
    assert "No space left on device" in message and "the previous index is unchanged" in message
    assert "\n" not in message

    # The command line: exit code 4, that one line, no traceback.
    assert main(["ingest", kettles, "--index", str(index), "-q"]) == IndexWriteFailed.exit_code
    err = capsys.readouterr().err
    assert err.strip() == f"error: {message}"

    assert files_of(index) == before_files
    assert leftovers(index) == [], "the half-written temporary folder is removed, freeing the disk"
    assert answers_of(index, real_embedder) == before


def test_a_full_disk_during_an_upload_keeps_the_app_answering(full_disk_index, two_documents, real_embedder):
    from cited.library import Library

    settings = Settings.from_env(environ={}, index_dir=full_disk_index)
    library = Library(settings, real_embedder)
    before = library.ask(QUESTIONS[0]).to_json()
    with pytest.raises(IndexWriteFailed, match="No space left on device"):
        upload_file(library, two_documents.parent / "kettles.md")
    assert list(library.view().documents) == [ARTICLE_ID, NOTES_ID]
    after = library.ask(QUESTIONS[0]).to_json()
    assert {k: v for k, v in after.items() if k != "seconds"} == {k: v for k, v in before.items() if k != "seconds"}


# --- a damaged index, as the command line reports it ---------------------------------------------


@pytest.fixture
def article_copy(article_settings, tmp_path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(article_settings.index_dir, target)
    return target


def damage(file: Path, how: str) -> None:
    if how == "truncate":
        file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    elif how == "garbage":
        file.write_bytes(b"\x00garbage\xff" * 50)
    else:
        file.unlink()


@pytest.mark.parametrize("name", ["manifest.json", "documents.jsonl", "chunks.jsonl", "chunks.faiss", "sentences.faiss"])
@pytest.mark.parametrize("how", ["truncate", "garbage", "delete"])
def test_cli_names_the_damaged_file_and_how_to_rebuild(article_copy, name, how, capsys):
    from ui.cli import main

    damage(article_copy / name, how)
    damaged = files_of(article_copy)
    for argv in (["ask", "Who wrote the article?"], ["ingest", str(ARTICLE), "-q"]):
        assert main([*argv, "--index", str(article_copy)]) == 4
        out, err = capsys.readouterr()
        assert out == ""
        (line,) = err.splitlines()
        assert line.startswith(f"error: The index at {article_copy} is damaged (")
        assert name in line and f"cited ingest PATH --index {article_copy} --rebuild" in line
    assert files_of(article_copy) == damaged, "nothing is written over a damaged index without --rebuild"


def test_installed_command_prints_one_line_not_a_traceback(article_copy):
    damage(article_copy / "chunks.faiss", "truncate")
    environment = child_environment()
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cited"), "ask", "Who wrote the article?", "--index", str(article_copy)],
        capture_output=True, text=True, timeout=120, env=environment,
    )
    assert result.returncode == 4
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: The index at {article_copy} is damaged (chunks.faiss does not match its checksum in manifest.json); "
        f"rebuild it with `cited ingest PATH --index {article_copy} --rebuild`."
    ]


def test_an_index_path_that_is_a_file_is_refused(tmp_path, capsys):
    from ui.cli import main

    not_a_folder = tmp_path / "index"
    not_a_folder.write_text("my notes, not an index")
    for argv in (["ask", "Who wrote the article?"], ["list"], ["ingest", str(ARTICLE), "-q"]):
        assert main([*argv, "--index", str(not_a_folder)]) == 4
        (line,) = capsys.readouterr().err.splitlines()
        assert "it is a file, not an index folder" in line
    assert not_a_folder.read_text() == "my notes, not an index"


def test_an_index_without_read_permission_is_one_line(article_copy):
    """A folder its reader may not look into. Root reads everything, so as root the command runs
    without the capabilities that override file permissions."""
    command = [sys.executable, "-m", "ui.cli", "ask", "Who wrote the article?", "--index", str(article_copy)]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("as root, dropping the permission override needs setpriv (util-linux)")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    environment = child_environment()
    article_copy.chmod(0)
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, env=environment)
    finally:
        article_copy.chmod(0o755)
    assert result.returncode == 4, result.stderr
    assert result.stderr.splitlines() == [
        f"error: Cannot read the index at {article_copy} (manifest.json: Permission denied): "
        "check the path and its permissions."
    ]


# --- the app with no index, and with a broken one ----------------------------------------------


@pytest.mark.slow
def test_app_with_no_index_ingests_the_bundled_article_and_answers(tmp_path):
    from gradio_client import Client

    index = tmp_path / "fresh" / "index"
    with chat_server(index, tmp_path / "server.log") as url:
        answer = Client(url, verbose=False).predict("Who wrote the article?", api_name="/ask")
    assert answer["answer"] == "Ali Atef [1]"
    assert [d.id for d in read_index(index).documents] == [ARTICLE_ID]
    assert "No index at" in (tmp_path / "server.log").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["garbage manifest", "deleted chunks.jsonl", "a file"])
def test_app_with_a_broken_index_stops_with_one_line(article_copy, how):
    if how == "garbage manifest":
        damage(article_copy / "manifest.json", "garbage")
        expected = "manifest.json is unreadable"
    elif how == "deleted chunks.jsonl":
        damage(article_copy / "chunks.jsonl", "delete")
        expected = "chunks.jsonl is missing"
    else:
        shutil.rmtree(article_copy)
        article_copy.write_text("not an index")
        expected = "it is a file, not an index folder"
    environment = child_environment()
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "chat", "--index", str(article_copy), "--port", str(free_port()),
         "--no-browser"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, env=environment,
    )
    assert result.returncode == 4
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and expected in line
    assert "Traceback" not in result.stdout + result.stderr
