"""The tests start `cited chat` the way the benchmarks do."""

from eval.server import ROOT, chat_server, free_port  # noqa: F401
