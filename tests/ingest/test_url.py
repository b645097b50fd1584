"""A URL is fetched (from a real HTTP server on 127.0.0.1, never the internet), read by its content
type, and a server that never answers costs only the timeout asked for."""

from __future__ import annotations

import functools
import http.server
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from ingest.readers import read_file
from ingest.sources import read_url
from retrieval.base.errors import DocumentError
from retrieval.base.settings import Settings
from retrieval.index.folder_read import read_index
from tests.conftest import messages

FIXTURES = Path(__file__).parent / "fixtures"
# The same command line with the tests' hashing encoder registered (tests/embedders.py).
CITED_HASHING = [sys.executable, "-m", "tests.embedders"]
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def site():
    """The fixtures folder served over HTTP on a free port of 127.0.0.1."""
    handler = functools.partial(QuietHandler, directory=str(FIXTURES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server():
    """Accepts connections (the kernel completes the handshake) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/article.html"
    sock.close()


def test_a_page_by_url_reads_like_the_saved_file(site):
    fetched = read_url(f"{site}/saved-page.html", 10**7)
    saved = read_file(FIXTURES / "saved-page.html", 10**7)
    assert fetched.format == "html"
    assert fetched.blocks == saved.blocks
    assert fetched.meta.title == "The Return of the Night Train" and fetched.meta.source == f"{site}/saved-page.html"


def test_plain_text_by_url_is_cleaned_like_a_capture(site):
    fetched = read_url(f"{site}/news-capture.txt", 10**7)
    assert fetched.format == "txt" and fetched.meta.authors == ("Priya Raman",)


def test_url_ingest_names_the_document_by_its_url(site, tmp_path, hashing_embedder):
    settings = Settings.from_env(environ={}, index_dir=tmp_path / "index", model=hashing_embedder.name)
    report = ingest([f"{site}/saved-page.html"], settings, embedder=hashing_embedder)
    assert report.added == ["saved-page"] and not report.failed
    (doc,) = read_index(settings.index_dir).documents
    assert doc.meta.source == f"{site}/saved-page.html" and doc.meta.site == "Rail Review"
    again = ingest([f"{site}/saved-page.html"], settings, embedder=hashing_embedder)
    assert again.skipped == ["saved-page"] and again.embedded == 0


def test_missing_page_names_the_status(site):
    with pytest.raises(DocumentError, match="404"):
        read_url(f"{site}/no-such-page.html", 10**7)


def test_a_server_that_never_answers_times_out(silent_server):
    started = time.monotonic()
    with pytest.raises(DocumentError, match=r"no answer within 0.5 s") as error:
        read_url(silent_server, 10**7, timeout=0.5)
    assert time.monotonic() - started < 60  # the time-out ended the wait, even on a busy machine
    assert silent_server in str(error.value)


def test_cli_timeout_fails_the_url_and_keeps_the_rest(silent_server, tmp_path):
    index = tmp_path / "index"
    good = FIXTURES / "report-capture.txt"
    run = subprocess.run(
        [*CITED_HASHING, "ingest", str(good), silent_server, "--index", str(index), "--model", "hashing-256", "--timeout", "0.5"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert run.returncode != 0
    assert messages(run.stderr) == [f"error: {silent_server}: no answer within 0.5 s; check the address or try again later."]
    assert "added: report-capture" in run.stdout
    assert [d.id for d in read_index(index).documents] == ["report-capture"]
