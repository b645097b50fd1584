"""`cited bench`: speed and memory on the machine at hand, ours against the tutorial baseline.

Every figure is measured in this run; nothing is asserted. Memory is the peak resident set size
of a separate process (ingest, chat server), sampled by psutil.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from eval.gold import load_eval_set
from eval.sets import DEFAULT_SET, DEFAULT_SQUAD
from retrieval.base.settings import Settings

QUESTION = "What share of Pakistan's population is Shiite?"


def main(args, settings: Settings) -> int:
    if args.load:
        from eval.load import main as load_main

        return load_main(["--clients", str(args.clients), "--seconds", str(args.seconds),
                          "--index", str(settings.index_dir)])
    rows: list[tuple[str, str, str, str]] = []  # (figure, ours, tutorial, ours/tutorial)
    with tempfile.TemporaryDirectory(prefix="cited-bench-") as tmp:
        tmp = Path(tmp)
        bench_settings = replace(settings, index_dir=tmp / "index")
        print(f"cited bench on {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}", file=sys.stderr)
        rows += ingest_figures(bench_settings, tmp, args.squad)
        rows += query_figures(bench_settings, args.queries)
        rows += check_figures(bench_settings)
        rows += cold_start_figures(bench_settings)
        rows += memory_figures(bench_settings, tmp)
    print_rows(rows)
    return 0


# --- ingest ----------------------------------------------------------------------------------


def ingest_figures(settings: Settings, tmp: Path, squad: str | None) -> list[tuple]:
    from eval.squad import article_text, load_squad
    from ingest.pipeline import ingest
    from retrieval.search.embed import load_embedder

    started = time.perf_counter()
    embedder = load_embedder(settings.model, settings.batch_size, settings.encoder_runtime)
    load_s = time.perf_counter() - started
    corpora = {"article": [str(settings.default_article)]}
    squad_path = Path(DEFAULT_SQUAD if squad in (None, "default") else squad)
    if squad_path.exists():
        folder = tmp / "squad"
        folder.mkdir()
        for i, a in enumerate(load_squad(squad_path)):
            (folder / f"{i:02d}.txt").write_text(article_text(a), encoding="utf-8")
        corpora["SQuAD, 8 articles"] = [str(p) for p in sorted(folder.glob("*.txt"))]
    rows = [("model load (s)", f"{load_s:.2f}", "", "")]
    # Warm: the encoder, and the imports and caches of the readers, cleaner and splitters.
    embedder.encode(["warm up the encoder"] * 8)
    ingest(corpora["article"], replace(settings, index_dir=tmp / "warm-up"), embedder=embedder, rebuild=True)
    from retrieval.index.folder_read import read_index

    for name, files in corpora.items():
        target = replace(settings, index_dir=tmp / f"ingest-{len(rows)}")
        ours_s = _median_seconds(lambda: ingest(files, target, embedder=embedder, rebuild=True))
        index = read_index(target.index_dir)
        passages = [c.text for c in index.chunks]
        raw_s = _median_seconds(lambda: _raw_encode(embedder, passages))
        batch_s = _median_seconds(lambda: embedder.encode(passages))
        # What ingest itself encodes: every sentence once (a passage's vector is their mean).
        sentences = [c.embed_text(s) for c in index.chunks for s in c.sentence_texts()]
        raw_sentences_s = _median_seconds(lambda: _raw_encode(embedder, sentences))
        tutorial_passages = len(_tutorial_texts(files))
        tut_s = _median_seconds(lambda: _faiss_flat(embedder.encode(_tutorial_texts(files))))
        ours_pps, raw_pps, tut_pps = len(passages) / ours_s, len(passages) / raw_s, tutorial_passages / tut_s
        rows += [
            (f"ingest {name}: time (s)", f"{ours_s:.2f}", f"{tut_s:.2f}", _ratio(ours_s, tut_s)),
            (f"ingest {name}: passages", f"{len(passages)}", f"{tutorial_passages}", ""),
            (f"ingest {name}: passages/s", f"{ours_pps:.0f}", f"{tut_pps:.0f}", _ratio(ours_pps, tut_pps)),
            ("raw encoder on the same passages: passages/s", f"{raw_pps:.0f}", "", ""),
            ("ingest throughput / raw encoder", f"{ours_pps / raw_pps:.0%}", "", ""),
            ("our batch encoder on the same passages: passages/s", f"{len(passages) / batch_s:.0f}", "", ""),
            (f"ingest throughput / raw encoder on the {len(sentences)} sentences ingest encodes",
             f"{raw_sentences_s / ours_s:.0%}", "", ""),
        ]
    return rows


def _median_seconds(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def _raw_encode(embedder, passages: list[str]) -> None:
    """The encoder as its library runs it: one sentence-transformers encode() call, with torch's
    default thread count (ours runs one thread per batch, eval/README.md)."""
    import torch

    bulk = embedder.bulk() if hasattr(embedder, "bulk") else embedder  # the ONNX encoder's many-text path
    model = getattr(bulk, "model", None)
    if model is None:  # the hashing test encoder has no library to compare with
        embedder.encode(passages)
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)
    try:
        model.encode(passages, batch_size=bulk.batch_size, normalize_embeddings=True)
    finally:
        torch.set_num_threads(threads)


def _tutorial_texts(files: list[str]) -> list[str]:
    """The tutorial's ingest: the raw files split into 1000-character chunks."""
    from eval.tutorial import tutorial_chunks

    return [c.text for f in files for c in tutorial_chunks("t", Path(f).read_text(encoding="utf-8"))]


