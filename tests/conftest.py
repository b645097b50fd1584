"""Shared fixtures. The real bundled model and a real index of the bundled article are built once
per test session; a hashing encoder serves the fast unit tests that don't need meaning."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# The encoder's ONNX export goes to a cache folder of this test session (servers started by the
# tests inherit it), never to the user's own cache.
if "CITED_CACHE" not in os.environ:
    _SESSION_CACHE = tempfile.mkdtemp(prefix="cited-test-cache-")
    os.environ["CITED_CACHE"] = _SESSION_CACHE
    # Removed when the session ends (each one otherwise leaves its export in /tmp).
    atexit.register(shutil.rmtree, _SESSION_CACHE, ignore_errors=True)

from retrieval.base.settings import Settings  # noqa: E402
from tests import embedders  # noqa: E402

embedders.register()  # "hashing-256" and "hashing-128" name the test encoder in this process

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "data" / "ecss-pakistan-iran-deescalation.txt"
# Five SQuAD 1.1 articles, 8 paragraphs each (tests/data/README.md): a corpus of real prose that
# every clone has, for tests that need one but not the benchmark itself.
SQUAD_SAMPLE = ROOT / "tests" / "data" / "squad11-sample.json"


@pytest.fixture(scope="session", autouse=True)
def verifier_exported():
    """The shipped verifier exported to ONNX once, in this session's cache, before any test starts
    a server: a chat server loads it in the background at start, and would otherwise export it with
    torch while a test measures the server's memory."""
    from retrieval.search.verifier import load_verifier

    return load_verifier()


@pytest.fixture(scope="session")
def real_embedder():
    from retrieval.search.embed import load_embedder

    return load_embedder("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def article_settings(tmp_path_factory) -> Settings:
    """Settings pointing at a session-wide index of the bundled article, built with the real model."""
    from ingest.pipeline import ingest

    index_dir = tmp_path_factory.mktemp("article") / "index"
    settings = Settings.from_env(environ={}, index_dir=index_dir)
    ingest([str(ARTICLE)], settings)
    return settings


@pytest.fixture(scope="session")
def answerer(article_settings, real_embedder):
    from retrieval.answer.answerer import Answerer
    from retrieval.search.reader import reader_for
    from retrieval.search.retriever import Retriever

    # As the product answers: with the reader the settings name (the bundled one by default).
    reader = reader_for(article_settings.reader, article_settings.encoder_runtime)
    return Answerer(Retriever.load(article_settings, real_embedder), article_settings, reader)


@pytest.fixture(scope="session")
def article_document():
    """The bundled article, cleaned (no model needed)."""
    from ingest.document import assemble
    from ingest.readers import read_file

    reading = read_file(ARTICLE, 10**8)
    return assemble("ecss-pakistan-iran-deescalation", reading.blocks, reading.meta, reading.format, reading.sha256)


@pytest.fixture
def hashing_settings(tmp_path) -> Settings:
    return Settings.from_env(environ={}, index_dir=tmp_path / "index", model="hashing-256")


@pytest.fixture
def hashing_embedder():
    return embedders.HashingEmbedder(256)


_PROGRESS = re.compile(r"^[\w ]+: +\d+%\|")


def messages(stderr: str) -> list[str]:
    """The lines of a command's stderr without its progress bars, which appear only when the work
    is slow (a busy machine): what a test may assert on."""
    return [line for line in re.split(r"[\r\n]+", stderr) if line.strip() and not _PROGRESS.match(line)]


def upload_file(library, path, name: str | None = None) -> str:
    """Upload a file to a Library as the web app does, under `name` (default: its own): the
    app's one-line message, or the upload's DocumentError raised."""
    from ingest.sources import Upload
    from ui.handlers import upload_message

    shown = Path(name or Path(path).name).name
    report = library.add(Upload(name or Path(path).name, path=Path(path)))
    if report.failed:
        raise report.failed[0]
    return upload_message(report, shown)


@pytest.fixture(scope="session")
def milvus_settings(article_settings, tmp_path_factory) -> Settings:
    """The bundled article's index written to a Milvus Lite store (by the store's own writer, from
    the folder index: the same records and vectors), held open by this test process."""
    from retrieval.index.folder_read import read_index
    from retrieval.index.stores import open_store

    uri = f"milvus://{tmp_path_factory.mktemp('milvus') / 'article.db'}"
    settings = Settings.from_env(environ={}, store=uri)
    open_store(settings).write(read_index(article_settings.index_dir))
    return settings


@pytest.fixture(scope="session")
def milvus_answerer(milvus_settings, real_embedder):
    from retrieval.answer.answerer import Answerer
    from retrieval.search.reader import reader_for
    from retrieval.search.retriever import Retriever

    reader = reader_for(milvus_settings.reader, milvus_settings.encoder_runtime)
    return Answerer(Retriever.load(milvus_settings, real_embedder), milvus_settings, reader)

