"""Issue 4 through the real broker: silences, events and threads, quiet hours, a 429 storm,
radius subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flashpoint.alerts.subscriptions import parse_subscription
from flashpoint.audit.store import AuditStore
from flashpoint.audit.views import ArticleHistory
from flashpoint.core.records import RoutingDecision
from flashpoint.desks.store import DeskStore
from flashpoint.events.store import SqlEventStore
from tests.e2e.conftest import KADUGLI, Stack
from tests.support.worker import wait_for

WORKER_TIMEOUT = 90.0


def decided(store: AuditStore, article_id: str) -> ArticleHistory | None:
    """The article's history once its routing decisions are recorded."""
    history = store.get_article(article_id)
    return history if history is not None and history.decisions else None


def test_a_silence_suppresses_the_alert_and_the_audit_says_why(stack: Stack) -> None:
    store = stack.store()
    desks = DeskStore(store.engine)
    silence = desks.add_silence(
        country="SD",
        ends_at=datetime.now(UTC) + timedelta(hours=2),
        created_by="duty-editor",
        comment="known story, covered",
    )
    stack.worker.start()
    stack.publish_article("kadugli-silenced", KADUGLI, title="Kadugli under fire")

    history = wait_for(
        lambda: decided(store, "kadugli-silenced"),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the routing decisions",
    )
    [sudan] = [d for d in history.decisions if d.desk_id == "sudan"]
    assert sudan.outcome == "suppressed"
    assert f"silenced by silence {silence.id}" in sudan.reason
    assert "known story, covered" in sudan.reason
    # A later, unsilenced article still flows, so the silence really was what stopped it.
    desks.expire_silence(silence.id)
    stack.publish_article("kadugli-after-silence", KADUGLI.replace("Tuesday", "Wednesday"))
    stack.slack.wait_for_messages(1, timeout=WORKER_TIMEOUT)
    assert {m.channel for m in stack.slack.messages} == {"#sudan-desk"}
    assert store.get_article("kadugli-silenced") is not None
    assert all("kadugli-silenced" not in str(m.body) for m in stack.slack.messages)


def test_two_reports_of_one_incident_become_one_event(stack: Stack) -> None:
    stack.worker.start()
    stack.publish_article(
        "kadugli-wire-a",
        KADUGLI,
        title="Roadside bomb and shelling in Kadugli",
        source="Wire A",
        url="https://example.org/a",
    )
    second = (
        "Paramilitary fighters shelled homes in Kadugli on Tuesday in breach of last month's "
        "truce, hours after a roadside bomb killed seven soldiers near the town, a military "
        "spokesman said."
    )
    store = stack.store()
    wait_for(
        lambda: store.get_article("kadugli-wire-a"),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the first report",
    )
    stack.publish_article(
        "kadugli-wire-b",
        second,
        title="Kadugli shelled despite truce",
        source="Wire B",
        url="https://example.org/b",
    )
    events = SqlEventStore(store.engine)
    event_a = wait_for(
        lambda: events.event_of("kadugli-wire-a"),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the event of the first report",
    )
    event_b = wait_for(
        lambda: events.event_of("kadugli-wire-b"),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the event of the second report",
    )
    assert event_a == event_b
    event = events.get(event_a)
    assert event is not None
    assert {source.article_id for source in event.sources} == {
        "kadugli-wire-a",
        "kadugli-wire-b",
    }


