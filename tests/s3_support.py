"""A real S3-compatible server on 127.0.0.1 (moto's server mode) and a fault proxy in front of it, for the
delivery tests. Fake credentials only; nothing leaves the machine."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAKE_KEY_ID = "AKIAFAKEKEYID4TESTS77"
FAKE_SECRET = "fake-Secret-Never-Logged-5c0e9a41b7"


def aws_env(env: dict | None = None) -> dict:
    """Environment with fake AWS credentials and no other AWS configuration (no ~/.aws, no profile)."""
    out = dict(env or {})
    for var in list(out):
        if var.startswith("AWS_"):
            del out[var]
    out.update(
        AWS_ACCESS_KEY_ID=FAKE_KEY_ID,
        AWS_SECRET_ACCESS_KEY=FAKE_SECRET,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE="/nonexistent/aws-config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/aws-credentials",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return out


class FaultProxy:
    """Forwards every request to ``upstream`` (host, port), except that the first ``fail_first`` requests get
    ``status`` with an S3 error document, as a real S3 front end does under load."""

    def __init__(self, upstream: tuple[str, int], fail_first: int = 0, status: int = 503):
        self.upstream, self.remaining, self.status = upstream, fail_first, status
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status returned)
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _any(self):
                body = self._body()
                with outer._lock:
                    fail = outer.remaining > 0
                    outer.remaining -= 1 if fail else 0
                if fail:
                    doc = (
                        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code>'
                        b"<Message>injected by the test proxy</Message></Error>"
                    )
                    self.send_response(outer.status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(doc)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(doc)
                    outer.requests.append((self.command, self.path, outer.status))
                    return
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("transfer-encoding", "connection")
                }
                headers["Content-Length"] = str(len(body))
                conn = http.client.HTTPConnection(*outer.upstream, timeout=60)
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                length = resp.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
                for k, v in resp.getheaders():
                    if k.lower() not in (
                        "transfer-encoding",
                        "connection",
                        "content-length",
                        "server",
                        "date",
                    ):
                        self.send_header(k, v)
                self.send_header("Content-Length", length or "0")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()
                outer.requests.append((self.command, self.path, resp.status))

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