def _faiss_flat(vectors: np.ndarray):
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index


# --- queries ---------------------------------------------------------------------------------


def query_figures(settings: Settings, count: int) -> list[tuple]:
    from cited.library import Library
    from eval.tutorial import tutorial_answerer
    from retrieval.search.reader import BUNDLED_READER, WEIGHTS

    library = Library(replace(settings, reader=""))
    library.add(settings.default_article, rebuild=True)
    ours = library.view().answerer
    tutorial = tutorial_answerer(ours)
    questions = [q.question for q in load_eval_set(DEFAULT_SET)]
    questions = (questions * (count // len(questions) + 1))[:count]
    for q in questions[:5]:  # warm caches and lazy imports
        ours.ask(q)
    figures = {}
    for name, answerer, mode in (("ours", ours, "hybrid"), ("tutorial", tutorial, "dense")):
        search = _timed(lambda q: answerer.retriever.search(q, k=5, mode=mode), questions)
        full = _timed(lambda q: answerer.ask(q, k=5, mode=mode), questions)
        figures[name] = (search, full)
    rows = []
    for label, i in (("retrieval alone", 0), ("full answer, no reader", 1)):
        for p in (50, 95):
            a, b = np.percentile(figures["ours"][i], p), np.percentile(figures["tutorial"][i], p)
            rows.append((f"warm {label} p{p} (ms)", f"{a:.1f}", f"{b:.1f}", _ratio(a, b)))
    reader = settings.reader or ("bundled" if (BUNDLED_READER / WEIGHTS).exists() else "")
    if reader:
        reading = Library(replace(settings, reader=reader)).view().answerer
        for q in questions[:5]:
            reading.ask(q)
        full = _timed(lambda q: reading.ask(q, k=5), questions)
        for p in (50, 95):
            rows.append((f"warm full answer with the reader p{p} (ms)", f"{np.percentile(full, p):.1f}", "", ""))
        follow_ups = _follow_ups()
        timed = _timed(lambda turn: reading.ask(turn[1], k=5, history=turn[0]), follow_ups)
        for p in (50, 95):
            rows.append((f"warm follow-up with the reader p{p} (ms)", f"{np.percentile(timed, p):.1f}", "", ""))
    return rows


def _follow_ups() -> list[tuple[list[str], str]]:
    """(earlier questions, question) of every follow-up turn of the conversation set: what a chat
    asks, its reading (and any earlier question asked again for its answer) included."""
    from eval.conversations import load_conversations
    from eval.sets import DEFAULT_CONVERSATIONS

    return [([t.question for t in conversation[:i]], conversation[i].question)
            for conversation in load_conversations(DEFAULT_CONVERSATIONS) for i in range(1, len(conversation))]


# Five sentences as an LLM might write them from the passages of QUESTION, citing none (each is
# attributed), and a 20-sentence text of the article's facts in other words, and some not in it.
LLM_ANSWER = ("About 10% to 15% of Pakistan's population is Shiite. That is roughly 37 million people. "
              "The Shiite share is estimated from prevailing estimates. Pakistan has seen sectarian violence "
              "since 1947. The Therhi massacre took place on June 3, 1963.")
CHECKED_TEXT = " ".join([LLM_ANSWER] * 4)


def check_figures(settings: Settings) -> list[tuple]:
    """The verifier's check, warm: a 5-sentence LLM answer against its 5 passages, and a
    20-sentence text against the article (`cited check`)."""
    from cited.library import Library
    from retrieval.search.verifier import BUNDLED_VERIFIER, WEIGHTS

    verifier = settings.verifier or ("bundled" if (BUNDLED_VERIFIER / WEIGHTS).exists() else "")
    if not verifier:
        return []
    library = Library(replace(settings, verifier=verifier))
    view = library.view()
    passages = list(view.ask(QUESTION).passages)
    checker = view.checker()
    for _ in range(3):  # warm caches and lazy imports
        checker.check(LLM_ANSWER, passages)
    answer = _timed(lambda _: checker.check(LLM_ANSWER, passages), ["answer"] * 20)
    text = _timed(lambda _: view.check(CHECKED_TEXT), ["text"] * 5)
    return [("warm check of a 5-sentence LLM answer p50 (ms)", f"{np.percentile(answer, 50):.1f}", "", ""),
            ("warm `cited check` of a 20-sentence text p50 (ms)", f"{np.percentile(text, 50):.0f}", "", "")]


def _timed(fn, questions: list[str]) -> list[float]:
    out = []
    for q in questions:
        started = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - started) * 1000)
    return out


