"""An ingest killed at any moment leaves the previous index whole: it loads and gives the same
answers. The kills are real SIGKILLs of the installed `cited ingest`, while the model loads, while
it embeds, and the moment it starts writing the new index."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from retrieval.answer.answerer import Answerer
from retrieval.base.settings import Settings
from retrieval.index.folder_read import read_index
from retrieval.search.retriever import Retriever

FIXTURES = Path(__file__).parent / "fixtures"
CITED = Path(sys.executable).parent / "cited"
QUESTION = "What share of Pakistan's population is Shiite?"
ARTICLE_ID = "ecss-pakistan-iran-deescalation"

pytestmark = pytest.mark.slow


def answer_of(settings: Settings, embedder) -> dict:
    answer = Answerer(Retriever.load(settings, embedder)).ask(QUESTION, doc=ARTICLE_ID).to_json()
    answer.pop("seconds")
    return answer


def many_articles(folder: Path, copies: int = 3) -> Path:
    """Enough distinct articles (each copy with its own last line) that embedding takes seconds."""
    folder.mkdir()
    for n in range(copies):
        for source in ("news-capture.txt", "blog-capture.txt", "report-capture.txt", "saved-page.html", "field-notes.md"):
            text = (FIXTURES / source).read_text(encoding="utf-8")
            trailer = f"<!-- copy {n} -->" if source.endswith(".html") else f"Copy {n}"
            (folder / f"{n}-{source}").write_text(f"{text}\n{trailer}\n", encoding="utf-8")
    return folder


class Ingest:
    """`cited ingest` running in the background, its stderr (the progress bar) collected."""

    def __init__(self, folder: Path, index: Path) -> None:
        self.stderr = b""
        self.process = subprocess.Popen(
            [str(CITED), "ingest", str(folder), "--index", str(index)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while chunk := self.process.stderr.read1(4096):
            self.stderr += chunk

    def wait_for(self, condition, limit: float = 120.0) -> bool:
        """Poll until condition() holds; False if the ingest ended first."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if condition():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.002)
        raise TimeoutError("the ingest neither reached the point nor ended")

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        code = self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        return code


def test_killed_ingest_leaves_the_previous_index(article_settings, real_embedder, tmp_path):
    settings = Settings.from_env(environ={}, index_dir=tmp_path / "index")
    shutil.copytree(article_settings.index_dir, settings.index_dir)
    manifest = (settings.index_dir / "manifest.json").read_bytes()
    before = answer_of(settings, real_embedder)
    assert not before["abstained"]
    folder = many_articles(tmp_path / "articles")

    def unchanged() -> None:
        assert (settings.index_dir / "manifest.json").read_bytes() == manifest
        assert [d.id for d in read_index(settings.index_dir).documents] == [ARTICLE_ID]
        assert answer_of(settings, real_embedder) == before

    # 1. While the model loads.
    run = Ingest(folder, settings.index_dir)
    time.sleep(1.0)
    assert run.kill() == -signal.SIGKILL
    unchanged()

    # 2. While it embeds: the progress bar is on stderr.
    run = Ingest(folder, settings.index_dir)
    assert run.wait_for(lambda: b"embedding" in run.stderr), run.stderr.decode(errors="replace")
    assert run.kill() == -signal.SIGKILL
    unchanged()

    # 3. The moment the new index starts being written beside the old one.
    run = Ingest(folder, settings.index_dir)
    temporaries = lambda: [p for p in settings.index_dir.parent.glob(".index.tmp-*") if str(run.process.pid) in p.name]  # noqa: E731
    if run.wait_for(lambda: bool(temporaries())):
        assert run.kill() == -signal.SIGKILL
        unchanged()
    else:  # it finished between two looks: then it must have written the whole new index
        assert run.process.returncode == 0
        assert len(read_index(settings.index_dir).documents) == 16
        return

    # Left to finish, an ingest after all those kills writes the whole new index and clears
    # the killed runs' temporary folders.
    finish = subprocess.run(
        [str(CITED), "ingest", str(folder), "--index", str(settings.index_dir)],
        capture_output=True, text=True, timeout=600,
    )
    assert finish.returncode == 0, finish.stderr
    assert "embedding" in finish.stderr, "a progress bar while embedding"
    assert "15 added, 0 updated, 0 unchanged; index holds 16 document(s)" in finish.stdout
    assert list(settings.index_dir.parent.glob(".index.tmp-*")) == []
    after = answer_of(settings, real_embedder)
    assert after["answer"] == before["answer"]
