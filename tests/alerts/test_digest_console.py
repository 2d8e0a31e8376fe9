"""Console digests, and digests through the notifiers `build_notifiers` wraps."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from flashpoint.alerts.notifiers import build_notifiers
from flashpoint.alerts.notifiers.console import ConsoleNotifier
from flashpoint.alerts.notifiers.render import DigestWindow
from flashpoint.core.errors import DeliveryError
from flashpoint.core.records import Alert, ChannelKind
from flashpoint.core.settings import Settings, SlackSettings, SmtpSettings
from tests.support.records import make_alert
from tests.support.slack_server import SlackServer

DUE = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)


def two(kind: ChannelKind = "console", target: str = "stdout") -> list[Alert]:
    return [
        make_alert(kind, target, article_id="art-1", severity=4),
        make_alert(kind, target, article_id="art-2", title="[bold]Clashes[/] near Dilling"),
    ]


def hourly(alerts: list[Alert]) -> DigestWindow:
    return DigestWindow.of(alerts, send_at=DUE, digest="hourly")


def test_prints_the_title_then_each_alert() -> None:
    stream = io.StringIO()
    alerts = two()
    external_id = ConsoleNotifier(stream).send_digest(alerts, why="digest", period=hourly(alerts))
    assert external_id.startswith("console-")
    lines = stream.getvalue().splitlines()
    assert lines[:2] == [
        "━━ Flashpoint digest: 2 alerts, 2026-03-01 12:00-13:00 UTC",
        "   Hourly digest for desk sudan (subscription sudan-all)",
    ]
    assert lines[2] == "▰▰▰▰▱ 4/5 Paramilitary forces shell Kadugli"
    assert "[bold]Clashes[/] near Dilling" in stream.getvalue()  # markup prints literally


def test_a_broken_stream_does_not_fail_the_digest() -> None:
    stream = io.StringIO()
    stream.close()
    alerts = two()
    assert ConsoleNotifier(stream).send_digest(alerts, why="digest", period=hourly(alerts))


def test_an_unconfigured_service_prints_the_digest_and_fails_honestly() -> None:
    stream = io.StringIO()
    notifiers = build_notifiers(Settings(slack=SlackSettings(), smtp=SmtpSettings()), stream=stream)
    alerts = two("slack", "#sudan-desk")
    with pytest.raises(DeliveryError) as caught:
        notifiers["slack"].send_digest(alerts, why="digest", period=hourly(alerts))
    assert caught.value.retryable is False
    assert str(caught.value) == (
        "slack is not configured (slack.token is not set); "
        "the digest was printed to the console only"
    )
    assert "Flashpoint digest: 2 alerts" in stream.getvalue()


def test_console_alerts_echo_a_delivered_digest_once() -> None:
    stream = io.StringIO()
    with SlackServer(token="xoxb-test") as slack:
        settings = Settings(
            slack=SlackSettings(token=SecretStr("xoxb-test"), base_url=slack.base_url),
            smtp=SmtpSettings(),
            console_alerts=True,
        )
        notifiers = build_notifiers(settings, stream=stream)
        alerts = two("slack", "#sudan-desk")
        ts = notifiers["slack"].send_digest(alerts, why="digest", period=hourly(alerts))
        # The same alerts to a second channel of the subscription: echoed once, not twice.
        other = [
            a.model_copy(update={"channel": a.channel.model_copy(update={"target": "#b"})})
            for a in alerts
        ]
        notifiers["slack"].send_digest(other, why="digest", period=hourly(other))
        assert [message.ts for message in slack.messages][:1] == [ts]
        assert len(slack.messages) == 2
    assert stream.getvalue().count("Flashpoint digest: 2 alerts") == 1
