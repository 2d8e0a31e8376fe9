"""An undeliverable alert is announced once: on the console log and the ops channel.

The alert's own channel is a scripted notifier that stays down; the ops channel is the real
email notifier against aiosmtpd, or the real Slack notifier against the local Slack Web
API server. The clock is moved by hand, so a day of outage takes no time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from flashpoint.alerts.delivery import Deliverer
from flashpoint.alerts.notifiers import Notifier
from flashpoint.alerts.notifiers.email import EmailNotifier
from flashpoint.alerts.notifiers.slack import SlackNotifier
from flashpoint.alerts.ops import AnnouncingLedger
from flashpoint.alerts.outbox import Outbox
from flashpoint.audit.store import AuditStore
from flashpoint.core.errors import ConfigError, DeliveryError
from flashpoint.core.records import Channel
from flashpoint.core.settings import SlackSettings, SmtpSettings, load_settings
from tests.alerts.test_delivery import ScriptedNotifier, retryable
from tests.alerts.test_outbox import Clock
from tests.support.records import make_alert
from tests.support.slack_server import DEFAULT_TOKEN, SlackServer
from tests.support.smtp_server import SmtpSink

OPS_EMAIL = Channel(kind="email", target="ops@example.org")
OPS_SLACK = Channel(kind="slack", target="#flashpoint-ops")


@pytest.fixture
def store(database_url: str) -> Iterator[AuditStore]:
    with AuditStore.open(database_url) as opened:
        yield opened


def a_day_of_outage(store: AuditStore, notifiers: dict[str, Notifier], ops: Channel) -> Clock:
    """One alert to a Slack channel that never answers, retried until undeliverable (a
    10-minute limit, moved through in minutes), then retried again: nothing more."""
    clock = Clock()
    down = ScriptedNotifier(*[retryable()] * 40)
    ledger = AnnouncingLedger(store, {**notifiers, "slack": notifiers.get("slack", down)}, ops)
    deliverer = Deliverer(
        {"slack": down},
        ledger,
        attempts=2,
        retry_base_s=1.0,
        outbox=Outbox(store.engine),
        outbox_retry_max_s=60.0,
        max_age_s=600,
        sleep=clock.advance,
        clock=clock,
    )
    deliverer.deliver(make_alert())
    for _ in range(30):
        clock.advance(60)
        deliverer.retry_due()
    return clock


def test_an_undeliverable_alert_is_announced_once_by_email(
    store: AuditStore, caplog: pytest.LogCaptureFixture
) -> None:
    with SmtpSink() as smtp:
        email = EmailNotifier(
            SmtpSettings(host=smtp.host, port=smtp.port, starttls=False, sender="fp@example.org")
        )
        with caplog.at_level(logging.ERROR):
            a_day_of_outage(store, {"email": email}, OPS_EMAIL)
        [mail] = smtp.messages

    assert mail.rcpt_tos == ["ops@example.org"]
    assert mail.message["Subject"] == "[Flashpoint] Alert undeliverable to slack:#sudan-desk"
    body = mail.message.get_content()
    assert "desk sudan" in body and "HTTP 503" in body and "will not be tried again" in body
    # The console has it once too: the outbox's own error, not repeated by the announcer.
    assert sum("is undeliverable" in r.getMessage() for r in caplog.records) == 1
    assert store.summary().deliveries_failed == 1  # the ledger row is the durable record


def test_an_undeliverable_alert_is_announced_on_the_ops_slack_channel(
    store: AuditStore,
) -> None:
    with SlackServer() as slack:
        notifier = SlackNotifier(
            SlackSettings(token=SecretStr(DEFAULT_TOKEN), base_url=slack.base_url),
            min_interval_s=0,
        )
        a_day_of_outage(store, {"slack": notifier}, OPS_SLACK)
        [message] = slack.messages

    assert message.channel == "#flashpoint-ops"
    assert (message.text or "").startswith("*Alert undeliverable to slack:#sudan-desk*\n")


def test_a_failed_announcement_is_logged_and_the_record_kept(
    store: AuditStore, caplog: pytest.LogCaptureFixture
) -> None:
    with SmtpSink() as smtp:
        email = EmailNotifier(SmtpSettings(host=smtp.host, port=smtp.port, starttls=False))
        smtp.stop()  # the ops mail server is down too
        with caplog.at_level(logging.ERROR, logger="flashpoint.alerts.ops"):
            a_day_of_outage(store, {"email": email}, OPS_EMAIL)
        smtp.start()  # for a clean shutdown

    failed = [r.getMessage() for r in caplog.records if "announcement failed" in r.getMessage()]
    assert len(failed) == 1 and "ops@example.org" in failed[0]
    assert store.summary().deliveries_failed == 1


def test_without_an_ops_channel_it_is_logged_only(
    store: AuditStore, caplog: pytest.LogCaptureFixture
) -> None:
    quiet = ScriptedNotifier()  # would fail if asked to send anything
    ledger = AnnouncingLedger(store, {"slack": quiet}, None)
    clock = Clock()
    deliverer = Deliverer(
        {"slack": ScriptedNotifier(*[DeliveryError("HTTP 503", retryable=True)] * 40)},
        ledger,
        attempts=1,
        outbox=Outbox(store.engine),
        max_age_s=60,
        sleep=clock.advance,
        clock=clock,
    )
    deliverer.deliver(make_alert())
    with caplog.at_level(logging.ERROR):
        for _ in range(5):
            clock.advance(60)
            deliverer.retry_due()
    assert sum("is undeliverable" in r.getMessage() for r in caplog.records) == 1
    assert quiet.notices == []


def test_the_ops_channel_setting_is_kind_and_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASHPOINT_OPS_CHANNEL", "email:ops@example.org")
    assert load_settings().ops_channel == OPS_EMAIL
    monkeypatch.setenv("FLASHPOINT_OPS_CHANNEL", "#ops")
    with pytest.raises(ConfigError, match="FLASHPOINT_OPS_CHANNEL: .*expected kind:target"):
        load_settings()
