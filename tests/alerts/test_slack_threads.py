"""Slack threads per event, against the real local Slack server and the in-memory event store.

The first alert of an event on a channel posts the parent; follow-ups reply in its thread;
an escalation also updates the parent; a channel never keeps two parents for one event.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine

from flashpoint.alerts.notifiers import EventThreads
from flashpoint.alerts.notifiers.slack import SlackNotifier, render_message
from flashpoint.alerts.ratelimit import RateLimited
from flashpoint.core.db import Base
from flashpoint.core.errors import DeliveryError
from flashpoint.core.settings import SlackSettings
from flashpoint.events.models import EVENT_TABLES
from flashpoint.events.store import InMemoryEventStore, SqlEventStore
from tests.alerts.story import Story, on
from tests.alerts.test_slack import texts
from tests.support.records import make_alert
from tests.support.slack_server import SlackServer

TOKEN = "xoxb-threads-test"
URL1 = "https://news.example.org/kadugli/1"
URL2 = "https://wire.example.com/kadugli-2"
FIRST_TITLE = "Paramilitary forces shell Kadugli"


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer(token=TOKEN) as server:
        yield server


def notifier(server: SlackServer, threads: EventThreads | None) -> SlackNotifier:
    settings = SlackSettings(token=SecretStr(TOKEN), base_url=server.base_url, timeout_s=5)
    return SlackNotifier(settings, threads, min_interval_s=0)


def fields(blocks: list[dict[str, Any]]) -> list[str]:
    return [field["text"] for field in blocks[1]["fields"]]


def context(blocks: list[dict[str, Any]]) -> list[str]:
    return [element["text"] for element in blocks[-1]["elements"]]


def test_first_alert_posts_the_parent_and_a_follow_up_replies_in_its_thread(
    slack: SlackServer,
) -> None:
    store, story = InMemoryEventStore(), Story()
    send = notifier(slack, store).send
    first = story.report("new", article_id="art-1", url=URL1)
    parent_ts = send(first)
    again = story.report("report", article_id="art-2", url=URL2, source="Wire & Co")
    reply_ts = send(again)

    [parent] = slack.parents()
    assert parent.ts == parent_ts and parent.thread_ts is None
    assert (
        store.message_for(story.event_id, "slack:#sudan-desk") == f"{parent.channel_id}|{parent_ts}"
    )
    assert parent.blocks is not None
    assert parent.blocks[0]["text"]["text"] == FIRST_TITLE
    assert f"1 source · event {story.event_id}" in context(parent.blocks)

    [reply] = slack.replies(parent_ts)
    assert reply.ts == reply_ts != parent_ts
    assert reply.body["thread_ts"] == parent_ts
    assert reply.channel == "#sudan-desk"
    assert reply.text == f"Another source: <{URL2}|Wire &amp; Co>"
    assert reply.body["link_names"] is False and reply.body["unfurl_links"] is False
    # A report adds nothing: the parent is left alone.
    assert [r.method for r in slack.requests] == ["chat.postMessage", "chat.postMessage"]
    assert parent.updates == []


def test_escalation_updates_the_parent_then_replies_with_what_changed(slack: SlackServer) -> None:
    store, story = InMemoryEventStore(), Story()
    send = notifier(slack, store).send
    parent_ts = send(story.report("new", article_id="art-1", severity=3, killed=5))
    worse = story.report(
        "escalated",
        ["severity 3 → 4", "killed 5 → 12"],
        article_id="art-2",
        title="Death toll in Kadugli rises to 12",
        severity=4,
        killed=12,
        signals=[("casualties", 0.88, "At least 12 people were killed, medics said.")],
        url=URL2,
        source="Kordofan Wire",
    )
    reply_ts = send(worse)

    methods = [r.method for r in slack.requests]
    assert methods == ["chat.postMessage", "chat.update", "chat.postMessage"]
    update = slack.requests[1].body
    [parent] = slack.parents()
    assert (update["channel"], update["ts"]) == (parent.channel_id, parent_ts)
    assert parent.updates == [update]
    # The parent now shows the event as it stands; its headline stays the first report's.
    blocks = parent.blocks
    assert blocks is not None
    assert blocks[0]["text"]["text"] == FIRST_TITLE
    assert fields(blocks)[0] == "*Severity 4/5*\n▰▰▰▰▱"
    assert "*Casualties*\n12 killed (reports 5–12)" in fields(blocks)
    assert fields(blocks)[1] == "*Signals*\ncasualties 0.88, shelling"
    assert "*Updated:* severity 3 → 4; killed 5 → 12" in context(blocks)
    assert f"2 sources · event {story.event_id}" in context(blocks)
    assert (
        parent.text
        == "[Severity 4/5] Paramilitary forces shell Kadugli (Kadugli (South Kordofan, SD))"
    )

    [reply] = slack.replies(parent_ts)
    assert reply.ts == reply_ts
    assert reply.text == (
        "*Escalated: severity 3 → 4; killed 5 → 12*\n"
        "Death toll in Kadugli rises to 12\n"
        "> At least 12 people were killed, medics said.\n"
        f"Source: <{URL2}|Kordofan Wire>\n"
        "Now: Severity 4/5 · 12 killed (reports 5–12) · 2 sources"
    )


def test_de_escalation_is_a_reply_in_the_thread(slack: SlackServer) -> None:
    store, story = InMemoryEventStore(), Story()
    send = notifier(slack, store).send
    parent_ts = send(story.report("new", article_id="art-1"))
    calm = story.report(
        "de_escalation",
        ["withdrawal reported"],
        article_id="art-3",
        title="Forces pull back from Kadugli outskirts",
        signals=[("withdrawal", 0.8, "The paramilitary forces withdrew from the outskirts.")],
        severity=1,
    )
    send(calm)
    [reply] = slack.replies(parent_ts)
    assert reply.text is not None
    assert reply.text.startswith("*De-escalation: withdrawal reported*\n")
    assert "Forces pull back from Kadugli outskirts" in reply.text
    assert "Now:" not in reply.text
    assert [r.method for r in slack.requests].count("chat.update") == 0
    assert len(slack.parents()) == 1


def test_never_a_second_parent_even_from_another_notifier_sharing_the_store(
    slack: SlackServer,
) -> None:
    """Two workers (two notifiers, one store); two subscriptions on one channel."""
    store, story = InMemoryEventStore(), Story()
    one, two = notifier(slack, store), notifier(slack, store)
    first = story.report("new", article_id="art-1")
    parent_ts = one.send(first)
    # The same first report for another subscription on the same channel: announced already.
    assert two.send(on(first, "slack", "#sudan-desk", subscription_id="sudan-severe")) == parent_ts
    reply_ts = two.send(story.report("report", article_id="art-2"))
    assert [m.ts for m in slack.parents()] == [parent_ts]
    assert [m.ts for m in slack.replies(parent_ts)] == [reply_ts]


class RacingStore(InMemoryEventStore):
    """A store read by a worker just before another worker remembered its parent."""

    def __init__(self) -> None:
        super().__init__()
        self.stale_reads = 0

    def message_for(self, event_id: str, channel: str) -> str | None:
        if self.stale_reads:
            self.stale_reads -= 1
            return None
        return super().message_for(event_id, channel)


def test_a_worker_that_loses_the_race_deletes_its_parent_and_follows_up_in_the_thread(
    slack: SlackServer,
) -> None:
    store, story = RacingStore(), Story()
    winner, loser = notifier(slack, store), notifier(slack, store)
    parent_ts = winner.send(story.report("new", article_id="art-1", severity=3))
    store.stale_reads = 1
    reply_ts = loser.send(
        story.report("escalated", ["severity 3 → 4"], article_id="art-2", severity=4)
    )
    methods = [r.method for r in slack.requests]
    assert methods == [
        "chat.postMessage",  # the winner's parent
        "chat.postMessage",  # the loser's parent, posted before it knew
        "chat.delete",  # ... taken back
        "chat.update",  # the winner's parent brought up to date
        "chat.postMessage",  # the reply in the winner's thread
    ]
    [deleted] = slack.deleted
    assert deleted.ts != parent_ts
    assert [m.ts for m in slack.parents()] == [parent_ts]
    assert [m.ts for m in slack.replies(parent_ts)] == [reply_ts]


def test_each_channel_has_its_own_thread(slack: SlackServer) -> None:
    store, story = InMemoryEventStore(), Story()
    send = notifier(slack, store).send
    first = story.report("new", article_id="art-1")
    a, b = send(first), send(on(first, "slack", "#kordofan"))
    send(on(story.report("report", article_id="art-2"), "slack", "#kordofan"))
    assert {m.channel: m.ts for m in slack.parents()} == {"#sudan-desk": a, "#kordofan": b}
    assert [m.channel for m in slack.replies(b)] == ["#kordofan"]
    assert slack.replies(a) == []


def test_the_first_alert_on_a_channel_is_its_parent_whatever_its_kind(slack: SlackServer) -> None:
    store, story = InMemoryEventStore(), Story()
    story.report("new", article_id="art-1", severity=2)  # went to another desk's channel
    worse = story.report("escalated", ["severity 2 → 4"], article_id="art-2", severity=4)
    ts = notifier(slack, store).send(worse)
    [parent] = slack.messages
    assert (parent.ts, parent.thread_ts) == (ts, None)
    assert parent.blocks is not None
    assert fields(parent.blocks)[0] == "*Severity 4/5*\n▰▰▰▰▱"
    assert "2 sources · event ev-kadugli-1" in context(parent.blocks)
    assert [r.method for r in slack.requests] == ["chat.postMessage"]


def test_an_update_slack_refuses_for_good_does_not_stop_the_reply(slack: SlackServer) -> None:
    store, story = InMemoryEventStore(), Story()
    send = notifier(slack, store).send
    parent_ts = send(story.report("new", article_id="art-1"))
    slack.fail_next(1, status=200, error="cant_update_message")
    send(story.report("escalated", ["severity 3 → 4"], article_id="art-2", severity=4))
    assert [(r.method, r.status) for r in slack.requests][1:] == [
        ("chat.update", 200),
        ("chat.postMessage", 200),
    ]
    assert len(slack.replies(parent_ts)) == 1


def test_a_rate_limited_update_fails_before_anything_is_posted(slack: SlackServer) -> None:
    """The retry then updates again (harmless) and replies once."""
    store, story = InMemoryEventStore(), Story()
    send = notifier(slack, store).send
    parent_ts = send(story.report("new", article_id="art-1"))
    worse = story.report("escalated", ["severity 3 → 4"], article_id="art-2", severity=4)
    slack.fail_next(1, status=429, retry_after=2)
    with pytest.raises(RateLimited) as caught:
        send(worse)
    assert caught.value.retry_after == 2.0
    assert str(caught.value) == "slack chat.update to #sudan-desk: HTTP 429 ratelimited"
    assert slack.replies(parent_ts) == []
    send(worse)
    assert len(slack.replies(parent_ts)) == 1
    assert len(slack.parents()[0].updates) == 1


def test_reply_text_is_escaped(slack: SlackServer) -> None:
    store, story = InMemoryEventStore(), Story()
    send = notifier(slack, store).send
    parent_ts = send(story.report("new", article_id="art-1"))
    send(
        story.report(
            "escalated",
            ["new signal: air_strike"],
            article_id="art-2",
            title="<!channel> Jets <@U024BE7LH> & more",
            signals=[("air_strike", 0.9, "Strike near <https://evil.example|here> <!here>")],
            source="<!here|Reuters>",
            url="javascript:alert(1)",
        )
    )
    [reply] = slack.replies(parent_ts)
    assert reply.text is not None
    assert "<!" not in reply.text and "<@" not in reply.text and "<http" not in reply.text
    assert "&lt;!channel&gt; Jets &lt;@U024BE7LH&gt; &amp; more" in reply.text
    assert "Source: &lt;!here|Reuters&gt;" in reply.text


def test_without_a_store_or_without_an_event_it_is_one_message_per_alert(
    slack: SlackServer,
) -> None:
    story = Story()
    first = story.report("new", article_id="art-1")
    follow = story.report("report", article_id="art-2")
    plain = notifier(slack, None)
    plain.send(first)
    plain.send(follow)
    store = InMemoryEventStore()
    notifier(slack, store).send(make_alert())  # no event
    assert [m.thread_ts for m in slack.messages] == [None, None, None]
    assert slack.messages[1].blocks == render_message(follow)[1]
    assert store.message_for(story.event_id, "slack:#sudan-desk") is None


def test_a_failed_parent_is_not_remembered(slack: SlackServer) -> None:
    store, story = InMemoryEventStore(), Story()
    slack.set_error("channel_not_found")
    with pytest.raises(DeliveryError):
        notifier(slack, store).send(story.report("new", article_id="art-1"))
    assert store.message_for(story.event_id, "slack:#sudan-desk") is None


def test_parent_card_keeps_todays_layout(slack: SlackServer) -> None:
    store, story = InMemoryEventStore(), Story()
    first = story.report("new", article_id="art-1", severity=4, killed=5, url=URL1)
    notifier(slack, store).send(first)
    [parent] = slack.messages
    assert parent.blocks is not None
    header, facts, evidence, ctx = parent.blocks
    assert header["type"] == "header" and evidence["type"] == "section"
    assert fields(parent.blocks) == [
        "*Severity 4/5*\n▰▰▰▰▱",
        "*Signals*\nshelling 0.91",
        "*Places*\nKadugli (South Kordofan, SD)",
        "*Casualties*\n5 killed",
    ]
    assert context(parent.blocks) == [
        f"Source: <{URL1}|Example News>",
        "1 source · event ev-kadugli-1",
        f"{first.alert_id} · desk sudan · sudan-all",
    ]
    assert all("<!" not in text for text in texts(parent.blocks))


def test_threads_survive_a_restart_with_the_sql_store(slack: SlackServer, tmp_path: Path) -> None:
    """The audit database's event store: a new worker replies in the old worker's thread."""
    engine = create_engine(f"sqlite:///{tmp_path / 'events.db'}")
    Base.metadata.create_all(engine, tables=list(EVENT_TABLES))
    try:
        story = Story()
        parent_ts = notifier(slack, SqlEventStore(engine)).send(
            story.report("new", article_id="art-1")
        )
        restarted = notifier(slack, SqlEventStore(engine))
        again = on(story.report("new", article_id="art-1"), "slack", "#sudan-desk", "other-sub")
        assert restarted.send(again) == parent_ts
        reply_ts = restarted.send(
            story.report("escalated", ["severity 3 → 4"], article_id="art-2", severity=4)
        )
    finally:
        engine.dispose()
    assert [m.ts for m in slack.parents()] == [parent_ts]
    assert [m.ts for m in slack.replies(parent_ts)] == [reply_ts]
    assert len(slack.parents()[0].updates) == 1
