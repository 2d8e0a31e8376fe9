"""What every notifier says at the top of a digest: the window and the title."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flashpoint.alerts.notifiers.render import (
    DigestWindow,
    digest_channel,
    digest_intro,
    digest_title,
)
from flashpoint.core.records import Alert
from tests.support.records import make_alert


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def routed(when: datetime, article_id: str = "art-1", **kwargs: Any) -> Alert:
    return make_alert(article_id=article_id, **kwargs).model_copy(update={"created_at": when})


def test_an_hourly_digest_covers_its_whole_hour() -> None:
    alerts = [routed(at(12, 5)), routed(at(12, 50), "art-2")]
    window = DigestWindow.of(alerts, send_at=at(13), digest="hourly")
    assert (window.start, window.end) == (at(12), at(13))
    assert window.text == "2026-03-01 12:00-13:00 UTC"


def test_a_daily_digest_covers_its_day_across_midnight() -> None:
    window = DigestWindow.of([routed(at(8))], send_at=at(0, day=2), digest="daily")
    assert (window.start, window.end) == (at(0), at(0, day=2))
    assert window.text == "2026-03-01 00:00 to 2026-03-02 00:00 UTC"


def test_a_window_never_claims_time_it_does_not_cover() -> None:
    # A digest that quiet hours pushed to 04:00: its alerts are older than one hour.
    first = at(21, 14) + timedelta(seconds=40)
    pushed = DigestWindow.of([routed(first)], send_at=at(4, day=2), digest="hourly")
    assert (pushed.start, pushed.end) == (at(21, 14), at(4, day=2))
    held = DigestWindow.of([routed(at(21, 7)), routed(at(22, 30), "art-2")], send_at=at(4, day=2))
    assert (held.start, held.end) == (at(21, 7), at(4, day=2))
    assert held.text == "2026-03-01 21:07 to 2026-03-02 04:00 UTC"


def test_titles_count_the_alerts_and_name_the_window() -> None:
    window = DigestWindow.of([routed(at(12, 5))], send_at=at(13), digest="hourly")
    assert digest_title(3, "digest", window) == (
        "Flashpoint digest: 3 alerts, 2026-03-01 12:00-13:00 UTC"
    )
    assert digest_title(1, "digest", window) == (
        "Flashpoint digest: 1 alert, 2026-03-01 12:00-13:00 UTC"
    )
    held = DigestWindow.of([routed(at(21))], send_at=at(4, day=2), part=2, parts=3)
    assert digest_title(2, "quiet_hours", held) == (
        "Flashpoint: 2 alerts held by quiet hours, 2026-03-01 21:00 to 2026-03-02 04:00 UTC"
        " (part 2 of 3)"
    )


def test_intro_names_the_desk_and_subscription() -> None:
    alerts = [routed(at(12, 5))]
    window = DigestWindow.of(alerts, send_at=at(13), digest="hourly")
    assert digest_intro(alerts, "digest", window) == (
        "Hourly digest for desk sudan (subscription sudan-all)"
    )
    assert digest_intro(alerts, "quiet_hours", window).startswith("Alerts held during quiet hours")


def test_a_digest_goes_to_exactly_one_channel_of_the_notifier_kind() -> None:
    slack_a, slack_b = make_alert(target="#a"), make_alert(target="#b", article_id="art-2")
    assert str(digest_channel([slack_a], "slack")) == "slack:#a"
    with pytest.raises(ValueError, match="one channel"):
        digest_channel([slack_a, slack_b], "slack")
    with pytest.raises(ValueError, match="cannot send"):
        digest_channel([slack_a], "email")
    with pytest.raises(ValueError, match="at least one"):
        digest_channel([], "slack")
