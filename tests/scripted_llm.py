"""A scripted OpenAI-compatible server for tests: a real HTTP server on a loopback port that
answers /v1/models and /v1/chat/completions (streamed as server-sent events, as OpenAI does) with
the reply a test sets, or misbehaves as asked: "!empty", "!malformed", "!hang", "!500", "!close" (closes the connection
unanswered), "!crash" (that, and then refuses every connection)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "scripted-model"


class ScriptedLlm:
    def __init__(self, reply: str = "") -> None:
        self.reply = reply
        self.requests: list[dict] = []
        self.hang_seconds = 10.0
        self.piece_delay = 0.0  # seconds between streamed pieces (a slow model)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet test output
                pass

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "test"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append(body)
                reply = server.reply
                if reply == "!500":
                    return self._json(500, {"error": {"message": "boom"}})
                if reply in ("!close", "!crash"):  # dies mid-request: the connection closes unanswered
                    if reply == "!crash":  # and nothing listens any more: a retry is refused
                        server._httpd.socket.close()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return None
                if reply == "!hang":
                    time.sleep(server.hang_seconds)
                    try:
                        return self._json(200, {})
                    except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
                        return None
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                if reply == "!malformed":
                    self.wfile.write(b"data: {not json at all\n\n")
                    self.wfile.flush()
                    return
                pieces = [] if reply == "!empty" else _pieces(reply)
                for piece in pieces:
                    time.sleep(server.piece_delay)
                    self._event({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": MODEL,
                                 "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
                self._event({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": MODEL,
                             "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _event(self, payload: dict) -> None:
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
                self.wfile.flush()

            def _json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> "ScriptedLlm":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _pieces(text: str, size: int = 12) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]
