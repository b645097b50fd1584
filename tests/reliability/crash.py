"""One index write that dies abruptly (SIGKILL to itself) at a chosen step of
retrieval.store.write_index (a whole write) or retrieval.segments.append (a segment), for the
fault tests:

    python -m tests.reliability.crash POINT INDEX_DIR remove DOC_ID
    python -m tests.reliability.crash POINT INDEX_DIR ingest FILE      (the real bundled model)

POINT is one of STEPS. The write runs in its own process so that the death is real: no finally
blocks, no atexit, buffers unflushed.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys

STEPS = (
    "writing-files",  # documents.jsonl, chunks.jsonl and chunks.faiss written, sentences.faiss not yet
    "before-swap",  # the new index complete in its temporary folder, the old one untouched
    "after-exchange",  # renameat2 swapped them: the new index is live, the old one in the temporary folder
    "fallback-between-renames",  # no renameat2: the old index moved aside, the new one not yet in place
    "fallback-after-renames",  # no renameat2: the new index in place, the old one not yet deleted
)
SEGMENT_STEPS = (
    "segment-files",  # a segment's documents, chunks and chunk vectors written, its sentence vectors not yet
    "before-manifest",  # the segment whole in its folder, the manifest that names it not yet in place
)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(step: str) -> None:
    from retrieval.index import atomic, segments
    from retrieval.index import folder as store

    # Whole writes for the whole-write steps; a segment (or a new manifest alone) for the others.
    share = 1.0 if step in SEGMENT_STEPS else 0.0
    segments.SEGMENT_SHARE = segments.DEAD_SHARE = share
    segments.SEGMENTS_FROM = 1
    if step in ("writing-files", "segment-files"):
        write, calls = store.write_flat_vectors, []

        def write_then_die_on_the_second(*args):
            calls.append(1)
            if len(calls) == 2:
                die()
            return write(*args)

        store.write_flat_vectors = write_then_die_on_the_second
    elif step == "before-manifest":
        replace = os.replace

        def die_before_the_manifest(src, dst):
            if str(dst).endswith("manifest.json"):
                die()
            return replace(src, dst)

        os.replace = die_before_the_manifest
    elif step == "before-swap":
        atomic.swap_in = lambda tmp, path: die()
    elif step == "after-exchange":
        exchange = atomic._exchange

        def exchange_then_die(a, b):
            if not exchange(a, b):
                sys.exit("renameat2(RENAME_EXCHANGE) is not available here")
            die()

        atomic._exchange = exchange_then_die
    elif step.startswith("fallback-"):
        atomic._exchange = lambda a, b: False
        rename, rmtree = os.rename, shutil.rmtree

        def rename_then_die(src, dst):
            rename(src, dst)
            if step == "fallback-between-renames" and ".old-" in str(dst):
                die()

        def die_before_deleting_the_old(path, *args, **kwargs):
            if step == "fallback-after-renames" and ".old-" in str(path):
                die()
            return rmtree(path, *args, **kwargs)

        os.rename, shutil.rmtree = rename_then_die, die_before_deleting_the_old
    else:
        sys.exit(f"unknown step {step!r}: one of {', '.join(STEPS + SEGMENT_STEPS)}")


def main(argv: list[str]) -> int:
    step, index_dir, action, target = argv
    from retrieval.base.settings import Settings

    settings = Settings.from_env(environ={}, index_dir=index_dir)
    arm(step)
    if action == "remove":
        from ingest.pipeline import remove_document

        remove_document(settings, target)
    else:
        from ingest.pipeline import ingest

        ingest([target], settings)
    return 3  # the write finished: the step was never reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
