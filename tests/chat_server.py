"""A real local OpenAI-compatible chat server for tests: the only stand-in we allow is for a paid network
service, and it runs as a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class ChatServer:
    """An OpenAI-compatible /chat/completions endpoint playing a script of behaviours, one per request."""

    def __init__(self, translate: Callable[[str], str] = lambda text: f"<{text}>") -> None:
        self.translate = translate
        self.script: list[str] = []
        self.received: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.received.append(request)
                behaviour = server.script.pop(0) if server.script else "ok"
                payload = json.loads(request["messages"][1]["content"])
                if behaviour == "429":
                    self._send(429, b'{"error": "slow down"}', {"Retry-After": "0"})
                    return
                if behaviour == "timeout":
                    time.sleep(1.0)
                rows = [{"id": item["id"], "text": server.translate(item["text"])} for item in payload["items"]]
                if behaviour == "wrong_count":
                    rows = rows[:-1]
                content = "sorry, I cannot" if behaviour == "bad_json" else json.dumps({"translations": rows})
                body = {"choices": [{"message": {"role": "assistant", "content": content}}],
                        "usage": {"prompt_tokens": 100, "completion_tokens": 10 * len(rows)}}
                self._send(200, json.dumps(body).encode())

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except BrokenPipeError:  # the client gave up (timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def batch_sizes(self) -> list[int]:
        return [len(json.loads(r["messages"][1]["content"])["items"]) for r in self.received]

    def items_sent(self) -> list[str]:
        """Every line text the engine asked this server to translate, in order."""
        return [item["text"] for r in self.received for item in json.loads(r["messages"][1]["content"])["items"]]


@pytest.fixture
def server() -> Iterator[ChatServer]:
    chat = ChatServer()
    thread = threading.Thread(target=chat.httpd.serve_forever, daemon=True)
    thread.start()
    yield chat
    chat.httpd.shutdown()
    chat.httpd.server_close()
