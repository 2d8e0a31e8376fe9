"""The per-channel rate limiter: spacing per channel, other channels not held up, threads."""

from __future__ import annotations

import threading
import time

import pytest
from pydantic import SecretStr

from flashpoint.alerts.notifiers.slack import SlackNotifier
from flashpoint.alerts.ratelimit import ChannelRateLimiter
from flashpoint.core.settings import SlackSettings
from tests.support.records import make_alert
from tests.support.slack_server import SlackServer


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_one_send_per_interval_per_channel() -> None:
    clock = FakeClock()
    limiter = ChannelRateLimiter(1.0, clock=clock, sleep=clock.sleep)
    sent: list[tuple[str, float]] = []
    for channel in ["slack:#a", "slack:#a", "slack:#b", "slack:#a", "slack:#b"]:
        limiter.wait(channel)
        sent.append((channel, clock.now))
    assert sent == [
        ("slack:#a", 100.0),
        ("slack:#a", 101.0),
        ("slack:#b", 101.0),  # #b never waited for #a
        ("slack:#a", 102.0),
        ("slack:#b", 102.0),
    ]
    assert clock.sleeps == [1.0, 1.0]  # #b's second turn came a second after its first


def test_time_already_passed_counts() -> None:
    clock = FakeClock()
    limiter = ChannelRateLimiter(1.0, clock=clock, sleep=clock.sleep)
    assert limiter.wait("slack:#a") == 0
    clock.now += 0.75  # the alert took a while to render and route
    assert limiter.wait("slack:#a") == pytest.approx(0.25)
    clock.now += 5
    assert limiter.wait("slack:#a") == 0
    assert clock.sleeps == [pytest.approx(0.25)]


def test_zero_interval_never_waits_and_bad_intervals_are_refused() -> None:
    clock = FakeClock()
    limiter = ChannelRateLimiter(0, clock=clock, sleep=clock.sleep)
    assert [limiter.wait("slack:#a") for _ in range(3)] == [0, 0, 0]
    assert clock.sleeps == []
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="min_interval_s"):
            ChannelRateLimiter(bad)


def test_concurrent_senders_queue_on_their_channel_only() -> None:
    """Real clock and threads: four senders to #a are spaced; #b goes straight through."""
    interval = 0.1
    limiter = ChannelRateLimiter(interval)
    released: list[float] = []
    lock = threading.Lock()

    def send_to_a() -> None:
        limiter.wait("slack:#a")
        with lock:
            released.append(time.monotonic())

    start = time.monotonic()
    threads = [threading.Thread(target=send_to_a) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.02)
    assert limiter.wait("slack:#b") == 0
    b_done = time.monotonic() - start
    for thread in threads:
        thread.join()
    released.sort()
    gaps = [later - earlier for earlier, later in zip(released, released[1:], strict=False)]
    assert all(gap >= interval * 0.9 for gap in gaps), gaps
    assert released[-1] - start >= 3 * interval * 0.9
    assert b_done < interval  # #b did not wait behind #a's queue


def test_slack_notifier_paces_each_channel() -> None:
    clock = FakeClock()
    limiter = ChannelRateLimiter(1.0, clock=clock, sleep=clock.sleep)
    with SlackServer(token="xoxb-pace") as slack:
        notifier = SlackNotifier(
            SlackSettings(token=SecretStr("xoxb-pace"), base_url=slack.base_url),
            rate_limiter=limiter,
        )
        for target in ["#a", "#a", "#b", "#a"]:
            notifier.send(make_alert(target=target))
        assert [m.channel for m in slack.messages] == ["#a", "#a", "#b", "#a"]
    assert clock.sleeps == [1.0, 1.0]
    assert notifier.rate_limiter is limiter


def test_slack_notifier_default_pace_is_one_second() -> None:
    notifier = SlackNotifier(SlackSettings(token=SecretStr("xoxb-x")))
    assert notifier.rate_limiter.min_interval_s == 1.0
    assert (
        SlackNotifier(
            SlackSettings(token=SecretStr("xoxb-x")), min_interval_s=0.5
        ).rate_limiter.min_interval_s
        == 0.5
    )
