"""Opening an index for questions, shared by the command line and the web app. When there is no
index yet, the bundled article is ingested first, so a fresh clone answers at once."""

from __future__ import annotations

import sys

from cited.settings import Settings
from ingest.embed import Embedder
from retrieval.answer import Answerer
from retrieval.search import Retriever


def ensure_index(settings: Settings, embedder: Embedder | None = None, quiet: bool = False) -> None:
    from retrieval.store import recover_interrupted_swap

    try:
        recover_interrupted_swap(settings.index_dir)  # an ingest killed mid-swap moved the index aside
        if settings.index_dir.exists():
            return
    except OSError:
        return  # cannot even look (no permission): loading the index names the problem
    from ingest.pipeline import ingest

    if not quiet:
        print(f"No index at {settings.index_dir} yet: ingesting the bundled article …", file=sys.stderr)
    report = ingest([str(settings.default_article)], settings, embedder=embedder, progress=not quiet)
    if report.failed:
        raise report.failed[0]
    if not quiet:
        print(report.summary(), file=sys.stderr)


def open_answerer(settings: Settings, embedder: Embedder | None = None, quiet: bool = False) -> Answerer:
    ensure_index(settings, embedder, quiet)
    return Answerer(Retriever.load(settings, embedder))
