"""Email digests: one multipart message per window, escaped, with safe headers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from flashpoint.alerts.notifiers.email import EmailNotifier
from flashpoint.alerts.notifiers.render import DigestWindow
from flashpoint.core.errors import DeliveryError
from flashpoint.core.records import Alert
from flashpoint.core.settings import SmtpSettings
from tests.support.records import make_alert
from tests.support.smtp_server import SmtpSink

SENDER = "flashpoint@alerts.example.org"
ADDRESS = "sudan-desk@example.org"
DUE = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def plain(sink: SmtpSink) -> EmailNotifier:
    return EmailNotifier(
        SmtpSettings(host=sink.host, port=sink.port, starttls=False, sender=SENDER)
    )


def mail(article_id: str, **article: Any) -> Alert:
    return make_alert("email", ADDRESS, article_id=article_id, **article)


def three() -> list[Alert]:
    return [
        mail("art-1", severity=4, killed=5, injured=12),
        mail(
            "art-2",
            title="Air strike on Dilling market",
            url="https://news.example.org/dilling",
            signals=[("air_strike", 0.88, "An air strike hit the market in Dilling.")],
            places=[("Dilling", "SD", "South Kordofan")],
        ),
        mail("art-3", title="Clashes near El Obeid", url=None, severity=2),
    ]


def hourly(alerts: list[Alert]) -> DigestWindow:
    return DigestWindow.of(alerts, send_at=DUE, digest="hourly")


def parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.walk()
        if not part.is_multipart()
    }


def test_one_multipart_message_lists_every_alert(smtp: SmtpSink) -> None:
    alerts = three()
    message_id = plain(smtp).send_digest(alerts, why="digest", period=hourly(alerts))

    [received] = smtp.messages
    assert received.rcpt_tos == [ADDRESS]
    message = received.message
    assert message["Message-ID"] == message_id
    assert message["Subject"] == "Flashpoint digest: 3 alerts, 2026-03-01 12:00-13:00 UTC"
    assert message["To"] == ADDRESS and message["From"] == SENDER
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Flashpoint-Desk"] == "sudan"
    assert message["X-Flashpoint-Digest"] == "hourly"
    assert message["In-Reply-To"] is None
    assert message.get_content_type() == "multipart/alternative"
    bodies = parts(message)
    assert list(bodies) == ["text/plain", "text/html"]
    text = bodies["text/plain"]
    assert text.startswith(
        "Flashpoint digest: 3 alerts, 2026-03-01 12:00-13:00 UTC\n"
        "Hourly digest for desk sudan (subscription sudan-all)\n\n"
        "1. Severity 4/5 ▰▰▰▰▱\n"
        "   Paramilitary forces shell Kadugli\n"
        "   Signals:    shelling 0.91\n"
        "   Places:     Kadugli (South Kordofan, SD)\n"
        "   Casualties: 5 killed, 12 injured\n"
        "   Source:     Example News <https://news.example.org/sudan/kadugli?id=1&lang=en>\n"
        f"   Alert:      {alerts[0].alert_id}\n\n"
        "2. Severity 3/5 ▰▰▰▱▱\n"
        "   Air strike on Dilling market\n"
    )
    assert "3. Severity 2/5 ▰▰▱▱▱\n   Clashes near El Obeid\n" in text
    assert "   Source:     Example News\n" in text  # no URL
    html = bodies["text/html"]
    assert html.count("<h2") == 3
    assert ">Air strike on Dilling market</h2>" in html
    assert (
        '<a href="https://news.example.org/sudan/kadugli?id=1&amp;lang=en">Example News</a>' in html
    )


def test_html_escapes_article_text(smtp: SmtpSink) -> None:
    alert = mail("art-x", title="<script>alert(1)</script> & <b>bold</b>", source="<i>News</i>")
    plain(smtp).send_digest([alert], why="digest", period=hourly([alert]))
    html = parts(smtp.messages[0].message)["text/html"]
    assert "<script>" not in html and "<b>bold" not in html and "<i>News" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_article_text_cannot_inject_headers(smtp: SmtpSink) -> None:
    alert = mail("art-x", title="Clashes\r\nBcc: victim@example.org\r\n\r\nX-Evil: 1")
    plain(smtp).send_digest([alert], why="digest", period=hourly([alert]))
    [received] = smtp.messages
    assert received.rcpt_tos == [ADDRESS]
    assert received.message["Bcc"] is None and received.message["X-Evil"] is None
    header_block = received.data.split(b"\r\n\r\n", 1)[0]
    assert b"victim" not in header_block


@pytest.mark.parametrize("target", [f"{ADDRESS}\r\nBcc: victim@example.org", "a@x.org, b@x.org"])
def test_a_doctored_recipient_is_refused(smtp: SmtpSink, target: str) -> None:
    alert = make_alert("email", target)
    with pytest.raises(DeliveryError) as caught:
        plain(smtp).send_digest([alert], why="digest", period=hourly([alert]))
    assert caught.value.retryable is False
    assert smtp.messages == []


def test_the_same_digest_keeps_its_message_id(smtp: SmtpSink) -> None:
    alerts = three()
    notifier = plain(smtp)
    first = notifier.send_digest(alerts, why="digest", period=hourly(alerts))
    again = notifier.send_digest(list(reversed(alerts)), why="digest", period=hourly(alerts))
    other = notifier.send_digest(alerts[:2], why="digest", period=hourly(alerts))
    assert first == again != other
    assert first.startswith("<digest.") and first.endswith("@alerts.example.org>")


def test_quiet_hours_subject(smtp: SmtpSink) -> None:
    alerts = three()[:2]
    period = DigestWindow.of(alerts, send_at=DUE)
    plain(smtp).send_digest(alerts, why="quiet_hours", period=period)
    message = smtp.messages[0].message
    assert (
        message["Subject"] == "Flashpoint: 2 alerts held by quiet hours, 2026-03-01 12:00-13:00 UTC"
    )
    assert message["X-Flashpoint-Digest"] == "quiet-hours"


@pytest.mark.parametrize(
    ("stage", "code", "retryable"), [("RCPT", 451, True), ("DATA", 554, False)]
)
def test_reply_codes_decide_retry(smtp: SmtpSink, stage: str, code: int, retryable: bool) -> None:
    smtp.reject_next(code, "5.0.0 scripted refusal", stage=stage)
    alerts = three()
    with pytest.raises(DeliveryError) as caught:
        plain(smtp).send_digest(alerts, why="digest", period=hourly(alerts))
    assert caught.value.retryable is retryable
    assert f": {code} " in str(caught.value)
