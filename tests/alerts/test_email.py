"""The email notifier against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from pydantic import SecretStr

from flashpoint.alerts.notifiers.email import EmailNotifier
from flashpoint.core.errors import ConfigError, DeliveryError
from flashpoint.core.records import Alert
from flashpoint.core.settings import SmtpSettings
from tests.support.records import make_alert
from tests.support.smtp_server import SmtpSink, client_ssl_context

SENDER = "flashpoint@alerts.example.org"
PASSWORD = "correct-HORSE-battery-staple"


def email_alert(**article: Any) -> Alert:
    return make_alert("email", "sudan-desk@example.org", **article)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def plain(sink: SmtpSink, **overrides: object) -> EmailNotifier:
    settings = SmtpSettings(host=sink.host, port=sink.port, starttls=False, sender=SENDER)
    return EmailNotifier(settings.model_copy(update=overrides))


def parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.walk()
        if not part.is_multipart()
    }


def test_sends_multipart_text_and_html(smtp: SmtpSink) -> None:
    alert = email_alert(severity=4, killed=5, injured=12)
    message_id = plain(smtp).send(alert)

    [mail] = smtp.messages
    assert mail.mail_from == SENDER
    assert mail.rcpt_tos == ["sudan-desk@example.org"]
    assert mail.tls is False and mail.login is None
    message = mail.message
    assert message["Message-ID"] == message_id
    assert message_id.startswith("<") and message_id.endswith("@alerts.example.org>")
    assert message["From"] == SENDER
    assert message["To"] == "sudan-desk@example.org"
    assert message["Subject"] == "[Flashpoint] Severity 4/5: Paramilitary forces shell Kadugli"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Flashpoint-Alert-Id"] == alert.alert_id
    assert message.get_content_type() == "multipart/alternative"
    bodies = parts(message)
    assert list(bodies) == ["text/plain", "text/html"]
    text = bodies["text/plain"]
    assert "Severity 4/5 ▰▰▰▰▱\nParamilitary forces shell Kadugli\n" in text
    assert "Places:     Kadugli (South Kordofan, SD)\n" in text
    assert "Casualties: 5 killed, 12 injured\n" in text
    assert (
        "> Hours later the paramilitary forces shelled residential districts of the town.\n" in text
    )
    assert "Source:     Example News <https://news.example.org/sudan/kadugli?id=1&lang=en>" in text
    html = bodies["text/html"]
    assert "<h1" in html and ">Paramilitary forces shell Kadugli</h1>" in html
    assert (
        '<a href="https://news.example.org/sudan/kadugli?id=1&amp;lang=en">Example News</a>' in html
    )


def test_message_ids_are_unique(smtp: SmtpSink) -> None:
    notifier = plain(smtp)
    ids = {notifier.send(email_alert()) for _ in range(3)}
    assert len(ids) == 3


def test_title_cannot_inject_headers(smtp: SmtpSink) -> None:
    alert = email_alert(title="Clashes\r\nBcc: victim@example.org\r\n\r\nX-Evil: 1\x0bend")
    plain(smtp).send(alert)
    [mail] = smtp.messages
    assert mail.rcpt_tos == ["sudan-desk@example.org"]
    message = mail.message
    assert message["Bcc"] is None and message["X-Evil"] is None
    # (Python's parser keeps the space of a folded first line; mail clients drop it.)
    assert message["Subject"].strip() == (
        "[Flashpoint] Severity 3/5: Clashes Bcc: victim@example.org X-Evil: 1 end"
    )
    header_block = mail.data.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header_block and b"\nBcc:" not in header_block


@pytest.mark.parametrize(
    "target", ["desk@example.org\r\nBcc: victim@example.org", "a@example.org, b@example.org"]
)
def test_a_doctored_recipient_is_refused(smtp: SmtpSink, target: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        plain(smtp).send(make_alert("email", target))
    assert caught.value.retryable is False
    assert str(caught.value) == f"not an email address: {target!r}"
    assert smtp.messages == []


def test_long_subject_is_cut(smtp: SmtpSink) -> None:
    plain(smtp).send(email_alert(title="Heavy fighting " * 40))
    subject = smtp.messages[0].message["Subject"]
    assert len(subject) == 150
    assert subject.endswith("…")


def test_html_escapes_article_text(smtp: SmtpSink) -> None:
    alert = email_alert(
        title="<script>alert('title')</script>",
        source='"><img src=x onerror=alert(1)>',
        url='https://example.org/"onmouseover="alert(1)',
        signals=[("shelling", 0.9, "Shells hit <b>the market</b> & <script>x()</script>")],
    )
    plain(smtp).send(alert)
    bodies = parts(smtp.messages[0].message)
    html = bodies["text/html"]
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;</h1>" in html
    assert "Shells hit &lt;b&gt;the market&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;" in html
    assert 'href="https://example.org/&#34;onmouseover=&#34;alert(1)"' in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</a>" in html
    # The text part shows the text as it was.
    assert "<script>alert('title')</script>" in bodies["text/plain"]


def test_starttls_then_login() -> None:
    with SmtpSink(tls=True, users={"alerts": PASSWORD}) as sink:
        settings = SmtpSettings(
            host=sink.host,
            port=sink.port,
            starttls=True,
            username="alerts",
            password=SecretStr(PASSWORD),
            sender=SENDER,
        )
        message_id = EmailNotifier(settings, ssl_context=client_ssl_context()).send(email_alert())
        [mail] = sink.messages
    assert mail.tls is True
    assert mail.login == "alerts"
    assert mail.message["Message-ID"] == message_id
    assert sink.auth_attempts == [("alerts", True)]


def test_wrong_password_is_not_retryable_and_not_printed() -> None:
    wrong = "WRONG-password-123"
    with SmtpSink(tls=True, users={"alerts": PASSWORD}) as sink:
        settings = SmtpSettings(
            host=sink.host,
            port=sink.port,
            username="alerts",
            password=SecretStr(wrong),
            sender=SENDER,
        )
        with pytest.raises(DeliveryError) as caught:
            EmailNotifier(settings, ssl_context=client_ssl_context()).send(email_alert())
        # smtplib tries each mechanism the server offers (PLAIN, then LOGIN): all refused.
        assert {attempt for attempt in sink.auth_attempts} == {("alerts", False)}
        assert sink.messages == []
    assert caught.value.retryable is False
    assert str(caught.value).startswith(
        f"smtp 127.0.0.1:{sink.port} to sudan-desk@example.org: 535 "
    )
    assert wrong not in str(caught.value) and PASSWORD not in str(caught.value)


def test_untrusted_certificate_is_not_retryable() -> None:
    with SmtpSink(tls=True) as sink:
        settings = SmtpSettings(host=sink.host, port=sink.port, starttls=True, sender=SENDER)
        with pytest.raises(DeliveryError) as caught:
            EmailNotifier(settings, ssl_context=ssl.create_default_context()).send(email_alert())
    assert caught.value.retryable is False
    assert "TLS certificate not trusted" in str(caught.value)


def test_server_without_starttls_is_not_retryable(smtp: SmtpSink) -> None:
    settings = SmtpSettings(host=smtp.host, port=smtp.port, starttls=True, sender=SENDER)
    with pytest.raises(DeliveryError) as caught:
        EmailNotifier(settings, ssl_context=client_ssl_context()).send(email_alert())
    assert caught.value.retryable is False
    assert "STARTTLS extension not supported by server" in str(caught.value)
    assert smtp.messages == []


def test_server_requiring_starttls_refuses_plain_mail() -> None:
    with SmtpSink(tls=True) as sink:
        settings = SmtpSettings(host=sink.host, port=sink.port, starttls=False, sender=SENDER)
        with pytest.raises(DeliveryError) as caught:
            EmailNotifier(settings).send(email_alert())
    assert caught.value.retryable is False
    assert "530" in str(caught.value)


@pytest.mark.parametrize(
    ("stage", "code", "retryable"),
    [("RCPT", 451, True), ("RCPT", 550, False), ("DATA", 452, True), ("DATA", 554, False)],
)
def test_reply_codes_decide_retry(smtp: SmtpSink, stage: str, code: int, retryable: bool) -> None:
    smtp.reject_next(code, "5.0.0 scripted refusal", stage=stage)
    with pytest.raises(DeliveryError) as caught:
        plain(smtp).send(email_alert())
    assert caught.value.retryable is retryable
    assert f": {code} " in str(caught.value) and "scripted refusal" in str(caught.value)


def test_connection_refused_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = SmtpSettings(host="127.0.0.1", port=port, starttls=False, sender=SENDER)
    with pytest.raises(DeliveryError) as caught:
        EmailNotifier(settings).send(email_alert())
    assert caught.value.retryable is True
    assert "ConnectionRefusedError" in str(caught.value)


def test_server_that_never_greets_times_out_retryably() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        settings = SmtpSettings(
            host="127.0.0.1", port=port, starttls=False, sender=SENDER, timeout_s=0.2
        )
        with pytest.raises(DeliveryError) as caught:
            EmailNotifier(settings).send(email_alert())
    assert caught.value.retryable is True
    assert "timed out" in str(caught.value)


def test_settings_mistakes_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="smtp.host is not set"):
        EmailNotifier(SmtpSettings())
    with pytest.raises(ConfigError, match="refusing to send the password unencrypted"):
        EmailNotifier(
            SmtpSettings(host="127.0.0.1", starttls=False, username="u", password=SecretStr("p"))
        )
    with pytest.raises(ConfigError, match="smtp.password is required"):
        EmailNotifier(SmtpSettings(host="127.0.0.1", username="u"))