# --- processes -------------------------------------------------------------------------------


def cold_start_figures(settings: Settings) -> list[tuple]:
    """Process start to printed answer, the question embedded on onnxruntime (the default, with
    and without the reader) and on torch; and, for scale, how long `import torch` alone takes on
    this machine."""
    ask = [sys.executable, "-m", "ui.cli", "ask", QUESTION, "--json", "--index", str(settings.index_dir)]
    onnx = _median_run(ask, _env())
    no_reader = _median_run(ask + ["--no-reader"], _env())
    on_torch = _median_run(ask, {**_env(), "CITED_ENCODER_RUNTIME": "torch"})
    torch_import = _median_run([sys.executable, "-c", "import torch"], _env())
    return [
        ("cold `cited ask`, process start to answer, median of 3 (s)", f"{onnx:.2f}", "", ""),
        ("cold `cited ask --no-reader`, median of 3 (s)", f"{no_reader:.2f}", "", ""),
        ("cold `cited ask` with the encoder on torch, median of 3 (s)", f"{on_torch:.2f}", "", ""),
        ("`python -c 'import torch'` alone, median of 3 (s)", f"{torch_import:.2f}", "", ""),
        ("cold `cited ask` / import torch", f"{onnx / torch_import:.0%}", "", ""),
    ]


def _median_run(command: list[str], env: dict[str, str], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def memory_figures(settings: Settings, tmp: Path) -> list[tuple]:
    from eval.server import chat_server_process

    ingest_cmd = [sys.executable, "-m", "ui.cli", "ingest", str(settings.default_article), "--index",
                  str(tmp / "memory-index"), "--quiet"]
    process = subprocess.Popen(ingest_cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ingest_peak = _peak_rss(process)
    rows = [("peak memory of `cited ingest` (MB)", f"{ingest_peak / 1e6:.0f}", "", "")]
    for label, extra, check in ((" without the reader or the verifier, 40 questions", ("--no-reader", "--no-verifier"),
                                 False),
                                (" with the reader, without the verifier, 40 questions", ("--no-verifier",), False),
                                (" with the reader and the verifier (the default), 40 questions and 10 checks", (),
                                 True)):
        with chat_server_process(settings.index_dir, tmp / "server.log", *extra) as (url, server):
            sampler = _Sampler(server.pid)
            from gradio_client import Client

            client = Client(url, verbose=False)
            for q in [q.question for q in load_eval_set(DEFAULT_SET)][:40]:
                client.predict(q, api_name="/ask")
            for _ in range(10 if check else 0):
                client.predict(LLM_ANSWER, "", api_name="/check")
            rows.append((f"peak memory of the chat server{label} (MB)", f"{sampler.stop() / 1e6:.0f}", "", ""))
    return rows


class _Sampler:
    def __init__(self, pid: int, interval: float = 0.05) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _peak_rss(process: subprocess.Popen) -> int:
    sampler = _Sampler(process.pid, interval=0.02)
    process.wait()
    return sampler.stop()


def _env() -> dict[str, str]:
    from eval.server import child_environment

    env = child_environment()
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    return env


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else ""


def print_rows(rows: list[tuple]) -> None:
    header = ("figure", "cited", "tutorial", "cited/tutorial")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    for r in [header, tuple("-" * w for w in widths), *rows]:
        print(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}")
