"""`cited bench`: speed and memory on the machine at hand (filled in by the benchmark work)."""

from __future__ import annotations

import argparse


def add_bench_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--squad", metavar="PATH", nargs="?", const="default", help="also ingest all SQuAD articles")
    p.add_argument("--queries", type=int, default=50, help="warm queries to time (default 50)")
    p.add_argument("--load", action="store_true", help="run the concurrent-users load test instead")
    p.add_argument("--scale", metavar="N[,N…]", help="instead: build indexes of N passages each (e.g. 10000,100000) and "
                   "print open time, query p50/p95, adding one document, memory and disk; with --store URI, on the folder "
                   "and on that Milvus side by side")
    p.add_argument("--corpus", metavar="PATH", help="with --scale: the SQuAD-format file whose sentences make the corpus "
                   "(default ../shared/benchmarks/squad-dev/squad11-dev.public.json)")
    p.add_argument("--milvus-only", action="store_true", help="with --scale and --store: the Milvus store alone "
                   "(the folder's rows from another run; at a million passages both do not fit one run's time)")
    p.add_argument("--json", action="store_true", help="with --scale: print the figures as JSON")
    p.add_argument("--out", metavar="DIR", help="with --scale: write scale.json and the curve (scale.png) here")
    p.add_argument("--clients", type=int, default=20, help="with --load: concurrent clients (default 20)")
    p.add_argument("--seconds", type=float, default=60.0, help="with --load: how long they ask (default 60)")


def run_bench(args, settings) -> int:
    if args.scale:
        from eval.scale import run_scale

        return run_scale(args, settings)
    from eval.speed import main

    return main(args, settings)
