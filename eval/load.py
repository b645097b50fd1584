"""`cited bench --load` (or `python -m eval.load`): many readers at once against a real `cited chat`.

Starts the chat app as its own process on a local port, asks every question of the article's
eval set once through one client (the single-user answers, and a warm-up), then lets N clients
(gradio_client, one thread each) ask the questions in turn, back to back with no pause, for a
bounded time. Prints requests served, errors, answers that differ from the single-user answer,
throughput, latency percentiles and the server's memory (RSS) before, during and after.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from eval.server import chat_server_process

QUESTIONS_FILE = Path(__file__).resolve().parent / "sets" / "article.jsonl"
MEMORY_SAMPLE_S = 0.25
# The targets of the issue, for 20 clients on a 2-core machine.
TARGET_P95_S = 1.0
TARGET_GROWTH_MB = 50.0


def article_questions() -> list[str]:
    with open(QUESTIONS_FILE, encoding="utf-8") as f:
        return [json.loads(line)["question"] for line in f if line.strip()]


class MemorySampler:
    """The server's resident memory, sampled in the background; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = self.rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return self.process.memory_info().rss

    def _run(self) -> None:
        while not self._stop.wait(MEMORY_SAMPLE_S):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def connect(url: str, tls: ssl.SSLContext):
    """A gradio_client Client. It makes a new httpx client for every request, and with it a new TLS
    context that loads the CA bundle (many times the CPU the rest of a request costs the client);
    one context made up front, with the same checks, serves every request."""
    from gradio_client import Client

    return Client(url, verbose=False, ssl_verify=tls)


def _comparable(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "seconds"}


def single_user_answers(url: str, questions: list[str]) -> dict[str, dict]:
    """Each question once, one at a time: what a lone reader gets (also warms the server up)."""
    client = connect(url, ssl.create_default_context())
    return {q: _comparable(client.predict(q, api_name="/ask")) for q in dict.fromkeys(questions)}


def drive(url: str, clients: int, seconds: float, questions: list[str], expected: dict[str, dict]) -> dict:
    """`clients` threads, each with its own gradio_client, asking back to back until `seconds`
    have passed (a request under way at the deadline is waited for and counted)."""
    tls = ssl.create_default_context()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    mismatches: list[str] = []
    clock = {}

    def start_clock() -> None:  # run once, when every client is connected, before any asks
        clock["started"] = time.monotonic()
        clock["deadline"] = clock["started"] + seconds

    ready = threading.Barrier(clients + 1, action=start_clock)

    def user(i: int) -> None:
        try:
            client = connect(url, tls)
        except Exception as e:  # noqa: BLE001 — a client that cannot connect is an error to count
            errors.append(f"connect: {type(e).__name__}: {e}")
            ready.wait()
            return
        ready.wait()
        turn = i * 7  # each client starts elsewhere in the question list
        while time.monotonic() < clock["deadline"]:
            question = questions[turn % len(questions)]
            turn += 1
            started = time.perf_counter()
            try:
                answer = client.predict(question, api_name="/ask")
            except Exception as e:  # noqa: BLE001 — every failure of a request is counted, none stops the run
                errors.append(f"{type(e).__name__}: {' '.join(str(e).split())[:200]}")
                continue
            latencies[i].append(time.perf_counter() - started)
            if _comparable(answer) != expected[question]:
                mismatches.append(question)

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join(timeout=seconds + 120)
    elapsed = time.monotonic() - clock["started"]
    hung = sum(t.is_alive() for t in threads)
    if hung:
        errors.append(f"{hung} client(s) still waiting 120 s after the deadline")
    flat = np.array([x for per_client in latencies for x in per_client], dtype=np.float64)
    percentile = (lambda q: float(np.percentile(flat, q))) if len(flat) else (lambda q: float("nan"))
    return {
        "requests": int(len(flat)), "errors": len(errors), "error_samples": sorted(set(errors))[:5],
        "mismatches": len(mismatches), "mismatch_samples": sorted(set(mismatches))[:5],
        "elapsed_s": elapsed, "throughput_rps": len(flat) / elapsed if elapsed else 0.0,
        "latency_p50_s": percentile(50), "latency_p95_s": percentile(95), "latency_p99_s": percentile(99),
        "latency_max_s": float(flat.max()) if len(flat) else float("nan"),
        "per_client_min": min((len(x) for x in latencies), default=0),
    }


