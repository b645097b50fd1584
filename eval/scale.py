"""`cited bench --scale N[,N…] [--json] [--out DIR]`: how the index behaves as it grows.

For each N, a corpus of N passages is written straight to an index folder (the store's own
writer, in a process of its own): documents of 50 paragraphs, each paragraph three real
sentences of the SQuAD development articles recombined at random, with the bundled encoder's
vectors of those sentences (each distinct sentence is encoded once; a passage's vector is the
normalized mean of its sentences', as ingest makes it). Then a separate process (so its memory
is its own) opens the index with cited.Library (the reader off: these are the index's figures),
times QUERIES questions (SQuAD's own, so BM25 and the encoder have work to do), times them again
with the reader on, and adds one new 50-paragraph document through the real ingest pipeline (on
a folder of 10,000 passages or more, a segment: retrieval/index/segments.py), then another (the ingest
encoder loaded by then), asks again, and compacts. Printed per N: open_s (to the chat's first
screen, warm() started as the chat does), first_query_s (the first question, which waits for
what warm() has left: Milvus loading its collections), query_p50_ms, query_p95_ms, add_document_s (the first, which loads the ingest encoder), add_another_s,
query_p50_after_add_ms, compact_s, query_p50_reader_ms (the questions with the reader on, as
cited answers by default, on the same retriever), rss_mb (that process after its first
questions, before the reader is loaded: what serving holds), dense_recall_at_10 (of the 10
passages nearest each of 10 questions, every passage scored, the share among the dense
candidates: below 1 only where search is approximate), peak_rss_mb (after everything, the
ingest encoder included), disk_mb (before the add) and engine_rss_mb (Milvus Lite's engine, a
child process, while serving; none for the folder).

With --store URI (a Milvus), each N is also built and measured there (an index named scale_N,
dropped afterwards), beside the folder. Nothing is asserted: the figures are what this machine
does with today's stores.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from retrieval.base.errors import CitedError
from retrieval.base.settings import Settings

PARAGRAPHS_PER_DOCUMENT = 50
SENTENCES_PER_PASSAGE = 3
POOL_SENTENCES = 6000
QUERIES = 30
RECALL_QUESTIONS = 10
SEED = 13
# Passages per write when building a Milvus store: the building process holds one slice, not the corpus.
MILVUS_SLICE = 100_000
# What a library of 1,000,000 passages should do on 2 cores (the issue that asked for this bench).
TARGETS_AT_A_MILLION = {"open_s": 3.0, "query_p50_ms": 50.0, "add_another_s": 2.0, "rss_mb": 2500.0}


def sentence_pool(squad_path: Path, size: int) -> tuple[list[str], list[str]]:
    """Distinct sentences of the SQuAD articles (at most `size`), and SQuAD questions to ask."""
    from eval.reading import load_articles
    from ingest.chunking import split_sentences

    sentences, questions = [], []
    for article in load_articles(squad_path, None):
        for p in article["paragraphs"]:
            context = " ".join(p["context"].split())
            sentences += [context[s:e].strip() for s, e in split_sentences(context) if e - s > 40]
            questions += [qa["question"] for qa in p["qas"]]
    rng = random.Random(SEED)
    sentences = list(dict.fromkeys(sentences))
    rng.shuffle(sentences)
    rng.shuffle(questions)
    return sentences[:size], questions[:QUERIES]


def build_index(store, n: int, sentences: list[str], vectors: np.ndarray, model: str, settings: Settings,
                slice_size: int | None = None) -> None:
    """An index of n passages of SQuAD sentences, in documents of PARAGRAPHS_PER_DOCUMENT. Written
    whole, or, with slice_size, a slice of documents at a time, each added to the last, so that the
    building process holds one slice (a Milvus store: what the engine holds is not held twice)."""
    from ingest.pipeline import chunking_settings
    from retrieval.index.interface import Update

    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(sentences), size=(n, SENTENCES_PER_PASSAGE))
    step = n if slice_size is None else max(PARAGRAPHS_PER_DOCUMENT, slice_size // PARAGRAPHS_PER_DOCUMENT
                                            * PARAGRAPHS_PER_DOCUMENT)
    for first in range(0, n, step):
        documents, chunks, chunk_vectors = _documents(sentences, vectors, picks, first, min(first + step, n))
        update = Update(model, vectors.shape[1], chunking_settings(settings), documents, chunks, chunk_vectors,
                        vectors[picks[first:first + step].reshape(-1)], rebuild=first == 0)
        store.apply(update)


def _documents(sentences: list[str], vectors: np.ndarray, picks: np.ndarray, start: int, stop: int):
    """The documents, chunks and chunk vectors of passages start..stop (start: a document's first)."""
    from retrieval.index.records import Chunk, Document, Metadata, Paragraph

    documents, chunks, chunk_vectors = [], [], np.empty((stop - start, vectors.shape[1]), dtype=np.float32)
    for first in range(start, stop, PARAGRAPHS_PER_DOCUMENT):
        doc_id = f"scale-{first // PARAGRAPHS_PER_DOCUMENT:06d}"
        parts, paragraphs, cursor = [], [], 0
        for row in range(first, min(first + PARAGRAPHS_PER_DOCUMENT, stop)):
            spans, text = [], ""
            for i in picks[row]:
                if text:
                    text += " "
                spans.append((cursor + len(text), cursor + len(text) + len(sentences[i])))
                text += sentences[i]
            paragraphs.append(Paragraph(len(paragraphs) + 1, cursor, cursor + len(text)))
            chunks.append(Chunk(doc_id, len(paragraphs), cursor, cursor + len(text), text, sentences=tuple(spans)))
            mean = vectors[picks[row]].mean(axis=0)
            chunk_vectors[row - start] = mean / np.linalg.norm(mean)
            parts.append(text)
            cursor += len(text) + 2
        documents.append(Document(doc_id, "\n\n".join(parts), tuple(paragraphs), Metadata(title=doc_id, source="bench")))
    return documents, chunks, chunk_vectors


def build_folder(path: str, n: int, pool: str, model: str) -> None:
    """Run in a child process: the folder index of build_index at `path`, from the pool's sentences
    and vectors (pool.json, pool.faiss). Its own process, so the memory a large build takes is
    given back before the measuring process starts."""
    from retrieval.index.stores import FolderStore
    from retrieval.index.vector_files import flat_vectors

    sentences = json.loads(Path(pool).with_suffix(".json").read_text(encoding="utf-8"))
    vectors = np.asarray(flat_vectors(Path(pool).with_suffix(".faiss")))
    build_index(FolderStore(path), n, sentences, vectors, model, Settings())


def _child(code: str, args: list[str], what: str) -> str:
    """Run `code` (Python) in a child process from the repository; its stdout, or a CitedError."""
    from eval.server import ROOT, child_environment

    child = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT,
                           env={**child_environment(), "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True)
    if child.returncode < 0:
        raise CitedError(f"{what}: the process was killed by signal {-child.returncode} "
                         "(out of memory? try a smaller --scale).")
    if child.returncode != 0:
        raise CitedError(f"{what}: the process failed: {child.stderr.strip().splitlines()[-1:]}")
    return child.stdout


def measure(location: str, questions: list[str], new_document: Path) -> dict:
    """Run in a child process: open (a folder, or a Milvus URI), ask, add, ask again, compact; its
    own peak memory."""
    from cited.library import Library

    started = time.perf_counter()
    library = Library.open(location, reader="none")  # the index's figures; the reader's cost is timed last
    library.view()
    warming = library.warm()  # as the chat does: the folder's files read ahead, Milvus's collections loaded
    open_s = time.perf_counter() - started
    started = time.perf_counter()
    library.ask(questions[0])  # the encoder's first call, and what warm() had left: not a query's cost
    first_query_s = time.perf_counter() - started
    if warming is not None:
        warming.join()  # the questions below are timed on a warm index, not beside its reading
    times = _ask_all(library, questions)
    serving_mb, engine_mb = _rss_mb(), _engine_rss_mb()
    with_reader = _ask_with_reader(library, questions)
    recall = _dense_recall(library, questions[:RECALL_QUESTIONS])
    started = time.perf_counter()
    report = library.add(new_document)
    if report.failed:
        raise report.failed[0]
    add_s = time.perf_counter() - started
    # A second document, the encoder for ingest now loaded (as in a server that has added one).
    second = new_document.with_name("second-" + new_document.name)
    second.write_text("\n\n".join(reversed(new_document.read_text(encoding="utf-8").split("\n\n"))), encoding="utf-8")
    started = time.perf_counter()
    report = library.add(second)
    if report.failed:
        raise report.failed[0]
    second_s = time.perf_counter() - started
    after_add = _ask_all(library, questions)  # on the index as the add left it (a segment, on a folder)
    started = time.perf_counter()
    library.compact()
    compact_s = time.perf_counter() - started
    return {"open_s": open_s, "first_query_s": first_query_s, "query_p50_ms": float(np.percentile(times, 50)),
            "query_p95_ms": float(np.percentile(times, 95)), "add_document_s": add_s, "add_another_s": second_s,
            "query_p50_after_add_ms": float(np.percentile(after_add, 50)), "compact_s": compact_s,
            "query_p50_reader_ms": float(np.percentile(with_reader, 50)),
            "rss_mb": serving_mb, "engine_rss_mb": engine_mb, "dense_recall_at_10": recall, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _ask_with_reader(library, questions: list[str]) -> list[float]:
    """The same questions with the reader on, as cited answers by default (on the same retriever:
    what the reader adds to each)."""
    from retrieval.answer.answerer import Answerer
    from retrieval.search.reader import reader_for

    settings = replace(library.settings, reader="bundled")
    reader = reader_for(settings.reader, settings.encoder_runtime)
    answerer = Answerer(library.view().retriever, settings, reader)
    answerer.ask(questions[0])  # the reader's first run is not a question's cost
    return _ask_all(answerer, questions)


def _dense_recall(library, questions: list[str]) -> float | None:
    """Of each question's 10 nearest passages (every passage scored), the share its dense
    candidates hold: 1.0 where search is exact, what the approximate index misses above it
    (None for a store with its own search)."""
    from retrieval.index import vector_rows
    from retrieval.search.retriever import CANDIDATES

    if library.store.searches():
        return None
    retriever = library.view().retriever
    found = []
    for q in questions:
        vector = retriever.prepare(q).vector
        nearest = np.argsort(-(retriever.index.chunk_vectors @ vector), kind="stable")[:10]
        vector_rows.release(retriever.index.chunk_vectors)  # what scoring every passage read
        found.append(np.isin(nearest, retriever.dense_candidates(vector, CANDIDATES)[0]).mean())
    return float(np.mean(found))


def _ask_all(library, questions: list[str]) -> list[float]:
    """Each question's time in ms (`library`: a Library, or an Answerer: anything with ask)."""
    times = []
    for q in questions:
        started = time.perf_counter()
        library.ask(q)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _rss_mb() -> float:
    """This process's resident memory now (what serving questions holds)."""
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def _engine_rss_mb() -> float | None:
    """The resident memory of the Milvus engine this process started (Milvus Lite's C++ engine
    runs as a child process), apart from the client's; None when there is none (the folder)."""
    import psutil

    engines = [p for p in psutil.Process().children(recursive=True) if p.name() == "milvus"]
    return sum(p.memory_info().rss for p in engines) / 1e6 if engines else None


def _stores(settings: Settings, tmp: Path, n: int, milvus_only: bool = False):
    """The folder store, and the Milvus store of --store (its index named scale_N) beside it."""
    from retrieval.index.stores import FolderStore, open_store

    if not (milvus_only and settings.store):
        yield "folder", FolderStore(tmp / f"index-{n}")
    if settings.store:
        uri = settings.store.partition("#")[0]
        yield "milvus", open_store(replace(settings, store=f"{uri}#scale_{n}"))


def _disk_mb(store) -> float | None:
    """What the store takes on this machine's disk (a Milvus server's: not known here)."""
    path = getattr(store, "path", None)
    if path is None or not Path(path).exists():
        return None
    path = Path(path)
    files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
    return sum(f.stat().st_size for f in files) / 1e6


def run_scale(args, settings: Settings) -> int:
    from eval.sets import DEFAULT_SQUAD11
    from retrieval.index.vector_files import write_flat_vectors
    from retrieval.search.embed import load_embedder

    try:
        sizes = [int(x) for x in str(args.scale).split(",")]
    except ValueError:
        raise CitedError(f"--scale takes passage counts, e.g. 10000,100000 (got {args.scale!r}).") from None
    if any(n < PARAGRAPHS_PER_DOCUMENT for n in sizes):
        raise CitedError(f"--scale: each size must be at least {PARAGRAPHS_PER_DOCUMENT} passages.")
    corpus = Path(getattr(args, "corpus", None) or DEFAULT_SQUAD11)
    if not corpus.is_file():
        raise CitedError(f"{corpus}: no such file; --scale builds its passages from a SQuAD-format file's sentences: "
                         "give one with --corpus PATH.")
    sentences, questions = sentence_pool(corpus, POOL_SENTENCES)
    embedder = load_embedder(settings.model, 64, "torch")
    if not args.json:
        print(f"Encoding {len(sentences):,} distinct SQuAD sentences once …", file=sys.stderr)
    vectors = np.asarray(embedder.encode(sentences), dtype=np.float32)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cited-scale-") as tmp:
        tmp = Path(tmp)
        pool = tmp / "pool"
        pool.with_suffix(".json").write_text(json.dumps(sentences), encoding="utf-8")
        write_flat_vectors(pool.with_suffix(".faiss"), vectors, vectors.shape[1])
        new_document = tmp / "new-document.txt"
        rng = random.Random(SEED + 1)
        new_document.write_text("\n\n".join(" ".join(rng.sample(sentences, SENTENCES_PER_PASSAGE))
                                            for _ in range(PARAGRAPHS_PER_DOCUMENT)), encoding="utf-8")
        for n in sizes:
            for store_name, store in _stores(settings, tmp, n, getattr(args, "milvus_only", False)):
                if hasattr(store, "drop"):
                    store.drop()  # what an earlier run left in the same Milvus
                started = time.perf_counter()
                if store_name == "folder":
                    _child("import sys; from eval.scale import build_folder; build_folder(sys.argv[1], int(sys.argv[2]), "
                           "sys.argv[3], sys.argv[4])", [store.location, str(n), str(pool), embedder.name],
                           f"--scale {n}: building the index")
                else:
                    build_index(store, n, sentences, vectors, embedder.name, settings, slice_size=MILVUS_SLICE)
                build_s = time.perf_counter() - started
                if hasattr(store, "close"):
                    store.close()  # Milvus Lite: the measuring process must be able to open the file
                code = ("import json, sys; from pathlib import Path; from eval.scale import measure; "
                        "print(json.dumps(measure(sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3]))))")
                measured = _child(code, [store.location, json.dumps(questions), str(new_document)],
                                  f"--scale {n}: measuring")
                row = {"chunks": n, "store": store_name, **json.loads(measured.strip().splitlines()[-1]),
                       "disk_mb": _disk_mb(store), "build_s": build_s}
                if hasattr(store, "drop"):
                    store.drop()
                    store.close()
                rows.append(row)
                if not args.json:
                    print(_line(row), file=sys.stderr)
    if args.json:
        print(json.dumps(rows if len(rows) > 1 else rows[0], indent=2))
    else:
        print("\n" + _header())
        for row in rows:
            print(_line(row))
    if getattr(args, "out", None):
        _plot(rows, Path(args.out))
    return 0


def _header() -> str:
    return (f"{'chunks':>10} {'store':>7} {'open s':>8} {'query p50 ms':>13} {'p95 ms':>8} {'add doc s':>10} {'another s':>10} "
            f"{'p50 after ms':>13} {'compact s':>10} {'reader p50':>10} {'recall@10':>9} {'rss MB':>8} {'peak MB':>8} "
            f"{'disk MB':>8} {'engine MB':>9}")


def _line(row: dict) -> str:
    disk = "-" if row["disk_mb"] is None else f"{row['disk_mb']:.0f}"
    engine = "-" if row.get("engine_rss_mb") is None else f"{row['engine_rss_mb']:.0f}"
    recall = "-" if row.get("dense_recall_at_10") is None else f"{row['dense_recall_at_10']:.3f}"
    return (f"{row['chunks']:>10,} {row['store']:>7} {row['open_s']:>8.2f} {row['query_p50_ms']:>13.1f} {row['query_p95_ms']:>8.1f} "
            f"{row['add_document_s']:>10.2f} {row['add_another_s']:>10.2f} {row['query_p50_after_add_ms']:>13.1f} {row['compact_s']:>10.2f} "
            f"{row.get('query_p50_reader_ms', float('nan')):>10.1f} {recall:>9} "
            f"{row['rss_mb']:>8.0f} {row['peak_rss_mb']:>8.0f} {disk:>8} {engine:>9}")


def _plot(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
    for ax, key, label in zip(axes, ("open_s", "query_p50_ms", "add_another_s", "rss_mb"),
                              ("open (s)", "query p50 (ms)", "add a document, encoder loaded (s)",
                               "memory serving (MB)")):
        for store in dict.fromkeys(r["store"] for r in rows):
            mine = [r for r in rows if r["store"] == store]
            ax.plot([r["chunks"] for r in mine], [r[key] for r in mine], marker="o", label=store)
        ax.axhline(TARGETS_AT_A_MILLION[key], color="grey", linestyle="--", linewidth=1, label="target at 1,000,000")
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        ax.set_title(label)
        ax.set_xlabel("passages")
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(out / "scale.png", dpi=110)
    plt.close(fig)
