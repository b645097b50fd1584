"""The `cited` command line's parser: every command's flags, and the settings they map onto
(CITED_* environment variables first, then flags). The eval, train and bench options are added
only for their own command, so that `cited ask` does not import them."""

from __future__ import annotations

import argparse

from cited import __version__
from retrieval.base.params import MODES
from retrieval.base.settings import Settings

EPILOG = """examples:
  cited ingest data/ecss-pakistan-iran-deescalation.txt
  cited ask "Who wrote the article?"
  cited ask "What share of Pakistan's population is Shiite?" --json
  cited ask --chat                # a conversation in the terminal, with follow-ups
  cited check "Pakistan's Shiites are about a tenth of its people."   # is it in the article?
  cited chat                      # the web app on http://127.0.0.1:7860
  cited eval --mode all --out eval-out
environment: CITED_INDEX, CITED_MODEL, CITED_K, CITED_MODE, CITED_HOST, CITED_PORT, CITED_AUTH,
  CITED_MAX_QUESTION_CHARS, CITED_MAX_FILE_MB map onto the flags of the same name."""


def _common(p: argparse.ArgumentParser, retrieval: bool = False) -> None:
    p.add_argument("--index", metavar="DIR", help="index folder (default .cited/index, or $CITED_INDEX)")
    p.add_argument("--store", metavar="URI",
                   help="keep the index in Milvus instead of a folder: milvus:///path/file.db (Milvus Lite, on this "
                        "machine) or http://host:19530 (a Milvus server; $CITED_MILVUS_TOKEN); or $CITED_STORE")
    p.add_argument("--model", metavar="NAME_OR_PATH", help="sentence-transformers model (default: bundled all-MiniLM-L6-v2)")
    if retrieval:
        p.add_argument("-k", type=int, metavar="N", help="passages to retrieve (default 5)")
        p.add_argument("--mode", choices=MODES, help="retrieval mode (default hybrid)")
        p.add_argument("--doc", metavar="DOC", help="ask only this document (see `cited list`)")
        _reader_flags(p)
        _llm_flags(p)
        _verifier_flags(p)


def _reader_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--reader", metavar="PATH|bundled",
                       help="the reader that marks short answers, leads with the sentence it is surest of and abstains "
                            "when no sentence answers: 'bundled' (retrieval/models/reader, the default) or a folder made "
                            "by `cited train-reader` (or $CITED_READER; 'none' for no reader)")
    group.add_argument("--no-reader", action="store_true",
                       help="no reader: whole sentences only, chosen and abstained on by similarity alone")


def _verifier_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--verifier", metavar="PATH|bundled",
                       help="the verifier that checks written sentences against the article in any words: 'bundled' "
                            "(retrieval/models/verifier, the default) or a folder made by `cited train-verifier` "
                            "(or $CITED_VERIFIER; 'none' for none)")
    group.add_argument("--no-verifier", action="store_true",
                       help="no verifier: a sentence is supported only in the article's own words")