def run_load(clients: int = 20, seconds: float = 60.0, index_dir: str | Path | None = None,
             questions: list[str] | None = None, log_path: str | Path | None = None) -> dict:
    """Start `cited chat` on the index, drive it with `clients` concurrent clients for `seconds`,
    stop it; returns the figures (see `format_report`) and, under "single_user_answers", each
    question's answer JSON (without "seconds") as one client alone got it. index_dir defaults to
    the settings' index (the bundled article is ingested first when there is none)."""
    from retrieval.base.settings import Settings

    load_average = os.getloadavg()[0]  # other work on the machine skews every figure: say how much
    index_dir = Path(index_dir or Settings.from_env().index_dir).resolve()  # the app runs in ROOT
    questions = questions or article_questions()
    with tempfile.TemporaryDirectory(prefix="cited-load-") as scratch:
        # The server's log: its tail is in the error if the app fails to start.
        figures = _measure(clients, seconds, index_dir, questions, Path(log_path or Path(scratch) / "server.log"))
    figures.update(load_average=load_average)
    figures["targets_met"] = targets_met(figures)
    return figures


def _measure(clients: int, seconds: float, index_dir: Path, questions: list[str], log_path: Path) -> dict:
    with chat_server_process(index_dir, log_path) as (url, server):
        sampler = MemorySampler(server.pid)
        rss_started = sampler.rss()
        expected = single_user_answers(url, questions)
        rss_before = sampler.rss()
        server_cpu, driver_cpu = _cpu_seconds(sampler.process), time.process_time()
        with sampler:
            figures = drive(url, clients, seconds, questions, expected)
        server_cpu = _cpu_seconds(sampler.process) - server_cpu
        driver_cpu = time.process_time() - driver_cpu
        time.sleep(1.0)  # let finished requests' buffers go before the last look
        rss_after = sampler.rss()
    mb = 1 / 2**20
    figures.update(
        clients=clients, seconds=seconds, index=str(index_dir), questions=len(set(questions)),
        rss_started_mb=rss_started * mb, rss_before_mb=rss_before * mb, rss_after_mb=rss_after * mb,
        rss_peak_mb=sampler.peak * mb, rss_growth_mb=(rss_after - rss_before) * mb,
        cpus=os.cpu_count(), single_user_answers=expected,
        server_cpu_ms_per_request=1000 * server_cpu / max(1, figures["requests"]),
        clients_cpu_ms_per_request=1000 * driver_cpu / max(1, figures["requests"]),
    )
    return figures


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def targets_met(f: dict) -> bool:
    return (f["errors"] == 0 and f["mismatches"] == 0 and f["latency_p95_s"] < TARGET_P95_S
            and f["rss_growth_mb"] < TARGET_GROWTH_MB)


def format_report(f: dict) -> str:
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    check = lambda ok: "ok" if ok else "MISSED"  # noqa: E731
    lines = [
        f"cited load: {f['clients']} concurrent clients for {f['seconds']:g} s against {f['index']} "
        f"({f['questions']} questions, {f['cpus']} CPUs, load average before {f['load_average']:.2f})",
        f"  requests served  {f['requests']}  (every client: at least {f['per_client_min']})",
        f"  errors           {f['errors']}" + "".join(f"\n    {e}" for e in f["error_samples"]),
        f"  answers differing from the single-user answer  {f['mismatches']}"
        + "".join(f"\n    {q}" for q in f["mismatch_samples"]),
        f"  throughput       {f['throughput_rps']:.1f} requests/s",
        f"  latency          p50 {ms(f['latency_p50_s'])}, p95 {ms(f['latency_p95_s'])}, "
        f"p99 {ms(f['latency_p99_s'])}, max {ms(f['latency_max_s'])}",
        f"  CPU per request  server {f['server_cpu_ms_per_request']:.0f} ms, "
        f"clients {f['clients_cpu_ms_per_request']:.0f} ms (both on this machine)",
        f"  server memory    {f['rss_started_mb']:.0f} MB at start, {f['rss_before_mb']:.0f} MB warm, "
        f"peak {f['rss_peak_mb']:.0f} MB, {f['rss_after_mb']:.0f} MB after: growth {f['rss_growth_mb']:+.1f} MB",
        f"  targets          0 errors {check(f['errors'] == 0 and f['mismatches'] == 0)}; "
        f"p95 < {TARGET_P95_S:g} s {check(f['latency_p95_s'] < TARGET_P95_S)}; "
        f"growth < {TARGET_GROWTH_MB:g} MB {check(f['rss_growth_mb'] < TARGET_GROWTH_MB)}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long they ask (default 60)")
    parser.add_argument("--index", metavar="DIR", help="index folder (default .cited/index, or $CITED_INDEX)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    figures = run_load(args.clients, args.seconds, args.index)
    figures.pop("single_user_answers")
    print(json.dumps(figures) if args.json else format_report(figures))
    return 0 if figures["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
