"""Email notifier: one multipart (text + HTML) message per alert over SMTP.

The bodies come from Jinja2 templates in `alerts/templates/` (``alert.txt``, and
``alert.html`` with autoescaping, so ``<script>`` in an article arrives as text). Headers
never carry article text as-is: the Subject is flattened to one line (every CR, LF and
other control character becomes a space) and cut to 150 characters, and the message is
built with ``policy=SMTP``, which refuses any header value with a line break besides.

Threads. With an `EventThreads` store and an alert whose `event` is set, the first message
of an event to an address starts a thread and the later ones reply to it. The first
message's Message-ID is derived from the event, the address and the article (so a retry
of that alert sends the same Message-ID again) and is remembered per
``(event_id, "email:<address>")`` *before* it is sent: of two workers racing, only one
sends a first message, and the other replies to it. Follow-ups carry ``In-Reply-To`` and
``References`` with the first message's id, the first message's subject behind "Re: " (so
clients that thread by subject keep them together), and say first what changed and how
the event stands. If a first message can never be delivered, the follow-ups still go out
(replying to a message the desk never got, which mail clients show as a thread of its
own). Without a store, or without `event`, each alert is a message of its own.

Connection: a new SMTP connection per alert; STARTTLS when ``smtp.starttls`` is on, and
only then LOGIN with ``smtp.username``/``smtp.password`` (a password is never sent in clear:
credentials without STARTTLS are a `ConfigError`). The Message-ID is generated with the
sender's domain and returned as the external id.

Errors: a dropped connection, a timeout, a refused or reset connection and any 4xx reply
are retryable; 5xx replies (and a server without STARTTLS, or a certificate that does not
verify) are not. No message ever contains the password.

Digests. `send_digest` sends one multipart message (``digest.txt``, and ``digest.html``
with autoescaping) that lists several alerts of one subscription to one address: a
digest, or what quiet hours held back. Its Subject is "Flashpoint digest: N alerts,
<window>", flattened and cut like any other. Its Message-ID is derived from the address
and the alerts' delivery keys, so sending the same digest again (a retry after a crash
between sending and recording) carries the same id and mail systems can tell it is the
same message. Digests are never threaded (a digest spans many events).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import smtplib
import ssl
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

import jinja2

from flashpoint.alerts.notifiers.render import (
    MAX_SEVERITY,
    AlertView,
    DigestWhy,
    DigestWindow,
    SurgeView,
    digest_channel,
    digest_intro,
    digest_title,
    one_line,
    severity_bar,
)
from flashpoint.alerts.notifiers.threads import EventThreads, UpdateView
from flashpoint.alerts.subscriptions import is_email_address
from flashpoint.core.errors import ConfigError, DeliveryError
from flashpoint.core.records import Alert, Channel, Event, EventSource
from flashpoint.core.settings import SmtpSettings
from flashpoint.surge.models import SurgeNotice

log = logging.getLogger(__name__)

SUBJECT_CHARS = 150
_MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")  # printable ASCII, no '<' or '>'

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("flashpoint.alerts", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def subject_for(alert: Alert) -> str:
    view = AlertView.of(alert)
    return one_line(f"[Flashpoint] {view.severity_label}: {view.headline}", SUBJECT_CHARS)


def source_subject(source: EventSource) -> str:
    """The subject of an event's first message on a channel, from the report that made it.

    Computed from what the event keeps of that report, so a follow-up can repeat it
    behind "Re: " without storing it. Without a title: the report's signals.
    """
    headline = one_line(source.title or "", SUBJECT_CHARS)
    if not headline:
        signals = ", ".join(signal.replace("_", " ") for signal in source.signals)
        headline = f"{signals or 'incident'} reported".capitalize()
    return one_line(
        f"[Flashpoint] Severity {source.severity}/{MAX_SEVERITY}: {headline}", SUBJECT_CHARS
    )


def _source_of(event: Event, article_id: str) -> EventSource | None:
    return next((s for s in event.sources if s.article_id == article_id), None)


class EmailNotifier:
    """Sends alerts by SMTP (see the module docstring)."""

    kind: str = "email"

    def __init__(
        self,
        settings: SmtpSettings,
        threads: EventThreads | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if settings.host is None:
            raise ConfigError("smtp.host is not set (FLASHPOINT_SMTP__HOST)")
        if settings.username and not settings.starttls:
            raise ConfigError(
                "smtp.username is set but smtp.starttls is off: "
                "refusing to send the password unencrypted"
            )
        if settings.username and settings.password is None:
            raise ConfigError("smtp.password is required when smtp.username is set")
        self._settings = settings
        self._host = settings.host
        self._password = settings.password.get_secret_value() if settings.password else ""
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
        self._threads = threads

    def render(
        self,
        alert: Alert,
        *,
        message_id: str | None = None,
        reply_to: str | None = None,
        subject: str | None = None,
    ) -> EmailMessage:
        """The complete message for `alert` (a fresh Message-ID unless `message_id`).

        `reply_to`: the Message-ID this message follows up (sets ``In-Reply-To`` and
        ``References``). `subject`: instead of `subject_for(alert)`.
        """
        view = AlertView.of(alert)
        context = {
            "view": view,
            "gauge": severity_bar(view.severity),
            "update": UpdateView.of(alert),
        }
        created = alert.created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        message = EmailMessage(policy=SMTP)
        message["From"] = self._settings.sender
        message["To"] = alert.channel.target
        message["Subject"] = subject or subject_for(alert)
        message["Date"] = format_datetime(created)
        message["Message-ID"] = message_id or make_msgid(domain=self._domain)
        if reply_to is not None:
            message["In-Reply-To"] = reply_to
            message["References"] = reply_to
        message["Auto-Submitted"] = "auto-generated"
        message["X-Flashpoint-Alert-Id"] = alert.alert_id
        message["X-Flashpoint-Desk"] = alert.desk_id
        if alert.event is not None:
            message["X-Flashpoint-Event-Id"] = one_line(alert.event.event.event_id, 200)
        message.set_content(_TEMPLATES.get_template("alert.txt").render(context))
        message.add_alternative(
            _TEMPLATES.get_template("alert.html").render(context), subtype="html"
        )
        return message

    def compose(self, alert: Alert) -> EmailMessage:
        """The message `send` sends: threaded when there is a store and an event."""
        update = alert.event
        if self._threads is None or update is None:
            return self.render(alert)
        event, key = update.event, str(alert.channel)
        own = self.first_message_id(event.event_id, alert.channel.target, alert.article.id)
        first = self._threads.message_for(event.event_id, key)
        if first is None and self._threads.remember_message(event.event_id, key, own):
            first = own
        elif first is None:  # another worker claimed the first message a moment ago
            first = self._threads.message_for(event.event_id, key)
        if first is None or first == own:
            source = _source_of(event, alert.article.id)
            subject = source_subject(source) if source else None
            return self.render(alert, message_id=own, subject=subject)
        if not _MESSAGE_ID.fullmatch(first):
            log.warning("event %s on %s: stored id %r is no Message-ID", event.event_id, key, first)
            return self.render(alert)
        source = next(
            (
                s
                for s in event.sources
                if self.first_message_id(event.event_id, alert.channel.target, s.article_id)
                == first
            ),
            None,
        )
        subject = source_subject(source) if source else subject_for(alert)
        return self.render(alert, reply_to=first, subject=one_line(f"Re: {subject}", 200))

    def first_message_id(self, event_id: str, address: str, article_id: str) -> str:
        """The Message-ID of the first message of `event_id` to `address`, if `article_id`
        is the report that makes it: derived, so a retry resends the same id."""
        digest = hashlib.sha256("\0".join((event_id, address, article_id)).encode()).hexdigest()
        return f"<flashpoint.{digest[:32]}@{self._domain}>"

    def digest_message_id(self, address: str, delivery_keys: Sequence[str]) -> str:
        """The Message-ID of the digest of these deliveries to `address` (derived: a
        resend of the same digest carries the same id)."""
        joined = "\0".join((address, *sorted(delivery_keys)))
        digest = hashlib.sha256(joined.encode("utf-8")).hexdigest()
        return f"<digest.{digest[:32]}@{self._domain}>"

    def render_digest(
        self, alerts: Sequence[Alert], *, why: DigestWhy, period: DigestWindow
    ) -> EmailMessage:
        """The complete digest message for `alerts` (all to one address)."""
        channel = digest_channel(alerts, self.kind)
        title = digest_title(len(alerts), why, period)
        context = {
            "title": title,
            "intro": digest_intro(alerts, why, period),
            "items": [
                {"view": view, "gauge": severity_bar(view.severity)}
                for view in (AlertView.of(alert) for alert in alerts)
            ],
        }
        first = alerts[0]
        message = EmailMessage(policy=SMTP)
        message["From"] = self._settings.sender
        message["To"] = channel.target
        message["Subject"] = one_line(title, SUBJECT_CHARS)
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = self.digest_message_id(
            channel.target, [alert.delivery_key for alert in alerts]
        )
        message["Auto-Submitted"] = "auto-generated"
        message["X-Flashpoint-Desk"] = first.desk_id
        message["X-Flashpoint-Digest"] = period.digest or "quiet-hours"
        message.set_content(_TEMPLATES.get_template("digest.txt").render(context))
        message.add_alternative(
            _TEMPLATES.get_template("digest.html").render(context), subtype="html"
        )
        return message

    def send_digest(self, alerts: Sequence[Alert], *, why: DigestWhy, period: DigestWindow) -> str:
        """Send one message listing `alerts` (all to one address); return its Message-ID.

        Raises `DeliveryError` like `send`, ValueError for an empty or mixed batch.
        """
        channel = digest_channel(alerts, self.kind)
        if not is_email_address(channel.target):
            raise DeliveryError(f"not an email address: {channel.target!r}", retryable=False)
        message = self.render_digest(alerts, why=why, period=period)
        self._send_message(message, channel.target)
        return str(message["Message-ID"])

    def render_surge(self, notice: SurgeNotice) -> EmailMessage:
        """The complete message for a region's surge (a message of its own, not threaded:
        a surge spans many events). Its Message-ID is derived from the surge and the
        address, so a resend after a crash carries the same id."""
        view = SurgeView.of(notice)
        context = {"view": view}
        digest = hashlib.sha256(f"{notice.alert_id}\0{notice.channel.target}".encode()).hexdigest()
        message = EmailMessage(policy=SMTP)
        message["From"] = self._settings.sender
        message["To"] = notice.channel.target
        message["Subject"] = one_line(f"[Flashpoint] {view.title}", SUBJECT_CHARS)
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = f"<surge.{digest[:32]}@{self._domain}>"
        message["Auto-Submitted"] = "auto-generated"
        message["X-Flashpoint-Desk"] = notice.desk_id
        message["X-Flashpoint-Surge"] = notice.alert_id
        message.set_content(_TEMPLATES.get_template("surge.txt").render(context))
        message.add_alternative(
            _TEMPLATES.get_template("surge.html").render(context), subtype="html"
        )
        return message

    def send_surge(self, notice: SurgeNotice) -> str:
        if not is_email_address(notice.channel.target):
            raise DeliveryError(f"not an email address: {notice.channel.target!r}", retryable=False)
        message = self.render_surge(notice)
        self._send_message(message, notice.channel.target)
        return str(message["Message-ID"])

    def send_notice(self, to: Channel, subject: str, text: str) -> str:
        """Send a plain-text notice to one address."""
        if not is_email_address(to.target):
            raise DeliveryError(f"not an email address: {to.target!r}", retryable=False)
        message = EmailMessage(policy=SMTP)
        message["From"] = self._settings.sender
        message["To"] = to.target
        message["Subject"] = one_line(f"[Flashpoint] {subject}", SUBJECT_CHARS)
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain=self._domain)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        self._send_message(message, to.target)
        return str(message["Message-ID"])

    def send(self, alert: Alert) -> str:
        if not is_email_address(alert.channel.target):
            # Alerts come over Kafka: never let a doctored target reach the To header.
            raise DeliveryError(f"not an email address: {alert.channel.target!r}", retryable=False)
        message = self.compose(alert)
        self._send_message(message, alert.channel.target)
        return str(message["Message-ID"])

    def _send_message(self, message: EmailMessage, address: str) -> None:
        """Deliver `message`; every failure becomes a `DeliveryError` (see the module doc)."""
        where = f"smtp {self._host}:{self._settings.port} to {address}"
        try:
            self._deliver(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            details = "; ".join(f"{code} {_text(reply)}" for code, reply in exc.recipients.values())
            raise self._error(
                f"{where}: recipient refused: {details}",
                retryable=all(_transient(c) for c in codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise self._error(
                f"{where}: {exc.smtp_code} {_text(exc.smtp_error)}",
                retryable=_transient(exc.smtp_code),
            ) from None
        except smtplib.SMTPServerDisconnected as exc:
            raise self._error(f"{where}: server disconnected: {exc}", retryable=True) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise self._error(f"{where}: {exc}", retryable=False) from None
        except smtplib.SMTPException as exc:
            raise self._error(f"{where}: {type(exc).__name__}: {exc}", retryable=False) from None
        except ssl.SSLCertVerificationError as exc:
            raise self._error(
                f"{where}: TLS certificate not trusted: {exc.verify_message}", retryable=False
            ) from None
        except OSError as exc:  # timeouts, refused or reset connections, TLS failures
            raise self._error(f"{where}: {type(exc).__name__}: {exc}", retryable=True) from None

    def _deliver(self, message: EmailMessage) -> None:
        settings = self._settings
        # Connects here; STARTTLS checks the certificate against this host name.
        smtp = smtplib.SMTP(
            self._host, settings.port, timeout=settings.timeout_s, local_hostname=self._domain
        )
        try:
            if settings.starttls:
                smtp.starttls(context=self._ssl_context)
                if settings.username:
                    smtp.login(settings.username, self._password)
            smtp.send_message(message)
        finally:
            # The message is accepted once DATA is answered 250; a failing QUIT must not
            # turn that into a failure (and a duplicate on retry).
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def _error(self, message: str, *, retryable: bool) -> DeliveryError:
        if self._password:
            message = message.replace(self._password, "[redacted]")
        return DeliveryError(message, retryable=retryable)


def _transient(code: int) -> bool:
    return 400 <= code < 500


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return one_line(text, 300)
