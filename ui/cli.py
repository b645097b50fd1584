"""`cited` — the command line: ingest, ask, chat, list, show, remove, compact, eval, bench, train-reader."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from cited import __version__
from cited.errors import CitedError
from cited.params import MODES
from cited.settings import Settings

EPILOG = """examples:
  cited ingest data/ecss-pakistan-iran-deescalation.txt
  cited ask "Who wrote the article?"
  cited ask "What share of Pakistan's population is Shiite?" --json
  cited ask --chat                # a conversation in the terminal, with follow-ups
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


def _reader_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--reader", metavar="PATH|bundled",
                       help="the reader that marks short answers, leads with the sentence it is surest of and abstains "
                            "when no sentence answers: 'bundled' (retrieval/models/reader, the default) or a folder made "
                            "by `cited train-reader` (or $CITED_READER; 'none' for no reader)")
    group.add_argument("--no-reader", action="store_true",
                       help="no reader: whole sentences only, chosen and abstained on by similarity alone")


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
    p.add_argument("--mcp", action="store_true",
                   help="also serve the ask and search tools to MCP clients (agents, editors) at /gradio_api/mcp/")

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

    p = sub.add_parser("eval", help="evaluate retrieval and answers on an eval set or SQuAD")
    if wanted("eval"):
        from eval.cli import add_eval_arguments

        add_eval_arguments(p)
        _common(p)
        _reader_flags(p)

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
        llm=getattr(args, "llm", None),
        llm_model=getattr(args, "llm_model", None),
        llm_unsupported=getattr(args, "llm_unsupported", None),
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(next((a for a in argv if not a.startswith("-")), None)).parse_args(argv)
    try:
        settings = settings_from(args)
        return COMMANDS[args.command](args, settings)
    except CitedError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `cited ask … | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def cmd_ingest(args, settings: Settings) -> int:
    from cited.library import Library

    library = Library(settings)
    report = library.add(*args.paths, rebuild=args.rebuild, progress=not args.quiet, url_timeout=args.timeout)
    for e in report.failed:
        print(f"error: {e}", file=sys.stderr)
    described = _describe_documents(library, report.added + report.updated) if report.added or report.updated else {}
    for label, ids in (("added", report.added), ("updated", report.updated), ("unchanged", report.skipped)):
        for doc_id in ids:
            print(f"{label}: {doc_id}{described.get(doc_id, '')}")
    print(report.summary() + f" → {settings.index_location}")
    return max((e.exit_code for e in report.failed), default=0)


def _describe_documents(library, ids: list[str]) -> dict[str, str]:
    """' — "Title" (N paragraphs, M chunks)' for each document id, from the manifest just written."""
    out = {}
    for d in library.manifest().get("documents", []):
        if d["id"] in ids:
            title = f' — "{d["title"]}"' if d.get("title") else ""
            out[d["id"]] = f"{title} ({d['paragraphs']} paragraphs, {d['chunks']} chunks)"
    return out


def cmd_ask(args, settings: Settings) -> int:
    from cited.library import Library
    from ui.text_output import format_answer

    if args.question is None and not args.questions and not args.chat:
        raise CitedError("Give a question, e.g. cited ask \"Who wrote the article?\", or --questions FILE.jsonl, "
                         "or --chat for a conversation.")
    library = Library.with_bundled_article(settings, quiet=args.json)
    if args.questions:
        return _ask_batch(library, args)
    if args.chat:
        return _converse(library, args)
    streaming = bool(settings.llm) and not args.json and sys.stdout.isatty()
    answer = library.ask(args.question, k=args.k, mode=args.mode, doc=args.doc,
                         on_text=_stream_to_terminal if streaming else None)
    if streaming and answer.written is not None:
        print("\n")  # the streamed draft ends; the checked answer follows
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(format_answer(answer, documents=_metadata(library), unsupported=settings.llm_unsupported))
    return 0


def _stream_to_terminal(piece: str) -> None:
    """The LLM's draft as it arrives, dimmed: it is not checked yet."""
    sys.stdout.write(f"\033[2m{piece}\033[0m")
    sys.stdout.flush()


def _metadata(library) -> dict:
    return {d.id: d.meta for d in library.documents()}


def _ask_batch(library, args) -> int:
    from ui.text_output import format_answer

    path = Path(args.questions)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise CitedError(f"{path}: cannot read the questions file ({e}).") from None
    failures = 0
    histories: dict[str, list[str]] = {}  # conversation → its questions so far
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            qid, question = item.get("id", number), item["question"]
            conversation = item.get("conversation")
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            raise CitedError(f'{path}:{number}: expected {{"id": …, "question": …}} on each line.') from None
        history = histories.setdefault(str(conversation), []) if conversation is not None else []
        echo = {"id": qid} if conversation is None else {"id": qid, "conversation": conversation}
        try:
            answer = library.ask(question, k=args.k, mode=args.mode, doc=args.doc, history=list(history))
        except CitedError as e:
            failures += 1
            out = {**echo, "question": question, "error": str(e)}
            print(json.dumps(out, ensure_ascii=False) if args.json else f"[{qid}] error: {e}")
            continue
        finally:
            history.append(question if isinstance(question, str) else "")
        if args.json:
            print(json.dumps({**echo, **answer.to_json()}, ensure_ascii=False))
        else:
            print(f"[{qid}] {question}\n"
                  f"{format_answer(answer, documents=_metadata(library), unsupported=library.settings.llm_unsupported)}\n")
    return 2 if failures else 0


def _converse(library, args) -> int:
    """A conversation at the terminal prompt, with readline's line editing and history."""
    from ui.text_output import format_answer

    try:
        import readline  # noqa: F401 — arrow keys and history for input()
    except ImportError:  # Windows: plain input() still works
        pass
    interactive = sys.stdin.isatty()
    if interactive:
        print("Ask about the article; follow-ups are read with the earlier questions. "
              "/new starts over; an empty line or Ctrl-D ends.", file=sys.stderr)
    history: list[str] = []
    while True:
        try:
            question = input("? " if interactive else "").strip()
        except EOFError:
            break
        if not question:
            if interactive:
                break
            continue
        if question == "/new":
            history.clear()
            continue
        try:
            answer = library.ask(question, k=args.k, mode=args.mode, doc=args.doc, history=list(history))
        except CitedError as e:
            print(f"error: {e}", file=sys.stderr)
            continue
        history.append(question)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer, documents=_metadata(library), unsupported=library.settings.llm_unsupported)
                  + "\n", flush=True)
    return 0


def cmd_chat(args, settings: Settings) -> int:
    from ui.app import serve

    serve(settings, open_browser=not args.no_browser, mcp=args.mcp)
    return 0


def cmd_list(args, settings: Settings) -> int:
    from cited.library import Library

    manifest = Library(settings).manifest()
    docs = manifest.get("documents", [])
    if args.json:
        print(json.dumps(docs, ensure_ascii=False, indent=2))
        return 0
    print(f"{settings.index_location}: {len(docs)} document(s), model {manifest['model']}")
    if not docs:
        print("  (empty: add articles with `cited ingest PATH`)")
    for d in docs:
        authors = ", ".join(d.get("authors") or []) or "—"
        site = f"; site {d['site']}" if d.get("site") else ""
        print(f"- {d['id']}: {d.get('title') or '(untitled)'}")
        language = f"; language {d['language']}" if d.get("language") else ""
        print(f"    author {authors}; date {d.get('date') or '—'}{site}{language}; {d['paragraphs']} paragraphs, "
              f"{d['chunks']} chunks")
        print(f"    {d.get('format', '?')} from {d['source']}")
    return 0


def cmd_show(args, settings: Settings) -> int:
    from cited.library import Library
    from ui.text_output import format_document

    document = Library(settings).document(args.doc)
    if args.json:
        print(json.dumps(document_json(document), ensure_ascii=False, indent=2))
    else:
        print(format_document(document))
    return 0


def document_json(d) -> dict:
    return {
        "id": d.id, "title": d.meta.title, "authors": list(d.meta.authors), "date": d.meta.date, "site": d.meta.site,
        "source": d.meta.source, "format": d.format, "sha256": d.sha256,
        "paragraphs": [{"n": p.n, "kind": p.kind, "section": list(p.section), "page": p.page, "start": p.start,
                        "end": p.end, "text": d.paragraph_text(p)} for p in d.paragraphs],
    }


def cmd_remove(args, settings: Settings) -> int:
    from cited.library import Library

    left = Library(settings).remove(args.doc)
    print(f"removed {args.doc}; {len(left)} document(s) left in {settings.index_location}")
    return 0


def cmd_compact(args, settings: Settings) -> int:
    from cited.library import Library

    done = Library(settings).compact()
    if not done:
        print(f"nothing to compact in {settings.index_location}")
        return 0
    plural = "" if done.segments == 1 else "s"
    print(f"compacted {settings.index_location}: {done.segments} segment{plural} merged, "
          f"{done.dead_passages} passages of removed or replaced documents dropped")
    return 0


# What the `eval` extra brings (pyproject.toml): a plain `pip install cited` has none of them.
EVAL_ONLY = {"ranx", "matplotlib", "psutil", "gradio_client"}


def cmd_eval(args, settings: Settings) -> int:
    _check_eval_extra("eval")
    with _needs_eval_extra("eval"):
        from eval.cli import run_eval

        return run_eval(args, settings)


def cmd_bench(args, settings: Settings) -> int:
    _check_eval_extra("bench")
    with _needs_eval_extra("bench"):
        from eval.bench import run_bench

        return run_bench(args, settings)


def _check_eval_extra(command: str) -> None:
    """Before any work: a missing package is said at once, not after the questions have run."""
    import importlib.util

    missing = sorted(name for name in EVAL_ONLY if importlib.util.find_spec(name) is None)
    if missing:
        raise CitedError(f"`cited {command}` needs the evaluation extras ({', '.join(missing)} missing): "
                         "pip install 'cited[eval]', or run `make setup`.")


@contextmanager
def _needs_eval_extra(command: str):
    try:
        yield
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] not in EVAL_ONLY:
            raise
        raise CitedError(f"`cited {command}` needs the evaluation extras ({e.name} is missing): "
                         "pip install 'cited[eval]', or run `make setup`.") from None


def cmd_train_reader(args, settings: Settings) -> int:
    from eval.train_reader import main as train_main

    return train_main(args)


def cmd_train_verifier(args, settings: Settings) -> int:
    from eval.train_verifier import main as train_main

    return train_main(args)


COMMANDS = {
    "train-reader": cmd_train_reader, "train-verifier": cmd_train_verifier,
    "ingest": cmd_ingest, "ask": cmd_ask, "chat": cmd_chat, "list": cmd_list,
    "remove": cmd_remove, "show": cmd_show, "compact": cmd_compact, "eval": cmd_eval, "bench": cmd_bench,
}

if __name__ == "__main__":
    sys.exit(main())
