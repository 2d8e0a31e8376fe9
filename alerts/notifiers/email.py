"""Email notifier: one multipart (text + HTML) message per alert over SMTP.

The bodies come from Jinja2 templates in `alerts/templates/` (``alert.txt``, and
``alert.html`` with autoescaping, so ``<script>`` in an article arrives as text). Headers
never carry article text as-is: the Subject is flattened to one line (every CR, LF and
other control character becomes a space) and cut to 150 characters, and the message is
built with ``policy=SMTP``, which refuses any header value with a line break besides.

Connection: a new SMTP connection per alert; STARTTLS when ``smtp.starttls`` is on, and
only then LOGIN with ``smtp.username``/``smtp.password`` (a password is never sent in clear:
credentials without STARTTLS are a `ConfigError`). The Message-ID is generated with the
sender's domain and returned as the external id.

Errors: a dropped connection, a timeout, a refused or reset connection and any 4xx reply
are retryable; 5xx replies (and a server without STARTTLS, or a certificate that does not
verify) are not. No message ever contains the password.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from datetime import UTC
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

import jinja2

from alerts.notifiers.render import AlertView, one_line, severity_bar
from alerts.subscriptions import is_email_address
from flashpoint.errors import ConfigError, DeliveryError
from flashpoint.records import Alert
from flashpoint.settings import SmtpSettings

SUBJECT_CHARS = 150

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("alerts", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def subject_for(alert: Alert) -> str:
    view = AlertView.of(alert)
    return one_line(f"[Flashpoint] {view.severity_label}: {view.headline}", SUBJECT_CHARS)


class EmailNotifier:
    """Sends alerts by SMTP (see the module docstring)."""

    kind: str = "email"

    def __init__(
        self, settings: SmtpSettings, *, ssl_context: ssl.SSLContext | None = None
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

    def render(self, alert: Alert) -> EmailMessage:
        """The complete message for `alert`, with a fresh Message-ID."""
        view = AlertView.of(alert)
        context = {"view": view, "gauge": severity_bar(view.severity)}
        created = alert.created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        message = EmailMessage(policy=SMTP)
        message["From"] = self._settings.sender
        message["To"] = alert.channel.target
        message["Subject"] = subject_for(alert)
        message["Date"] = format_datetime(created)
        message["Message-ID"] = make_msgid(domain=self._domain)
        message["Auto-Submitted"] = "auto-generated"
        message["X-Flashpoint-Alert-Id"] = alert.alert_id
        message["X-Flashpoint-Desk"] = alert.desk_id
        message.set_content(_TEMPLATES.get_template("alert.txt").render(context))
        message.add_alternative(
            _TEMPLATES.get_template("alert.html").render(context), subtype="html"
        )
        return message

    def send(self, alert: Alert) -> str:
        if not is_email_address(alert.channel.target):
            # Alerts come over Kafka: never let a doctored target reach the To header.
            raise DeliveryError(f"not an email address: {alert.channel.target!r}", retryable=False)
        message = self.render(alert)
        where = f"smtp {self._host}:{self._settings.port} to {alert.channel.target}"
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
        return str(message["Message-ID"])

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
