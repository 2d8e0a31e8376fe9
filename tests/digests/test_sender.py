"""DigestSender: held alerts go out at their time, once, through the real Slack and SMTP
servers, with the clock injected."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from flashpoint.alerts.notifiers import DigestNotifier
from flashpoint.alerts.notifiers.console import ConsoleNotifier
from flashpoint.digests.sender import DigestSender
from flashpoint.digests.store import Batch, PendingStore
from tests.support.slack_server import SlackServer
from tests.support.smtp_server import SmtpSink

from .conftest import ADDRESS, SLACK_CHANNEL, Clock, Ledger, routed, router, utc

QUIET_HOURS = {"start": "22:00", "end": "06:00", "timezone": "Africa/Khartoum"}  # UTC+2


def hold_at(pending: PendingStore, clock: Clock, at: datetime, article_id: str) -> int:
    """Route one article at `at` for an hourly digest subscription and hold what is deferred."""
    clock.now = at
    result = routed(router(mode="digest", digest="hourly"), article_id, at)
    assert result.alerts == []
    return pending.hold_all(result.deferred)


def test_hourly_digest_goes_out_once_at_the_end_of_its_hour(
    sender: DigestSender,
    pending: PendingStore,
    clock: Clock,
    ledger: Ledger,
    slack: SlackServer,
    smtp: SmtpSink,
) -> None:
    for article_id, minute in [("art-1", 5), ("art-2", 20), ("art-3", 50)]:
        assert hold_at(pending, clock, utc(1, 12, minute), article_id) == 2  # Slack and email

    for now in [utc(1, 12, 50), utc(1, 12, 59, 59)]:
        clock.now = now
        assert sender.flush_due() == []
    assert slack.requests == [] and smtp.messages == []

    clock.now = utc(1, 13, 0, 2)
    results = sender.flush_due()

    [message] = slack.messages
    assert message.channel == SLACK_CHANNEL
    assert message.text == "Flashpoint digest: 3 alerts, 2026-03-01 12:00-13:00 UTC"
    assert message.blocks is not None
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert [s.splitlines()[0] for s in sections] == [
        f"*Severity 3/5* ▰▰▰▱▱  *Report {article_id}*" for article_id in ("art-1", "art-2", "art-3")
    ]
    [mail] = smtp.messages
    assert mail.rcpt_tos == [ADDRESS]
    assert mail.message["Subject"] == "Flashpoint digest: 3 alerts, 2026-03-01 12:00-13:00 UTC"
    body = mail.message.get_body(("plain",))
    assert body is not None
    assert all(f"Report {a}" in body.get_content() for a in ("art-1", "art-2", "art-3"))

    assert len(results) == 6 and {r.status for r in results} == {"sent"}
    by_channel = {r.channel: r.external_id for r in results}
    assert by_channel == {
        f"slack:{SLACK_CHANNEL}": message.ts,
        f"email:{ADDRESS}": mail.message["Message-ID"],
    }
    assert all(ledger.already_sent(r.delivery_key) for r in results)
    assert ledger.results == results
    assert all(r.at == utc(1, 13, 0, 2) and r.attempts == 1 for r in results)

    # Idempotent: nothing is due any more.
    clock.now = utc(1, 14, 30)
    assert sender.flush_due() == []
    assert len(slack.messages) == 1 and len(smtp.messages) == 1
    assert pending.pending() == 0


def test_daily_digest_goes_out_at_midnight(
    sender: DigestSender, pending: PendingStore, clock: Clock, slack: SlackServer, smtp: SmtpSink
) -> None:
    route = router(mode="digest", digest="daily")
    for article_id, at in [
        ("art-1", utc(1, 0, 30)),
        ("art-2", utc(1, 8)),
        ("art-3", utc(1, 23, 59)),
    ]:
        clock.now = at
        pending.hold_all(routed(route, article_id, at).deferred)
        assert sender.flush_due() == []
    clock.now = utc(1, 23, 59, 59)
    assert sender.flush_due() == []
    assert slack.messages == [] and smtp.messages == []

    clock.now = utc(2, 0)
    assert len(sender.flush_due()) == 6
    [message] = slack.messages
    title = "Flashpoint digest: 3 alerts, 2026-03-01 00:00 to 2026-03-02 00:00 UTC"
    assert message.text == title
    assert message.blocks is not None
    assert message.blocks[1]["elements"][0]["text"].startswith("Daily digest for desk sudan")
    [mail] = smtp.messages
    assert mail.message["Subject"] == title
    assert mail.message["X-Flashpoint-Digest"] == "daily"


def test_quiet_hours_hold_an_alert_from_2300_until_0600_local(
    sender: DigestSender, pending: PendingStore, clock: Clock, slack: SlackServer, smtp: SmtpSink
) -> None:
    route = router(quiet_hours=QUIET_HOURS)  # immediate, held below severity 5
    clock.now = utc(1, 21)  # 23:00 in Khartoum
    result = routed(route, "art-1", clock.now, severity=3)
    assert result.alerts == []
    assert {d.send_at for d in result.deferred} == {utc(2, 4)}  # 06:00 in Khartoum
    pending.hold_all(result.deferred)

    for now in [utc(1, 21, 1), utc(2, 0), utc(2, 3, 59, 59)]:  # 23:01, 02:00, 05:59:59 local
        clock.now = now
        assert sender.flush_due() == []
    assert slack.messages == [] and smtp.messages == []

    clock.now = utc(2, 4)
    results = sender.flush_due()
    assert [r.status for r in results] == ["sent", "sent"]
    # One held alert goes out as itself: the usual card and subject, not a digest of one.
    [message] = slack.messages
    assert message.text == "[Severity 3/5] Report art-1 (Kadugli (South Kordofan, SD))"
    [mail] = smtp.messages
    assert mail.message["Subject"] == "[Flashpoint] Severity 3/5: Report art-1"


def test_alerts_held_together_by_quiet_hours_go_out_as_one_message(
    sender: DigestSender, pending: PendingStore, clock: Clock, slack: SlackServer, smtp: SmtpSink
) -> None:
    route = router(quiet_hours=QUIET_HOURS)
    for article_id, at in [("art-1", utc(1, 20, 30)), ("art-2", utc(2, 1, 15))]:
        clock.now = at
        pending.hold_all(routed(route, article_id, at, severity=2).deferred)
    clock.now = utc(2, 4, 0, 30)
    assert len(sender.flush_due()) == 4
    [message] = slack.messages
    title = "Flashpoint: 2 alerts held by quiet hours, 2026-03-01 20:30 to 2026-03-02 04:00 UTC"
    assert message.text == title
    [mail] = smtp.messages
    assert mail.message["Subject"] == title


def test_a_replayed_deferred_alert_is_sent_once(
    sender: DigestSender, pending: PendingStore, clock: Clock, slack: SlackServer
) -> None:
    route = router(mode="digest", digest="hourly", channels={"slack": [SLACK_CHANNEL]})
    first = routed(route, "art-1", utc(1, 12, 10))
    assert pending.hold_all(first.deferred) == 1
    # The worker crashed before committing the offset: the article comes again, and again
    # after the hour (when its send time would be another).
    assert pending.hold_all(routed(route, "art-1", utc(1, 12, 11)).deferred) == 0
    clock.now = utc(1, 13, 5)
    assert [r.status for r in sender.flush_due()] == ["sent"]
    assert pending.hold_all(routed(route, "art-1", utc(1, 13, 6)).deferred) == 0
    clock.now = utc(1, 14, 5)
    assert sender.flush_due() == []
    [message] = slack.messages
    assert message.text is not None and message.text.startswith("Flashpoint digest: 1 alert,")


class Crash(Exception):
    """The worker dies here."""


class CrashBeforeMark(PendingStore):
    def mark_flushed(self, batch: Batch, at: datetime) -> None:
        raise Crash(batch.key)


def test_a_crash_after_sending_before_marking_does_not_resend(
    pending: PendingStore,
    notifiers: dict[str, DigestNotifier],
    ledger: Ledger,
    clock: Clock,
    slack: SlackServer,
    smtp: SmtpSink,
) -> None:
    for article_id, minute in [("art-1", 5), ("art-2", 20)]:
        hold_at(pending, clock, utc(1, 12, minute), article_id)
    clock.now = utc(1, 13)
    crashing = DigestSender(CrashBeforeMark(pending.engine, clock=clock), notifiers, ledger, clock)
    with pytest.raises(Crash):
        crashing.flush_due()
    assert len(slack.messages) + len(smtp.messages) == 1  # the first batch went out
    assert [r.status for r in ledger.results] == ["sent", "sent"]

    # The restarted worker: a new sender over the same database and ledger.
    clock.now = utc(1, 13, 1)
    restarted = DigestSender(pending, notifiers, ledger, clock)
    results = restarted.flush_due()
    assert len(slack.messages) == 1 and len(smtp.messages) == 1  # nothing sent twice
    assert sorted(r.status for r in results) == ["duplicate", "duplicate", "sent", "sent"]
    assert restarted.flush_due() == []
    assert pending.pending() == 0


def test_a_retryable_failure_keeps_the_batch_for_the_next_flush(
    sender: DigestSender, pending: PendingStore, clock: Clock, ledger: Ledger, slack: SlackServer
) -> None:
    for article_id, minute in [("art-1", 5), ("art-2", 20), ("art-3", 50)]:
        hold_at(pending, clock, utc(1, 12, minute), article_id)
    clock.now = utc(1, 13)
    slack.fail_next(1, status=500)
    results = sender.flush_due()
    assert {r.channel for r in results} == {f"email:{ADDRESS}"}  # email went; Slack did not
    assert slack.messages == []
    assert not any(r.channel.startswith("slack:") for r in ledger.results)  # nothing recorded
    assert pending.pending() == 3

    clock.now = utc(1, 13, 1)
    slack.fail_next(1, status=429, retry_after=30)  # a rate limit is "later" too
    assert sender.flush_due() == []
    assert pending.pending() == 3

    clock.now = utc(1, 13, 2)
    results = sender.flush_due()
    [message] = slack.messages
    assert [(r.status, r.external_id, r.attempts) for r in results] == [("sent", message.ts, 3)] * 3
    assert pending.pending() == 0


def test_a_batch_still_failing_a_day_after_its_time_is_undeliverable_once(
    sender: DigestSender, pending: PendingStore, clock: Clock, ledger: Ledger, slack: SlackServer
) -> None:
    for article_id, minute in [("art-1", 5), ("art-2", 20)]:
        hold_at(pending, clock, utc(1, 12, minute), article_id)
    clock.now = utc(1, 13)
    slack.down_for(3600)
    sender.flush_due()  # email goes; Slack keeps failing
    clock.now = utc(2, 12, 59)
    assert [r for r in sender.flush_due() if r.channel.startswith("slack:")] == []
    clock.now = utc(2, 13, 1)
    results = sender.flush_due()
    assert [r.status for r in results] == ["undeliverable", "undeliverable"]
    assert all("undeliverable" in (r.error or "") for r in results)
    assert slack.messages == []
    assert pending.pending() == 0
    assert sender.flush_due() == []


def test_a_permanent_failure_is_recorded_and_not_retried(
    sender: DigestSender, pending: PendingStore, clock: Clock, ledger: Ledger, slack: SlackServer
) -> None:
    hold_at(pending, clock, utc(1, 12, 5), "art-1")
    hold_at(pending, clock, utc(1, 12, 6), "art-2")
    slack.set_error("channel_not_found")
    clock.now = utc(1, 13)
    results = [r for r in sender.flush_due() if r.channel.startswith("slack:")]
    assert [r.status for r in results] == ["failed", "failed"]
    assert all(r.error is not None and "channel_not_found" in r.error for r in results)
    slack.set_error(None)
    clock.now = utc(1, 14)
    assert sender.flush_due() == []
    assert slack.messages == []
    assert pending.pending() == 0
    assert not ledger.already_sent(results[0].delivery_key)


def test_a_big_batch_goes_out_in_parts(
    pending: PendingStore,
    notifiers: dict[str, DigestNotifier],
    ledger: Ledger,
    clock: Clock,
    slack: SlackServer,
) -> None:
    route = router(mode="digest", digest="hourly", channels={"slack": [SLACK_CHANNEL]})
    for n in range(5):
        pending.hold_all(routed(route, f"art-{n}", utc(1, 12, n)).deferred)
    clock.now = utc(1, 13)
    results = DigestSender(pending, notifiers, ledger, clock, max_per_message=2).flush_due()
    assert [m.text for m in slack.messages] == [
        f"Flashpoint digest: {count} {noun}, 2026-03-01 12:00-13:00 UTC (part {part} of 3)"
        for count, noun, part in [(2, "alerts", 1), (2, "alerts", 2), (1, "alert", 3)]
    ]
    assert [r.external_id for r in results] == [slack.messages[i].ts for i in (0, 0, 1, 1, 2)]


def test_a_channel_kind_without_a_notifier_is_a_recorded_failure(
    pending: PendingStore, ledger: Ledger, clock: Clock, console: io.StringIO
) -> None:
    route = router(
        mode="digest", digest="hourly", channels={"slack": [SLACK_CHANNEL], "console": True}
    )
    pending.hold_all(routed(route, "art-1", utc(1, 12, 5)).deferred)
    clock.now = utc(1, 13)
    sender = DigestSender(pending, {"console": ConsoleNotifier(console)}, ledger, clock)
    results = sender.flush_due()
    assert sorted((r.channel, r.status) for r in results) == [
        ("console:stdout", "sent"),
        (f"slack:{SLACK_CHANNEL}", "failed"),
    ]
    failed = next(r for r in results if r.status == "failed")
    assert failed.error == "no notifier configured for channel kind 'slack'"
    assert "Flashpoint digest: 1 alert" in console.getvalue()
    assert pending.pending() == 0
