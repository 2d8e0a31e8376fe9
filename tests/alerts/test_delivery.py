"""The delivery stage: retries with backoff, Retry-After, duplicates refused, all recorded."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from pydantic import SecretStr

from flashpoint.alerts.delivery import Deliverer
from flashpoint.alerts.notifiers import Notifier
from flashpoint.alerts.notifiers.slack import SlackNotifier
from flashpoint.alerts.ratelimit import ChannelRateLimiter, RateLimited
from flashpoint.core.errors import DeliveryError
from flashpoint.core.records import Alert, Channel, EventUpdateKind
from flashpoint.core.settings import SlackSettings, WorkerSettings
from flashpoint.events.store import InMemoryEventStore
from flashpoint.surge.models import SurgeNotice
from tests.alerts.story import Story
from tests.alerts.test_ratelimit import FakeClock
from tests.support.ledger import InMemoryLedger
from tests.support.records import NOW, make_alert
from tests.support.slack_server import SlackServer

Outcome = str | DeliveryError | Exception


class ScriptedNotifier:
    """Answers each send with the next scripted outcome: an id, or an exception to raise."""

    kind = "slack"

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[Alert | SurgeNotice] = []
        self.notices: list[tuple[Channel, str, str]] = []

    def send(self, alert: Alert) -> str:
        return self._next(alert)

    def send_surge(self, notice: SurgeNotice) -> str:
        return self._next(notice)

    def send_notice(self, to: Channel, subject: str, text: str) -> str:
        self.notices.append((to, subject, text))
        return f"notice-{len(self.notices)}"

    def _next(self, item: Alert | SurgeNotice) -> str:
        self.sent.append(item)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def retryable(retry_after: float | None = None) -> DeliveryError:
    return DeliveryError("HTTP 503", retryable=True, retry_after=retry_after)


def make_deliverer(
    notifier: Notifier,
    ledger: InMemoryLedger,
    waits: list[float],
    *,
    attempts: int = 5,
    base: float = 0.5,
    maximum: float = 30.0,
    rate_limit_max: float = 300.0,
) -> Deliverer:
    return Deliverer(
        {notifier.kind: notifier},
        ledger,
        attempts=attempts,
        retry_base_s=base,
        retry_max_s=maximum,
        rate_limit_max_s=rate_limit_max,
        sleep=waits.append,
        clock=lambda: NOW + timedelta(seconds=sum(waits)),
    )


def test_sent_first_time() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier("1700000000.000100")
    alert = make_alert()
    result = make_deliverer(notifier, ledger, waits).deliver(alert)
    assert result.status == "sent"
    assert result.attempts == 1
    assert result.external_id == "1700000000.000100"
    assert result.error is None
    assert result.delivery_key == alert.delivery_key
    assert (result.alert_id, result.desk_id, result.subscription_id, result.channel) == (
        alert.alert_id,
        "sudan",
        "sudan-all",
        "slack:#sudan-desk",
    )
    assert result.at == NOW
    assert ledger.results == [result]
    assert waits == []


def test_retries_with_exponential_backoff_then_sends() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(retryable(), retryable(), retryable(), "ts-4")
    result = make_deliverer(notifier, ledger, waits).deliver(make_alert())
    assert waits == [0.5, 1.0, 2.0]
    assert (result.status, result.attempts, result.external_id) == ("sent", 4, "ts-4")
    assert result.at == NOW + timedelta(seconds=3.5)  # the clock is read when it is recorded
    assert ledger.statuses() == ["sent"]


def test_backoff_is_capped_and_gives_up_after_the_last_attempt() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(*(retryable() for _ in range(6)))
    deliverer = make_deliverer(notifier, ledger, waits, attempts=6, base=1.0, maximum=5.0)
    result = deliverer.deliver(make_alert())
    assert waits == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert result.status == "failed"
    assert result.attempts == 6
    assert result.error == "HTTP 503 (gave up after 6 tries)"
    assert len(notifier.sent) == 6
    assert ledger.results == [result]


def test_retry_after_is_honoured() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(retryable(retry_after=7), retryable(retry_after=0.1), "ts")
    result = make_deliverer(notifier, ledger, waits).deliver(make_alert())
    # Never sooner than the service asked, never sooner than our own backoff.
    assert waits == [7.0, 1.0]
    assert result.status == "sent"


def test_retry_after_longer_than_the_maximum_fails_without_waiting() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(retryable(retry_after=120))
    result = make_deliverer(notifier, ledger, waits, maximum=30).deliver(make_alert())
    assert waits == []
    assert result.status == "failed"
    assert result.attempts == 1
    assert result.error == "HTTP 503 (asked to retry after 120s, more than retry_max_s 30s)"


def test_not_retryable_fails_at_once() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(DeliveryError("HTTP 200 channel_not_found", retryable=False))
    result = make_deliverer(notifier, ledger, waits).deliver(make_alert())
    assert waits == []
    assert (result.status, result.attempts) == ("failed", 1)
    assert result.error == "HTTP 200 channel_not_found"
    assert result.external_id is None


def test_already_sent_is_refused_and_recorded_as_duplicate() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier("ts-1", "ts-2")
    deliverer = make_deliverer(notifier, ledger, waits)
    alert = make_alert()
    first = deliverer.deliver(alert)
    replay = deliverer.deliver(alert)
    assert first.status == "sent"
    assert replay.status == "duplicate"
    assert replay.attempts == 0
    assert replay.external_id is None
    assert len(notifier.sent) == 1
    assert ledger.statuses() == ["sent", "duplicate"]


def test_a_failed_delivery_is_tried_again_on_replay() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(DeliveryError("down", retryable=False), "ts")
    deliverer = make_deliverer(notifier, ledger, waits)
    alert = make_alert()
    assert deliverer.deliver(alert).status == "failed"
    assert deliverer.deliver(alert).status == "sent"
    assert ledger.statuses() == ["failed", "sent"]


def test_other_channels_of_the_same_alert_are_not_duplicates() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier("ts-1", "ts-2")
    deliverer = make_deliverer(notifier, ledger, waits)
    assert deliverer.deliver(make_alert(target="#a")).status == "sent"
    assert deliverer.deliver(make_alert(target="#b")).status == "sent"


def test_no_notifier_for_the_kind() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    deliverer = make_deliverer(ScriptedNotifier(), ledger, waits)
    result = deliverer.deliver(make_alert("email", "desk@example.org"))
    assert (result.status, result.attempts) == ("failed", 0)
    assert result.error == "no notifier configured for channel kind 'email'"
    assert ledger.results == [result]


def test_a_bug_in_a_notifier_propagates() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    deliverer = make_deliverer(ScriptedNotifier(KeyError("ts")), ledger, waits)
    with pytest.raises(KeyError):
        deliverer.deliver(make_alert())
    assert ledger.results == []


def test_from_settings() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(retryable(), retryable(), retryable())
    worker = WorkerSettings(delivery_attempts=3, retry_base_s=0.25, retry_max_s=0.3)
    deliverer = Deliverer.from_settings({"slack": notifier}, ledger, worker, sleep=waits.append)
    assert deliverer.deliver(make_alert()).status == "failed"
    assert waits == [0.25, 0.3]


def test_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="attempts must be at least 1"):
        Deliverer({}, InMemoryLedger(), attempts=0)


def test_end_to_end_with_the_slack_server_rate_limiting() -> None:
    """Real notifier, real HTTP: two 429s with Retry-After, then the message goes out."""
    with SlackServer(token="xoxb-e2e") as slack:
        slack.fail_next(2, status=429, retry_after=1)
        notifier = SlackNotifier(
            SlackSettings(token=SecretStr("xoxb-e2e"), base_url=slack.base_url), min_interval_s=0
        )
        ledger, waits = InMemoryLedger(), list[float]()
        result = make_deliverer(notifier, ledger, waits).deliver(make_alert())
        assert waits == [1.0, 1.0]
        assert [request.status for request in slack.requests] == [429, 429, 200]
        [message] = slack.messages
    assert (result.status, result.attempts, result.external_id) == ("sent", 3, message.ts)
    assert ledger.statuses() == ["sent"]


# -- rate limits: waited out, never dropped -------------------------------------------------


def test_rate_limits_do_not_spend_the_tries() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    limits = [RateLimited("HTTP 429 ratelimited", retry_after=2) for _ in range(7)]
    notifier = ScriptedNotifier(*limits, retryable(), "ts")
    result = make_deliverer(notifier, ledger, waits, attempts=2).deliver(make_alert())
    assert (result.status, result.attempts, result.external_id) == ("sent", 9, "ts")
    assert waits == [2.0] * 7 + [0.5]
    assert ledger.statuses() == ["sent"]


def test_rate_limited_without_retry_after_backs_off() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(*(RateLimited("HTTP 200 ratelimited") for _ in range(3)), "ts")
    assert make_deliverer(notifier, ledger, waits).deliver(make_alert()).status == "sent"
    assert waits == [0.5, 1.0, 2.0]


def test_a_tiny_retry_after_is_not_a_busy_loop() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(RateLimited("HTTP 429", retry_after=0), "ts")
    make_deliverer(notifier, ledger, waits, base=0).deliver(make_alert())
    assert waits == [0.05]


def test_rate_limited_for_longer_than_the_budget_fails() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(
        *(RateLimited("HTTP 429 ratelimited", retry_after=10) for _ in range(5))
    )
    result = make_deliverer(notifier, ledger, waits, rate_limit_max=25).deliver(make_alert())
    assert waits == [10.0, 10.0]
    assert (result.status, result.attempts) == ("failed", 3)
    assert result.error == (
        "HTTP 429 ratelimited (still rate limited after waiting 20s; rate_limit_max_s is 25s)"
    )


def test_a_retry_after_longer_than_retry_max_is_still_waited_for_a_rate_limit() -> None:
    ledger, waits = InMemoryLedger(), list[float]()
    notifier = ScriptedNotifier(RateLimited("HTTP 429", retry_after=60), "ts")
    result = make_deliverer(notifier, ledger, waits, maximum=30).deliver(make_alert())
    assert (result.status, waits) == ("sent", [60.0])


class PacedClock(FakeClock):
    """The fake clock, also noting when each Slack post left (after the limiter's wait)."""

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[tuple[str, float]] = []


class RecordingLimiter(ChannelRateLimiter):
    def __init__(self, clock: PacedClock) -> None:
        super().__init__(1.0, clock=clock, sleep=clock.sleep)
        self.fake = clock

    def wait(self, channel_key: str) -> float:
        waited = super().wait(channel_key)
        self.fake.posts.append((channel_key, self.fake.now))
        return waited


def test_a_429_storm_loses_nothing() -> None:
    """Ten alerts of two events on two channels; Slack answers five 429s in a row.

    Every alert ends "sent" exactly once, each channel gets its alerts in order, in one
    thread per event, never two posts to a channel within a second; a replay sends nothing.
    """
    clock = PacedClock()
    store = InMemoryEventStore()
    sudan, kordofan = Story("ev-sudan"), Story("ev-kordofan")
    alerts = []
    kinds: list[EventUpdateKind] = ["new", "report", "escalated", "report", "report"]
    for i, kind in enumerate(kinds):
        changes = ["severity 3 → 4"] if kind == "escalated" else []
        severity = 4 if i >= 2 else 3
        alerts.append(sudan.report(kind, changes, article_id=f"sd-{i}", severity=severity))
        alerts.append(
            kordofan.report(
                kind, changes, target="#kordofan", article_id=f"kd-{i}", severity=severity
            )
        )
    with SlackServer(token="xoxb-storm") as slack:
        notifier = SlackNotifier(
            SlackSettings(token=SecretStr("xoxb-storm"), base_url=slack.base_url),
            store,
            rate_limiter=RecordingLimiter(clock),
        )
        ledger = InMemoryLedger()
        deliverer = Deliverer({"slack": notifier}, ledger, sleep=clock.sleep)
        slack.fail_next(5, status=429, retry_after=1)
        results = [deliverer.deliver(alert) for alert in alerts]
        replayed = [deliverer.deliver(alert) for alert in alerts]
        messages = slack.messages
        statuses = [request.status for request in slack.requests]

    assert [r.status for r in results] == ["sent"] * 10
    assert [r.attempts for r in results] == [6] + [1] * 9
    assert statuses[:6] == [429] * 5 + [200] and set(statuses[6:]) == {200}
    # Exactly once: one Slack message per alert, and the ledger says so.
    assert len(messages) == 10
    assert sorted(r.external_id or "" for r in results) == sorted(m.ts for m in messages)
    assert [r.status for r in replayed] == ["duplicate"] * 10
    assert ledger.statuses().count("sent") == 10
    # In order per channel, one thread per event.
    for target in ("#sudan-desk", "#kordofan"):
        sent = [
            r.external_id
            for r, a in zip(results, alerts, strict=True)
            if a.channel.target == target
        ]
        assert [m.ts for m in messages if m.channel == target] == sent
        [parent, *replies] = [m for m in messages if m.channel == target]
        assert parent.thread_ts is None
        assert [m.thread_ts for m in replies] == [parent.ts] * 4
    # Retry-After honoured (five waits of 1 s), and each channel paced at one post a second.
    assert clock.sleeps.count(1.0) >= 5
    for key in ("slack:#sudan-desk", "slack:#kordofan"):
        times = [at for channel, at in clock.posts if channel == key]
        assert all(b - a >= 1.0 for a, b in zip(times, times[1:], strict=False)), times


def test_real_retry_after_through_slack_sdk() -> None:
    """Real time, real HTTP: 429s with a 0.2 s Retry-After are waited out, nothing is lost."""
    with SlackServer(token="xoxb-real") as slack:
        slack.fail_next(3, status=429, retry_after=0.2)
        notifier = SlackNotifier(
            SlackSettings(token=SecretStr("xoxb-real"), base_url=slack.base_url),
            min_interval_s=0,
        )
        ledger = InMemoryLedger()
        deliverer = Deliverer({"slack": notifier}, ledger, retry_base_s=0.01)
        alerts = [make_alert(target=("#a", "#b")[i % 2], article_id=f"art-{i}") for i in range(4)]
        started = time.monotonic()
        results = [deliverer.deliver(alert) for alert in alerts]
        elapsed = time.monotonic() - started
        requests = slack.requests
        messages = slack.messages
    assert [r.status for r in results] == ["sent"] * 4
    assert [r.attempts for r in results] == [4, 1, 1, 1]
    assert [r.status for r in requests] == [429, 429, 429, 200, 200, 200, 200]
    assert [m.ts for m in messages] == [r.external_id for r in results]
    assert 0.6 <= elapsed < 5
