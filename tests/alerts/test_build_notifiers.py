"""Which notifier serves each channel kind, from the settings."""

from __future__ import annotations

import io

import pytest
from pydantic import SecretStr

from flashpoint.alerts.notifiers import build_notifiers
from flashpoint.alerts.notifiers.console import ConsoleNotifier
from flashpoint.alerts.notifiers.email import EmailNotifier
from flashpoint.alerts.notifiers.slack import SlackNotifier
from flashpoint.core.errors import DeliveryError
from flashpoint.core.records import Channel
from flashpoint.core.settings import Settings, SlackSettings, SmtpSettings
from flashpoint.events.store import InMemoryEventStore
from tests.alerts.story import Story, on
from tests.support.records import make_alert
from tests.support.slack_server import SlackServer
from tests.support.smtp_server import SmtpSink

SLACK = SlackSettings(token=SecretStr("xoxb-test"))
SMTP = SmtpSettings(host="127.0.0.1", starttls=False)


def test_configured_services_and_console() -> None:
    notifiers = build_notifiers(Settings(slack=SLACK, smtp=SMTP))
    assert isinstance(notifiers["slack"], SlackNotifier)
    assert isinstance(notifiers["email"], EmailNotifier)
    assert isinstance(notifiers["console"], ConsoleNotifier)


def test_unconfigured_service_without_console_alerts_has_no_notifier() -> None:
    notifiers = build_notifiers(Settings(slack=SLACK, smtp=SmtpSettings(), console_alerts=False))
    assert set(notifiers) == {"slack", "console"}


def test_nothing_configured_prints_and_fails_honestly() -> None:
    stream = io.StringIO()
    notifiers = build_notifiers(Settings(slack=SlackSettings(), smtp=SmtpSettings()), stream=stream)
    with pytest.raises(DeliveryError) as caught:
        notifiers["slack"].send(make_alert())
    assert caught.value.retryable is False
    assert str(caught.value) == (
        "slack is not configured (slack.token is not set); "
        "the alert was printed to the console only"
    )
    assert "Paramilitary forces shell Kadugli" in stream.getvalue()


def test_console_alerts_echo_what_was_delivered() -> None:
    stream = io.StringIO()
    with SlackServer(token="xoxb-test") as slack:
        settings = Settings(
            slack=SlackSettings(token=SecretStr("xoxb-test"), base_url=slack.base_url),
            console_alerts=True,
        )
        notifiers = build_notifiers(settings, stream=stream)
        ts = notifiers["slack"].send(make_alert())
        assert [message.ts for message in slack.messages] == [ts]
    assert notifiers["slack"].kind == "slack"
    assert "Paramilitary forces shell Kadugli" in stream.getvalue()
    assert "email" in notifiers  # SMTP unset: prints and records why it failed


def test_console_echo_prints_an_alert_once_per_subscription_not_per_channel() -> None:
    stream = io.StringIO()
    notifiers = build_notifiers(Settings(slack=SlackSettings(), smtp=SmtpSettings()), stream=stream)
    alert = make_alert()
    for kind in ("slack", "email"):
        with pytest.raises(DeliveryError):
            notifiers[kind].send(alert)
    notifiers["console"].send(
        alert.model_copy(update={"channel": Channel(kind="console", target="stdout")})
    )
    assert stream.getvalue().count("Paramilitary forces shell Kadugli") == 1


def test_threads_reach_slack_and_email() -> None:
    store, story = InMemoryEventStore(), Story()
    with SlackServer(token="xoxb-test") as slack, SmtpSink() as smtp:
        settings = Settings(
            slack=SlackSettings(token=SecretStr("xoxb-test"), base_url=slack.base_url),
            smtp=SmtpSettings(host=smtp.host, port=smtp.port, starttls=False),
            console_alerts=False,
        )
        notifiers = build_notifiers(settings, threads=store)
        slack_notifier = notifiers["slack"]
        assert isinstance(slack_notifier, SlackNotifier)
        assert slack_notifier.rate_limiter.min_interval_s == 1.0  # Slack's pace by default
        first = story.report("new", article_id="art-1")
        follow = story.report("report", article_id="art-2")
        parent_ts = slack_notifier.send(first)
        slack_notifier.send(follow)
        root_id = notifiers["email"].send(on(first, "email", "desk@example.org"))
        notifiers["email"].send(on(follow, "email", "desk@example.org"))
        assert [m.thread_ts for m in slack.messages] == [None, parent_ts]
        assert [mail.message["In-Reply-To"] for mail in smtp.wait_for_messages(2)] == [
            None,
            root_id,
        ]
