"""A local stand-in for the providers' HTTP APIs (WhatsApp Graph, Telegram Bot API,
Twilio): a real HTTP server on 127.0.0.1 in a thread, answering what each test
scripts, recording every request. The only thing mocked in the provider tests is what
lies outside the product."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def multipart(self) -> dict[str, Part]:
        """A ``multipart/form-data`` body's parts by name (parsed with the standard
        library's MIME parser, independently of the client that built it)."""
        content_type = self.headers.get("Content-Type", "")
        assert content_type.startswith("multipart/form-data; boundary="), content_type
        parsed = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + self.body, policy=HTTP)
        parts = {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            parts[name] = Part(filename=part.get_filename(), content_type=part.get_content_type()
                               if part.get("Content-Type") else None, content=part.get_payload(decode=True))  # fmt: skip
        return parts


@dataclass
class Part:
    filename: str | None
    content_type: str | None
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode()


@dataclass
class FakeProvider:
    """``routes[(method, path)] = (status, body, headers)`` (or a callable taking the
    ``Call``); a path ending in ``*`` matches by prefix. Unrouted requests answer 404."""

    routes: dict = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def start(self) -> FakeProvider:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                call = Call(self.command, parts.path, parse_qs(parts.query), dict(self.headers),
                            self.rfile.read(length) if length else b"")  # fmt: skip
                fake.calls.append(call)
                answer = fake._route(call)
                if callable(answer):
                    answer = answer(call)
                status, body, headers = (*answer, {})[:3] if answer else (404, {"error": "no route"}, {})
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _serve  # noqa: N815 - http.server's names

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def _route(self, call: Call):
        key = (call.method, call.path)
        if key in self.routes:
            return self.routes[key]
        for (method, path), answer in self.routes.items():
            if method == call.method and path.endswith("*") and call.path.startswith(path[:-1]):
                return answer
        return None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calls_to(self, method: str, path_start: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith(path_start)]
