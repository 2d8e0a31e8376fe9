"""A local HTTP server that speaks enough of Slack's Web API for tests.

It is a real server (threaded `http.server` on 127.0.0.1, a free port) that the real
`slack_sdk.WebClient` talks to over TCP: point `SlackSettings.base_url` at `.base_url`.

Methods: ``chat.postMessage`` (with ``thread_ts`` for a reply in a thread),
``chat.update``, ``chat.delete`` and ``auth.test``, with JSON or form-urlencoded bodies
(slack_sdk sends JSON for the chat methods and a form for ``auth.test``). Every request is
checked for ``Authorization: Bearer <token>`` (``invalid_auth`` otherwise) and recorded
with its headers and parsed body. `messages` are the posted messages still there (each
with its `thread_ts` and the `updates` it got), `deleted` the ones deleted;
`parents()` and `replies(ts)` read them as threads. A reply whose ``thread_ts`` names no
message in that channel answers ``thread_not_found``, so a test sees a wrong thread.

Scripting failures:

- ``fail_next(n, status=429, retry_after=1)``: the next n calls answer HTTP 429
  ``ratelimited`` with a Retry-After header;
- ``fail_next(n, status=500)``: HTTP 500 with a non-JSON body, like a failing proxy;
- ``down_for(seconds, status=500)``: every call answers that way for a while (an outage);
- ``fail_next(n, status=200, error="ratelimited")``: HTTP 200 ``{"ok": false, ...}``;
- ``set_error("channel_not_found")``: every call answers ``{"ok": false, "error": ...}``
  until ``set_error(None)``;
- ``known_channels={"#a", "#b"}``: other channels get ``channel_not_found``.

In a test::

    with SlackServer(token="xoxb-test") as slack:
        settings = SlackSettings(token="xoxb-test", base_url=slack.base_url)
        ...
        slack.wait_for_messages(1)

For a worker in a subprocess, run it as a program (it prints the base URL, then serves and
appends each recorded request as a JSON line to ``--record``)::

    python -m tests.support.slack_server --token xoxb-test --record /tmp/slack.jsonl
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DEFAULT_TOKEN = "xoxb-flashpoint-test-token"


@dataclass(frozen=True)
class RecordedRequest:
    method: str  # the Slack API method, e.g. "chat.postMessage"
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int  # the HTTP status the server answered
    response: dict[str, Any] | None  # the JSON it answered, None for a non-JSON error


@dataclass
class PostedMessage:
    channel: str
    channel_id: str
    ts: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    body: dict[str, Any]
    updates: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None  # the parent's ts, for a reply in a thread


@dataclass(frozen=True)
class _Failure:
    status: int
    retry_after: float | None
    error: str


class SlackServer:
    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        known_channels: Iterable[str] | None = None,
        record_path: Path | None = None,
    ) -> None:
        self.token = token
        self.known_channels = set(known_channels) if known_channels is not None else None
        self._record_path = record_path
        self._lock = threading.Condition()
        self._requests: list[RecordedRequest] = []
        self._messages: list[PostedMessage] = []
        self._deleted: list[PostedMessage] = []
        self._failures: deque[_Failure] = deque()
        self._error: str | None = None
        self._down_until = 0.0
        self._down_status = 500
        self._last_ts = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> SlackServer:
        server = self

        class Handler(_Handler):
            slack = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # how long stop() waits for the loop to notice
            name="slack-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SlackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the Slack test server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # -- scripting ---------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 429,
        retry_after: float | None = None,
        error: str | None = None,
    ) -> None:
        """Answer the next `n` calls with a failure (see the module docstring)."""
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error"
        with self._lock:
            self._failures.extend(_Failure(status, retry_after, error) for _ in range(n))

    def down_for(self, seconds: float, *, status: int = 500) -> None:
        """Answer every call with HTTP `status` (non-JSON) for `seconds` from now."""
        with self._lock:
            self._down_until = time.monotonic() + seconds
            self._down_status = status

    def set_error(self, error: str | None) -> None:
        """Answer every call with ``{"ok": false, "error": error}`` (None: back to normal)."""
        with self._lock:
            self._error = error

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._messages.clear()
            self._deleted.clear()
            self._failures.clear()
            self._error = None

    # -- inspection --------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def messages(self) -> list[PostedMessage]:
        """Messages posted successfully, in order."""
        with self._lock:
            return list(self._messages)

    @property
    def deleted(self) -> list[PostedMessage]:
        """Messages deleted with ``chat.delete``, in the order they were deleted."""
        with self._lock:
            return list(self._deleted)

    def parents(self, channel: str | None = None) -> list[PostedMessage]:
        """Messages that are not replies in a thread (in `channel`, if given)."""
        return [
            m
            for m in self.messages
            if m.thread_ts is None and (channel is None or channel in (m.channel, m.channel_id))
        ]

    def replies(self, ts: str) -> list[PostedMessage]:
        """The replies in the thread of the message `ts`, in order."""
        return [m for m in self.messages if m.thread_ts == ts]

    def wait_for_messages(self, n: int, timeout: float = 10.0) -> list[PostedMessage]:
        """Block until at least `n` messages were posted; raise TimeoutError otherwise."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._messages) >= n, timeout=timeout):
                raise TimeoutError(f"{len(self._messages)} Slack messages posted, wanted {n}")
            return list(self._messages)

    # -- the API -----------------------------------------------------------------------

    def _next_ts(self) -> str:
        micros = max(int(time.time() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        """(status, extra headers, JSON answer or None for a plain-text error)."""
        with self._lock:
            status, extra, answer = self._answer(method, headers, body)
            request = RecordedRequest(method, path, headers, body, status, answer)
            self._requests.append(request)
            if self._record_path is not None:
                with self._record_path.open("a", encoding="utf-8") as sink:
                    sink.write(json.dumps(asdict(request)) + "\n")
            self._lock.notify_all()
        return status, extra, answer

    def _answer(
        self, method: str, headers: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        auth = headers.get("authorization", "")
        presented = auth[len("Bearer ") :] if auth.startswith("Bearer ") else body.get("token")
        if presented != self.token:
            return (
                200,
                {},
                {"ok": False, "error": "not_authed" if not presented else "invalid_auth"},
            )
        if time.monotonic() < self._down_until:
            return self._down_status, {}, None
        if self._failures:
            failure = self._failures.popleft()
            extra = {}
            if failure.retry_after is not None:
                extra["Retry-After"] = f"{failure.retry_after:g}"
            if failure.status >= 500:
                return failure.status, extra, None
            return failure.status, extra, {"ok": False, "error": failure.error}
        if self._error is not None:
            return 200, {}, {"ok": False, "error": self._error}
        if method == "auth.test":
            return (
                200,
                {},
                {
                    "ok": True,
                    "url": "https://flashpoint-test.slack.com/",
                    "team": "Flashpoint Test",
                    "user": "flashpoint",
                    "team_id": "T00000001",
                    "user_id": "U00000001",
                    "bot_id": "B00000001",
                },
            )
        if method == "chat.postMessage":
            return self._post(body)
        if method == "chat.update":
            return self._update(body)
        if method == "chat.delete":
            return self._delete(body)
        return 200, {}, {"ok": False, "error": "unknown_method"}

    def _post(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        channel = body.get("channel")
        if not isinstance(channel, str) or not channel:
            return 200, {}, {"ok": False, "error": "channel_not_found"}
        if self.known_channels is not None and channel not in self.known_channels:
            return 200, {}, {"ok": False, "error": "channel_not_found"}
        text, blocks = body.get("text"), body.get("blocks")
        if isinstance(blocks, str):  # form bodies carry blocks as a JSON string
            blocks = json.loads(blocks)
        if not text and not blocks:
            return 200, {}, {"ok": False, "error": "no_text"}
        channel_id = _channel_id(channel)
        thread_ts = body.get("thread_ts") or None
        if thread_ts is not None and not any(
            m.ts == thread_ts and m.channel_id == channel_id for m in self._messages
        ):
            return 200, {}, {"ok": False, "error": "thread_not_found"}
        ts = self._next_ts()
        self._messages.append(
            PostedMessage(channel, channel_id, ts, text, blocks, body, thread_ts=thread_ts)
        )
        message = {"type": "message", "user": "U00000001", "text": text, "ts": ts}
        if blocks is not None:
            message["blocks"] = blocks
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        return 200, {}, {"ok": True, "channel": channel_id, "ts": ts, "message": message}

    def _update(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        channel, ts = body.get("channel"), body.get("ts")
        for message in self._messages:
            if message.ts == ts and channel in (message.channel, message.channel_id):
                message.updates.append(body)
                if "text" in body:
                    message.text = body["text"]
                if "blocks" in body:
                    message.blocks = body["blocks"]
                return (
                    200,
                    {},
                    {
                        "ok": True,
                        "channel": message.channel_id,
                        "ts": ts,
                        "text": message.text,
                    },
                )
        return 200, {}, {"ok": False, "error": "message_not_found"}

    def _delete(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        channel, ts = body.get("channel"), body.get("ts")
        for index, message in enumerate(self._messages):
            if message.ts == ts and channel in (message.channel, message.channel_id):
                self._deleted.append(self._messages.pop(index))
                return 200, {}, {"ok": True, "channel": message.channel_id, "ts": ts}
        return 200, {}, {"ok": False, "error": "message_not_found"}


def _channel_id(channel: str) -> str:
    if not channel.startswith("#"):
        return channel
    return "C" + hashlib.sha256(channel.encode()).hexdigest()[:10].upper()


class _Handler(BaseHTTPRequestHandler):
    slack: SlackServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        body: dict[str, Any] = dict(parse_qsl(url.query))
        content_type = headers.get("content-type", "").split(";")[0].strip()
        try:
            if content_type == "application/json":
                body.update(json.loads(raw or b"{}"))
            elif raw:
                body.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except (ValueError, UnicodeDecodeError):
            self._send(200, {}, {"ok": False, "error": "invalid_json"})
            return
        if not url.path.startswith("/api/"):
            self._send(404, {}, None)
            return
        status, extra, answer = self.slack.handle(url.path[5:], url.path, headers, body)
        self._send(status, extra, answer)

    def _send(self, status: int, extra: dict[str, str], answer: dict[str, Any] | None) -> None:
        if answer is None:
            payload, content_type = b"upstream error", "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps(answer).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the recorded requests are the log."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Slack Web API on 127.0.0.1")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--record", type=Path, help="append each request as a JSON line here")
    args = parser.parse_args(argv)
    with SlackServer(token=args.token, record_path=args.record) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
