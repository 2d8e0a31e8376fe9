"""Slack digests: one chat.postMessage listing every alert, escaped, paced, honest errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from flashpoint.alerts.notifiers.render import DigestWindow
from flashpoint.alerts.notifiers.slack import (
    DIGEST_MAX_ALERTS,
    SECTION_CHARS,
    SlackNotifier,
    render_digest,
    render_digest_entry,
)
from flashpoint.alerts.ratelimit import ChannelRateLimiter, RateLimited
from flashpoint.core.errors import DeliveryError
from flashpoint.core.records import Alert
from flashpoint.core.settings import SlackSettings
from tests.support.records import make_alert
from tests.support.slack_server import SlackServer

TOKEN = "xoxb-3333-4444-SECRETdigestTOKEN"
DUE = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer(token=TOKEN) as server:
        yield server


def notifier_for(server: SlackServer, **kwargs: Any) -> SlackNotifier:
    kwargs.setdefault("min_interval_s", 0)
    return SlackNotifier(SlackSettings(token=SecretStr(TOKEN), base_url=server.base_url), **kwargs)


def three() -> list[Alert]:
    return [
        make_alert(article_id="art-1", severity=4, killed=5),
        make_alert(
            article_id="art-2",
            title="Air strike on Dilling market",
            url="https://news.example.org/dilling",
            signals=[("air_strike", 0.88, "An air strike hit the market in Dilling.")],
            places=[("Dilling", "SD", "South Kordofan")],
            severity=3,
        ),
        make_alert(article_id="art-3", title="Clashes near El Obeid", url=None, severity=2),
    ]


def window(alerts: list[Alert]) -> DigestWindow:
    return DigestWindow.of(alerts, send_at=DUE, digest="hourly")


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block["type"] == "section"]


def test_one_message_lists_every_alert(slack: SlackServer) -> None:
    alerts = three()
    ts = notifier_for(slack).send_digest(alerts, why="digest", period=window(alerts))

    [request] = slack.requests
    assert request.method == "chat.postMessage"
    assert request.body["link_names"] is False and request.body["unfurl_links"] is False
    [message] = slack.messages
    assert message.ts == ts and message.channel == "#sudan-desk" and message.thread_ts is None
    assert message.text == "Flashpoint digest: 3 alerts, 2026-03-01 12:00-13:00 UTC"
    assert message.blocks is not None
    header, context = message.blocks[0], message.blocks[1]
    assert header["text"]["text"] == "Flashpoint digest: 3 alerts, 2026-03-01 12:00-13:00 UTC"
    assert context["elements"][0]["text"] == (
        "Hourly digest for desk sudan (subscription sudan-all)"
    )
    first, second, third = section_texts(message.blocks)
    assert first.splitlines() == [
        "*Severity 4/5* ▰▰▰▰▱  *Paramilitary forces shell Kadugli*",
        "Signals: shelling 0.91",
        "Places: Kadugli (South Kordofan, SD)",
        "Casualties: 5 killed",
        "Source: <https://news.example.org/sudan/kadugli?id=1&amp;lang=en|Example News> · "
        f"{alerts[0].alert_id}",
    ]
    assert "*Air strike on Dilling market*" in second
    assert "Signals: air_strike 0.88" in second and "Places: Dilling (South Kordofan, SD)" in second
    assert "<https://news.example.org/dilling|Example News>" in second
    assert "Source: Example News · " in third  # no URL: the source's name, unlinked


def test_article_text_cannot_ping_or_plant_links(slack: SlackServer) -> None:
    alert = make_alert(
        title="<!channel> alert <https://evil.example|click> & more",
        source="<@U123> News",
        url="https://news.example.org/a|b",
    )
    notifier_for(slack).send_digest([alert], why="digest", period=window([alert]))
    [message] = slack.messages
    assert message.blocks is not None
    [entry] = section_texts(message.blocks)
    assert "<!channel>" not in entry and "<https://evil" not in entry and "<@U123>" not in entry
    assert "&lt;!channel&gt; alert &lt;https://evil.example|click&gt; &amp; more" in entry
    assert "<https://news.example.org/a%7Cb|&lt;@U123&gt; News>" in entry


def test_a_long_entry_fits_a_section_block() -> None:
    alert = make_alert(
        title="&" * 400,
        url="https://news.example.org/" + "a&" * 900,
        places=[(f"Place {i} & <x>", "SD", "South Kordofan") for i in range(60)],
    )
    entry = render_digest_entry(alert)
    assert len(entry) <= SECTION_CHARS
    assert "<https://" not in entry  # the link went first
    assert "Source: Example News" in entry


def test_waits_on_the_channel_rate_limiter(slack: SlackServer) -> None:
    waited: list[str] = []

    class Recording(ChannelRateLimiter):
        def wait(self, channel_key: str) -> float:
            waited.append(channel_key)
            return 0.0

    alerts = three()
    notifier = notifier_for(slack, rate_limiter=Recording(0))
    notifier.send_digest(alerts, why="digest", period=window(alerts))
    notifier.send(alerts[0])
    assert waited == ["slack:#sudan-desk", "slack:#sudan-desk"]


def test_quiet_hours_title(slack: SlackServer) -> None:
    alerts = three()
    period = DigestWindow.of(alerts, send_at=DUE)
    text, blocks = render_digest(alerts, why="quiet_hours", period=period)
    assert text.startswith("Flashpoint: 3 alerts held by quiet hours, ")
    assert blocks[1]["elements"][0]["text"].startswith("Alerts held during quiet hours")


def test_refuses_bad_batches(slack: SlackServer) -> None:
    notifier = notifier_for(slack)
    mixed = [make_alert(target="#a"), make_alert(target="#b", article_id="art-2")]
    with pytest.raises(ValueError, match="one channel"):
        notifier.send_digest(mixed, why="digest", period=window(mixed))
    too_many = [make_alert(article_id=f"art-{i}") for i in range(DIGEST_MAX_ALERTS + 1)]
    with pytest.raises(ValueError, match="at most"):
        notifier.send_digest(too_many, why="digest", period=window(too_many))
    email = [make_alert("email", "desk@example.org")]
    with pytest.raises(ValueError, match="cannot send"):
        notifier.send_digest(email, why="digest", period=window(email))
    assert slack.requests == []


def test_the_most_a_digest_lists_fits_slacks_block_limit(slack: SlackServer) -> None:
    alerts = [make_alert(article_id=f"art-{i}") for i in range(DIGEST_MAX_ALERTS)]
    notifier_for(slack).send_digest(alerts, why="digest", period=window(alerts))
    [message] = slack.messages
    assert message.blocks is not None and len(message.blocks) <= 50


def test_errors_say_whether_to_retry_and_never_show_the_token(slack: SlackServer) -> None:
    alerts = three()
    notifier = notifier_for(slack)
    slack.fail_next(1, status=429, retry_after=3)
    with pytest.raises(RateLimited) as limited:
        notifier.send_digest(alerts, why="digest", period=window(alerts))
    assert limited.value.retryable is True and limited.value.retry_after == 3
    slack.fail_next(1, status=500)
    with pytest.raises(DeliveryError) as failing:
        notifier.send_digest(alerts, why="digest", period=window(alerts))
    assert failing.value.retryable is True
    slack.set_error("channel_not_found")
    with pytest.raises(DeliveryError) as refused:
        notifier.send_digest(alerts, why="digest", period=window(alerts))
    assert refused.value.retryable is False
    assert "channel_not_found" in str(refused.value)
    for error in (limited.value, failing.value, refused.value):
        assert TOKEN not in str(error)
    assert slack.messages == []
