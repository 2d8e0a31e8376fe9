"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, collecting every message.

    with SmtpSink() as smtp:                                  # plain SMTP
    with SmtpSink(tls=True, users={"alice": "s3cret"}) as smtp:  # STARTTLS required, then AUTH
        settings = SmtpSettings(host=smtp.host, port=smtp.port, starttls=..., ...)
        EmailNotifier(settings, ssl_context=client_ssl_context())
        smtp.wait_for_messages(1)

`reject_next(code, text, stage="RCPT")` makes the next command at that stage ("RCPT" or
"DATA") answer with `code` (e.g. 451 or 550), to test how replies are classified.
The certificate is the checked-in test one (`certs/localhost.pem`); `client_ssl_context()`
trusts exactly that certificate.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

CERTS = Path(__file__).resolve().parent / "certs"
CERT_FILE = CERTS / "localhost.pem"
KEY_FILE = CERTS / "localhost.key"


def server_ssl_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT_FILE, KEY_FILE)
    return context


def client_ssl_context() -> ssl.SSLContext:
    """A verifying client context whose only trusted certificate is the test one."""
    return ssl.create_default_context(cafile=str(CERT_FILE))


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes  # the message exactly as received after DATA
    message: EmailMessage  # parsed with the modern policy
    login: str | None  # the AUTH login used, None without AUTH
    tls: bool  # whether the session had switched to TLS (STARTTLS)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        rejection = self.sink._take_rejection("RCPT")
        if rejection:
            return rejection
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        rejection = self.sink._take_rejection("DATA")
        if rejection:
            return rejection
        content = envelope.original_content or b""
        if isinstance(envelope.content, bytes):
            content = envelope.content
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        login = getattr(session.auth_data, "login", None)
        self.sink._received(
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                data=content,
                message=parsed,
                login=login.decode() if isinstance(login, bytes) else login,
                tls=session.ssl is not None,
            )
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpSink:
    def __init__(self, *, tls: bool = False, users: dict[str, str] | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.users = dict(users or {})
        self._lock = threading.Condition()
        self._messages: list[ReceivedMail] = []
        self._rejections: dict[str, deque[str]] = {"RCPT": deque(), "DATA": deque()}
        self.auth_attempts: list[tuple[str, bool]] = []
        kwargs: dict[str, Any] = {}
        if tls:
            kwargs.update(tls_context=server_ssl_context(), require_starttls=True)
        if self.users:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self._kwargs = kwargs
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)

    def stop(self) -> None:
        """Stop listening (connections are refused), as a mail server that is down."""
        self._controller.stop()

    def start(self) -> None:
        """Listen again on the same port."""
        self._controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, **self._kwargs
        )
        self._controller.start()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        ok = self.users.get(login) == password
        with self._lock:
            self.auth_attempts.append((login, ok))
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    def _take_rejection(self, stage: str) -> str | None:
        with self._lock:
            queue = self._rejections[stage]
            return queue.popleft() if queue else None

    def _received(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._messages.append(mail)
            self._lock.notify_all()

    def reject_next(self, code: int, text: str, *, stage: str = "RCPT") -> None:
        with self._lock:
            self._rejections[stage].append(f"{code} {text}")

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def wait_for_messages(self, n: int, timeout: float = 10.0) -> list[ReceivedMail]:
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._messages) >= n, timeout=timeout):
                raise TimeoutError(f"{len(self._messages)} emails received, wanted {n}")
            return list(self._messages)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._controller.stop()