def _llm_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm", metavar="URL",
                   help="also have an LLM write the answer from the passages: an OpenAI-compatible server, e.g. "
                        "http://127.0.0.1:11434/v1 (Ollama) or a llama.cpp server; each sentence is checked against "
                        "the article. Off by default (or $CITED_LLM); an API key comes from $CITED_LLM_API_KEY")
    p.add_argument("--llm-model", metavar="NAME", help="the server's model (default: the first it lists)")
    p.add_argument("--llm-unsupported", choices=("flag", "remove"),
                   help="sentences the check does not support: shown flagged (default) or removed")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; given the command about to run, the eval, train-reader and bench options
    (defined in eval/, which imports numpy and retrieval) are added only for that one, so that
    `cited ask` does not import them."""
    def wanted(name: str) -> bool:
        return command is None or command == name

    parser = argparse.ArgumentParser(
        prog="cited", description="Answers from an article's own sentences, cited to its paragraphs.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cited {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("ingest", help="add articles (files, folders, URLs) to the index")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".txt .md .html .pdf files, folders, or http(s) URLs")
    _common(p)
    p.add_argument("--rebuild", action="store_true", help="start a new index instead of adding to the existing one")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS", help="give up on a URL after this long (default 15)")

    p = sub.add_parser("ask", help="ask a question; prints the answer and its cited paragraphs")
    p.add_argument("question", nargs="?", help="the question (or use --questions, or --chat)")
    p.add_argument("--questions", metavar="FILE.jsonl",
                   help='batch: one {"id": …, "question": …} per line; lines with the same "conversation" value '
                        "are one conversation, asked in file order, each turn seeing the ones before")
    p.add_argument("--chat", action="store_true",
                   help="a conversation in the terminal: follow-ups (\"And Iran's?\") are read with the earlier "
                        "questions; /new starts over, an empty line or Ctrl-D ends")
    p.add_argument("--json", action="store_true", help="print the answer as JSON (one line per question)")
    _common(p, retrieval=True)

    p = sub.add_parser("chat", help="open the chat web app")
    _common(p)
    p.add_argument("--host", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--auth", metavar="USER:PASSWORD", help="require a login (or $CITED_AUTH)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    _reader_flags(p)
    _llm_flags(p)
    _verifier_flags(p)
    p.add_argument("--mcp", action="store_true",
                   help="also serve the ask and search tools to MCP clients (agents, editors) at /gradio_api/mcp/")

    p = sub.add_parser("check", help="check a text against the article: each sentence supported, contradicted or not "
                       "in it, with the paragraph that decides")
    p.add_argument("text", nargs="?", metavar="TEXT", help='the text to check, or "-" to read it from standard input')
    p.add_argument("--file", metavar="FILE", help="check the text of this file instead")
    p.add_argument("--doc", metavar="DOC", help="check against this document only (see `cited list`)")
    p.add_argument("-k", type=int, metavar="N", help="passages read per sentence (default 5)")
    p.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    _common(p)
    _verifier_flags(p)

    p = sub.add_parser("list", help="the documents in the index")
    _common(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", help="a document's metadata and the cleaned text that was indexed, by paragraph")
    p.add_argument("doc", metavar="DOC", help="a document id from `cited list`, or the file path or URL it came from")
    _common(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("remove", help="take a document out of the index")
    p.add_argument("doc", metavar="DOC", help="a document id from `cited list`, or the file path or URL it came from")
    _common(p)

    p = sub.add_parser("compact", help="merge the segments small adds left into one index (a large library)")
    _common(p)

    p = sub.add_parser("milvus-serve", help="serve a Milvus Lite file to several processes (--store http://HOST:PORT)")
    p.add_argument("path", metavar="PATH", help="the Milvus Lite file, e.g. /tmp/cited.db")
    p.add_argument("--port", type=int, default=19530, help="port to listen on (default 19530)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 opens it to the network)")

    p = sub.add_parser("eval", help="evaluate retrieval and answers on an eval set or SQuAD")
    if wanted("eval"):
        from eval.cli import add_eval_arguments

        add_eval_arguments(p)
        _common(p)
        _reader_flags(p)
        _verifier_flags(p)

    p = sub.add_parser("train-reader", help="train the reader (short answers, abstention) on SQuAD; ~80 min on 2 cores")
    if wanted("train-reader"):
        from eval.train_reader import add_arguments as add_train_arguments

        add_train_arguments(p)

    p = sub.add_parser("train-verifier", help="train the verifier (does the article say this?) on NLI and SQuAD; "
                       "~90 min on 2 cores")
    if wanted("train-verifier"):
        from eval.train_verifier import add_arguments as add_verifier_arguments

        add_verifier_arguments(p)

    p = sub.add_parser("bench", help="measure speed and memory")
    if wanted("bench"):
        from eval.bench import add_bench_arguments

        add_bench_arguments(p)
        _common(p)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        index_dir=getattr(args, "index", None),
        store=getattr(args, "store", None),
        model=getattr(args, "model", None),
        k=getattr(args, "k", None),
        mode=getattr(args, "mode", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        auth=getattr(args, "auth", None),
        reader="" if getattr(args, "no_reader", False) else getattr(args, "reader", None),
        verifier="" if getattr(args, "no_verifier", False) else getattr(args, "verifier", None),
        llm=getattr(args, "llm", None),
        llm_model=getattr(args, "llm_model", None),
        llm_unsupported=getattr(args, "llm_unsupported", None),
    )