def test_an_alert_held_by_quiet_hours_is_sent_when_they_end(stack: Stack) -> None:
    store = stack.store()
    desks = DeskStore(store.engine)
    # Quiet hours from two minutes ago until the next minute boundary after the next one:
    # the alert must wait, then go out when they end (the leader flushes every second).
    now = datetime.now(UTC)
    start = (now - timedelta(minutes=2)).strftime("%H:%M")
    end_at = (now + timedelta(minutes=1)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    desks.add_desk("night", "Night desk")
    desks.add_subscription(
        "night",
        parse_subscription(
            {
                "id": "night-sd",
                "regions": [{"country": "SD"}],
                "channels": {"slack": ["#night-desk"]},
                "quiet_hours": {"start": start, "end": end_at.strftime("%H:%M"), "timezone": "UTC"},
            },
            "test",
        ),
    )
    stack.worker.start(FLASHPOINT_WORKER__FLUSH_INTERVAL_S="1")
    stack.publish_article("kadugli-at-night", KADUGLI, title="Kadugli at night")
    history = wait_for(
        lambda: store.get_article("kadugli-at-night"),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the routing decision",
    )
    wait_for(
        lambda: history.decisions or store.get_article("kadugli-at-night").decisions,  # type: ignore[union-attr]
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the decision",
    )
    assert stack.slack.messages == []  # held, not sent
    assert datetime.now(UTC) < end_at
    [message] = stack.slack.wait_for_messages(1, timeout=(end_at - datetime.now(UTC)).seconds + 60)
    assert message.channel == "#night-desk"
    assert datetime.now(UTC) >= end_at


def test_follow_ups_reply_in_the_thread_and_a_corroborated_rise_updates_the_parent(
    stack: Stack,
) -> None:
    stack.worker.start()
    stack.publish_article("kadugli-first", KADUGLI, title="Roadside bomb in Kadugli")
    [parent] = stack.slack.wait_for_messages(1, timeout=WORKER_TIMEOUT)
    # Two more outlets report a higher toll for the same incident: the second one
    # corroborates it, so the event's stated figure rises from 5 to 11.
    store = stack.store()
    for n, source in enumerate(("Wire B", "Wire C")):
        article_id = f"kadugli-toll-{n}"
        stack.publish_article(
            article_id,
            KADUGLI.replace("Five soldiers were killed", "Eleven soldiers were killed"),
            title=f"Kadugli bomb toll rises to eleven ({source})",
            source=source,
        )
        wait_for(
            lambda article_id=article_id: store.get_article(article_id),  # type: ignore[misc]
            timeout=WORKER_TIMEOUT,
            worker=stack.worker,
            what=f"{article_id} to be classified",
        )
    messages = stack.slack.wait_for_messages(3, timeout=WORKER_TIMEOUT)

    assert [m.channel for m in messages] == ["#sudan-desk"] * 3
    assert parent.thread_ts is None
    assert [m.thread_ts for m in messages[1:]] == [parent.ts, parent.ts]
    assert "reports range 5–11" in (messages[1].text or "")
    wait_for(
        lambda: parent.updates,
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="chat.update of the parent",
    )
    assert "11 killed" in str(parent.updates[-1])


def test_a_429_storm_delays_alerts_but_loses_none(stack: Stack) -> None:
    # Slack answers the next six calls with 429 and a Retry-After of a fifth of a second.
    stack.slack.fail_next(6, status=429, retry_after=0.2)
    stack.worker.start()
    texts = {
        "storm-kadugli": KADUGLI,
        "storm-fasher": (
            "Artillery shells hit a crowded market in El Fasher on Sunday, killing nine "
            "civilians, medics said, as paramilitary forces pressed their siege of the city."
        ),
        "storm-madani": (
            "A drone strike hit a fuel depot in Wad Madani on Monday, starting a fire that "
            "burned for hours, residents said; the army blamed the paramilitary forces."
        ),
    }
    for article_id, text in texts.items():
        stack.publish_article(article_id, text)

    stack.slack.wait_for_messages(3, timeout=WORKER_TIMEOUT)
    store = stack.store()

    def delivered() -> dict[str, list[str]] | None:
        statuses: dict[str, list[str]] = {}
        for article_id in texts:
            history = store.get_article(article_id)
            slack = [
                str(d.status)
                for d in (history.deliveries if history else [])
                if d.channel.startswith("slack:")
            ]
            if not slack:
                return None
            statuses[article_id] = slack
        return statuses

    statuses = wait_for(delivered, timeout=WORKER_TIMEOUT, worker=stack.worker, what="deliveries")
    assert statuses == {article_id: ["sent"] for article_id in texts}
    assert len(stack.slack.messages) == 3  # each alert once, none dropped, none doubled
    refused = [r for r in stack.slack.requests if r.status == 429]
    assert len(refused) == 6


def test_a_radius_subscription_takes_a_town_20_km_away_not_one_200_km_away(
    stack: Stack,
) -> None:
    store = stack.store()
    desks = DeskStore(store.engine)
    desks.add_desk("nuba", "Nuba Mountains desk")
    # A point about 20 km north of Kadugli; El Obeid is about 230 km from it.
    desks.add_subscription(
        "nuba",
        parse_subscription(
            {
                "id": "nuba-50km",
                "regions": [{"lat": 11.19, "lon": 29.72, "radius_km": 50}],
                "channels": {"slack": ["#nuba-desk"]},
            },
            "test",
        ),
    )
    stack.worker.start()
    stack.publish_article("radius-kadugli", KADUGLI, title="Kadugli under fire")
    stack.publish_article(
        "radius-el-obeid",
        "A drone strike hit the airport in El Obeid on Monday, killing three soldiers, "
        "the army said, blaming the paramilitary forces besieging the city.",
        title="Drone strike on El Obeid airport",
    )

    def nuba_decision(article_id: str) -> RoutingDecision | None:
        history = store.get_article(article_id)
        found = [d for d in (history.decisions if history else []) if d.desk_id == "nuba"]
        return found[0] if found else None

    near = wait_for(
        lambda: nuba_decision("radius-kadugli"),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the Kadugli decision",
    )
    far = wait_for(
        lambda: nuba_decision("radius-el-obeid"),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the El Obeid decision",
    )
    assert near.outcome == "matched"
    assert far.outcome == "suppressed"
    assert "km" in far.reason
    wait_for(
        lambda: [m for m in stack.slack.messages if m.channel == "#nuba-desk"],
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the Kadugli alert on #nuba-desk",
    )
    history = wait_for(
        lambda: store.get_article("radius-el-obeid"),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the El Obeid history",
    )
    assert all(not d.channel.endswith("#nuba-desk") for d in history.deliveries)
    [nuba] = [m for m in stack.slack.messages if m.channel == "#nuba-desk"]
    assert "Kadugli" in (nuba.text or "")
