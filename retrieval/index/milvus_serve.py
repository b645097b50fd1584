"""`cited milvus-serve PATH --port N`: a Milvus Lite file served over gRPC, so that several
processes (a chat and an ingest) use one embedded Milvus at once, each with
`--store http://127.0.0.1:N`. Milvus Lite opens a file in one process at a time; its C++ engine
can also listen on a TCP address, which is what this starts (on the loopback unless told)."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

from retrieval.base.errors import StoreUnavailable


def serve(path: Path, port: int, host: str = "127.0.0.1") -> int:
    """Serve the file until interrupted (Ctrl-C, or SIGTERM); the engine, a child process that
    does not watch for its parent in this mode, is stopped with it."""
    try:
        from milvus_lite.server import Server
    except ImportError:
        raise StoreUnavailable(str(path), "milvus-lite is not installed: pip install 'cited[milvus]'") from None
    path = Path(path).absolute()
    if path.suffix != ".db" or not re.fullmatch(r"[A-Za-z0-9.\-_]{1,36}", path.name):
        raise StoreUnavailable(str(path), "Milvus Lite serves a file ending in .db, its name at most 36 letters, "
                                          "digits, '.', '-' or '_', e.g. /tmp/cited.db")
    if not 0 < port < 65536:
        raise StoreUnavailable(str(path), f"--port {port} is not a port: give 1-65535, e.g. 19530")
    path.parent.mkdir(parents=True, exist_ok=True)
    server = Server(str(path), address=f"{host}:{port}")
    if not server.init() or not server.start():
        raise StoreUnavailable(str(path), "Milvus Lite could not start on it: another process has the file open "
                                          f"(stop it), or port {port} is taken (try another --port)")
    signal.signal(signal.SIGTERM, _interrupted)
    print(f"serving {path} at http://{host}:{port} — use --store http://{host}:{port}; Ctrl-C stops", flush=True)
    try:
        while server._p.poll() is None:  # the engine's process (Milvus Lite keeps no other handle)
            time.sleep(0.5)
        raise StoreUnavailable(str(path), f"the Milvus engine exited with {server._p.returncode} (port {port} taken?)")
    except KeyboardInterrupt:
        return 0
    finally:
        if server._p is not None and server._p.poll() is None:
            server._p.terminate()
        server.stop()


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt
