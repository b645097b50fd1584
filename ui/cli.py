"""`cited` — the command line: ingest, ask, chat, list, show, remove, compact, eval, bench, train-reader."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from retrieval.base.errors import CitedError, EmptyTextToCheck
from retrieval.base.settings import Settings
from ui.cli_parser import build_parser, settings_from
from ui.conversation import conversation_document


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
    answered: dict[str, list[dict]] = {}  # conversation → its answers so far
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
        answers = answered.setdefault(str(conversation), []) if conversation is not None else []
        echo = {"id": qid} if conversation is None else {"id": qid, "conversation": conversation}
        try:
            doc = args.doc or conversation_document(question, answers, history, library.view().documents) or None
            answer = library.ask(question, k=args.k, mode=args.mode, doc=doc, history=list(history))
            answers.append(answer.to_json())
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
    answers: list[dict] = []
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
            answers.clear()
            continue
        try:
            doc = args.doc or conversation_document(question, answers, history, library.view().documents) or None
            answer = library.ask(question, k=args.k, mode=args.mode, doc=doc, history=list(history))
        except CitedError as e:
            print(f"error: {e}", file=sys.stderr)
            continue
        history.append(question)
        answers.append(answer.to_json())
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


def cmd_check(args, settings: Settings) -> int:
    from cited.library import Library
    from ui.text_output import format_checked

    text = _text_to_check(args)
    library = Library.with_bundled_article(settings, quiet=args.json)
    with _progress("checking", enabled=not args.json) as on_sentence:
        checked = library.check(text, k=args.k, doc=args.doc, on_sentence=on_sentence)
    if args.json:
        print(json.dumps(checked.to_json(), ensure_ascii=False))
    else:
        print(format_checked(checked, documents=_metadata(library)))
    return 0


def _text_to_check(args) -> str:
    """The text `cited check` was given: the argument, a file, or standard input ("-")."""
    if (args.text is None) == (args.file is None):
        raise EmptyTextToCheck() if args.text is None else CitedError(
            "Give the text to check once: as an argument, or with --file FILE, not both.")
    if args.file is not None:
        try:
            return Path(args.file).read_bytes().decode("utf-8", "replace")
        except OSError as e:
            raise CitedError(f"{args.file}: cannot read it ({e.strerror}); give a readable text file.") from None
    return sys.stdin.read() if args.text == "-" else args.text


@contextmanager
def _progress(what: str, enabled: bool):
    """A progress bar on stderr for a long run (shown only if it lasts over half a second)."""
    from tqdm import tqdm

    with tqdm(total=0, desc=what, unit="sentence", file=sys.stderr, disable=not enabled, delay=0.5) as bar:
        def on_step(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield on_step


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


def cmd_milvus_serve(args, settings: Settings) -> int:
    from retrieval.index.milvus_serve import serve

    return serve(Path(args.path), args.port, args.host)


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
    "train-reader": cmd_train_reader, "train-verifier": cmd_train_verifier, "check": cmd_check,
    "ingest": cmd_ingest, "ask": cmd_ask, "chat": cmd_chat, "list": cmd_list,
    "remove": cmd_remove, "show": cmd_show, "compact": cmd_compact, "milvus-serve": cmd_milvus_serve, "eval": cmd_eval, "bench": cmd_bench,
}

if __name__ == "__main__":
    sys.exit(main())
