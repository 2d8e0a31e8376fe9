"""End to end through the real broker: publish → classify → route → Slack + email → audit."""

from __future__ import annotations

import json
import time
import urllib.request

from kafka import KafkaConsumer, KafkaProducer

from flashpoint.audit.views import AuditFilter
from flashpoint.core.records import DeadLetter
from tests.conftest import free_port
from tests.e2e.conftest import KADUGLI, Stack
from tests.support.worker import wait_for

WORKER_TIMEOUT = 90.0


def test_escalation_reaches_the_subscribed_desk_once_and_no_one_else(stack: Stack) -> None:
    stack.worker.start()
    stack.publish_article(
        "kadugli-1",
        KADUGLI,
        title="Roadside bomb and shelling in Kadugli",
        url="https://example.org/kadugli-1",
        source="Example Wire",
    )
    store = stack.store()
    wait_for(
        lambda: store.summary().deliveries_sent >= 2,
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="a Slack and an email delivery",
    )

    [message] = stack.slack.messages
    assert message.channel == "#sudan-desk"
    rendered = str(message.blocks)
    history = store.get_article("kadugli-1")
    assert history is not None
    [classification] = history.classifications
    assert {"explosive_device", "shelling", "casualties"} <= {
        s.type for s in classification.signals
    }
    top = max(classification.signals, key=lambda signal: signal.score)
    assert f"> {top.evidence}" in rendered  # the evidence sentence, quoted
    assert "https://example.org/kadugli-1" in rendered
    assert "Example Wire" in rendered
    [mail] = stack.smtp.messages
    assert mail.rcpt_tos == ["sudan-desk@example.org"]
    assert "Kadugli" in mail.message["Subject"]
    assert mail.message.get_body(("plain",)) is not None
    assert mail.message.get_body(("html",)) is not None

    outcomes = {(d.desk_id, d.outcome) for d in history.decisions}
    assert outcomes == {("sudan", "matched"), ("ukraine", "suppressed")}
    [ukraine] = [d for d in history.decisions if d.desk_id == "ukraine"]
    assert "SD" in ukraine.reason
    sent = sorted((d.channel, d.status) for d in history.deliveries)
    assert sent == [("email:sudan-desk@example.org", "sent"), ("slack:#sudan-desk", "sent")]
    assert {d.external_id for d in history.deliveries} >= {message.ts}
    assert not [r for r in stack.slack.requests if "ukraine" in str(r.body)]


def test_bad_input_is_dead_lettered_and_the_next_article_still_flows(stack: Stack) -> None:
    stack.worker.start()
    stack.publish(b"bad-json", b'{"id": "x", "text": ')
    stack.publish(b"no-text", b'{"id": "no-text", "title": "a title only"}')
    stack.publish(b"huge", b'{"id": "huge", "text": "' + b"a" * (5 * 1024 * 1024) + b'"}')
    stack.publish(b"binary", bytes(range(256)) * 4)
    stack.publish_article("kadugli-after-bad", KADUGLI, title="Kadugli after bad input")

    store = stack.store()
    wait_for(
        lambda: (
            store.summary().dead_letters_total >= 4
            and store.get_article("kadugli-after-bad") is not None
        ),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="4 dead letters and one article",
    )
    assert store.summary().dead_letters == {
        "malformed JSON": 1,
        "missing field: text": 1,
        "message too large": 1,
        "binary data": 1,
    }
    stack.slack.wait_for_messages(1, timeout=30)

    consumer = KafkaConsumer(
        stack.topics["dlq"],
        bootstrap_servers=stack.broker.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
        group_id=None,
    )
    letters = [DeadLetter.model_validate_json(record.value) for record in consumer]
    consumer.close()
    by_key = {letter.key: letter for letter in letters}
    assert set(by_key) == {"bad-json", "no-text", "huge", "binary"}
    for letter in letters:
        assert letter.topic == stack.topics["raw"]
        assert letter.partition is not None and letter.offset is not None
    assert by_key["huge"].payload_bytes > 5 * 1024 * 1024
    assert len(by_key["huge"].payload) <= 2_000
    entries = store.list_entries(AuditFilter(kind="dead_letter"), limit=10)
    assert len(entries) == 4


def test_a_replay_after_sigkill_delivers_each_alert_exactly_once(stack: Stack) -> None:
    # Offsets are committed only every 10 minutes: after SIGKILL nothing is committed.
    stack.worker.start(FLASHPOINT_WORKER__COMMIT_INTERVAL_S="600")
    articles = [f"kadugli-crash-{n}" for n in range(3)]
    for article_id in articles:
        stack.publish_article(article_id, KADUGLI, title=f"Kadugli report {article_id}")
    store = stack.store()
    wait_for(
        lambda: store.summary().deliveries_sent >= 6,
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="3 Slack and 3 email deliveries",
    )
    stack.worker.kill()

    stack.worker.start()
    # The restarted worker re-reads the uncommitted messages and the ledger refuses each one.
    wait_for(
        lambda: store.summary().duplicates_refused >= 6,
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="6 refused replays",
    )
    posted = [m.body.get("text") for m in stack.slack.messages]
    assert len(stack.slack.messages) == 3, posted
    assert len(stack.smtp.messages) == 3
    summary = store.summary()
    assert summary.deliveries_sent == 6
    assert summary.articles_classified == 3


def test_unreadable_records_on_internal_topics_are_dead_lettered(stack: Stack) -> None:
    # Only the worker writes these topics; a record it cannot read (another program's,
    # another version's) goes to the DLQ with why, and the worker carries on.
    stack.worker.start()
    internal = {
        "classified": stack.env["FLASHPOINT_TOPICS__CLASSIFIED"],
        "outbound": stack.env["FLASHPOINT_TOPICS__OUTBOUND"],
        "by_region": stack.env["FLASHPOINT_TOPICS__BY_REGION"],
        "surges": stack.env["FLASHPOINT_TOPICS__SURGES"],
    }
    producer = KafkaProducer(bootstrap_servers=stack.broker.bootstrap, acks="all")
    for name, topic in internal.items():
        producer.send(topic, key=f"junk-{name}".encode(), value=b'{"not": "ours"}').get(30)
    producer.close()
    stack.publish_article("kadugli-after-junk", KADUGLI, title="Kadugli after junk")

    store = stack.store()
    wait_for(
        lambda: store.summary().dead_letters_total >= 4,
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="4 dead letters",
    )
    stack.slack.wait_for_messages(1, timeout=WORKER_TIMEOUT)
    assert store.summary().dead_letters == {"unreadable record": 4}
    entries = store.list_entries(AuditFilter(kind="dead_letter"), limit=10)
    assert len(entries) == 4
    consumer = KafkaConsumer(
        stack.topics["dlq"],
        bootstrap_servers=stack.broker.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
        group_id=None,
    )
    letters = {
        letter.key: letter
        for letter in (DeadLetter.model_validate_json(record.value) for record in consumer)
    }
    consumer.close()
    assert set(letters) == {f"junk-{name}" for name in internal}
    for name, topic in internal.items():
        letter = letters[f"junk-{name}"]
        assert letter.topic == topic
        assert letter.payload == '{"not": "ours"}'
        assert letter.detail.startswith("not a ")
    assert letters["junk-surges"].detail == "not a SurgeAlert: surge_id: Field required"


POISON: dict[bytes, tuple[bytes, str]] = {
    b"deep": (
        b'{"id": "deep", "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "malformed JSON",
    ),
    b"huge-number": (b'{"id": "n", "text": "x", "n": ' + b"9" * 5_000 + b"}", "malformed JSON"),
    b"surrogate": (
        b'{"id": "s", "text": "Shelling hit Kadugli \\ud800 at dawn."}',
        "invalid text in field: text",
    ),
    b"nul": (b'{"id": "z", "text": "Shelling\\u0000 hit Kadugli."}', "invalid text in field: text"),
    b"year-1": (
        json.dumps({"id": "y1", "text": KADUGLI, "published_at": "0001-01-01T00:00:00Z"}).encode(),
        "invalid published_at",
    ),
}


def test_poison_never_blocks_the_partition_and_sigterm_still_stops_the_worker(
    stack: Stack,
) -> None:
    # Each of these once crashed a stage: the partition stopped, and SIGTERM hung.
    port = free_port()
    stack.worker.start(FLASHPOINT_WORKER__METRICS_PORT=str(port))
    for key, (value, _) in POISON.items():
        stack.publish(key, value)
    # Odd but valid text flows: zero-width and right-to-left marks.
    odd = KADUGLI.replace("Kadugli", "Kad\u200bugli", 1) + " \u202bشهود\u202c"
    stack.publish_article("odd-text", odd, title="Kadugli, odd characters")
    stack.publish_article("good-after-poison", KADUGLI, title="Kadugli after poison")

    store = stack.store()
    wait_for(
        lambda: (
            store.summary().dead_letters_total >= len(POISON)
            and store.get_article("good-after-poison") is not None
            and store.get_article("odd-text") is not None
        ),
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the poison dead-lettered and both good articles classified",
    )
    reasons: dict[str, int] = {}
    for _, reason in POISON.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    assert store.summary().dead_letters == reasons
    stack.slack.wait_for_messages(1, timeout=30)
    # The worker's own figures say the same (streams.metrics), and it is healthy.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        exposition = answer.read().decode()
    assert 'flashpoint_dead_letters_total{reason="malformed JSON"} 2.0' in exposition
    assert 'flashpoint_articles_total{outcome="classified"} 2.0' in exposition
    assert f'flashpoint_consumer_lag{{topic="{stack.topics["raw"]}"}}' in exposition
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as answer:
        assert json.loads(answer.read()) == {"database": "ok", "broker": "ok"}

    started = time.monotonic()
    assert stack.worker.stop() == 0
    assert time.monotonic() - started < 20


def test_a_corrected_toll_reaches_the_desk_in_the_thread_and_a_replay_does_not(
    stack: Stack,
) -> None:
    first = KADUGLI
    corrected = KADUGLI.replace("Five soldiers", "Seven soldiers")
    stack.worker.start()
    stack.publish_article("kadugli-toll", first, title="Kadugli attack")
    [parent] = stack.slack.wait_for_messages(1, timeout=WORKER_TIMEOUT)

    stack.publish_article("kadugli-toll", corrected, title="Kadugli attack")
    messages = stack.slack.wait_for_messages(2, timeout=WORKER_TIMEOUT)
    reply = messages[1]
    assert reply.thread_ts == parent.ts
    assert "revised report" in (reply.text or "")
    assert "killed 5 → 7" in (reply.text or "")

    store = stack.store()
    stack.publish_article("kadugli-toll", corrected, title="Kadugli attack")
    wait_for(
        lambda: store.summary().duplicates_refused >= 2,
        timeout=WORKER_TIMEOUT,
        worker=stack.worker,
        what="the replayed correction refused on Slack and email",
    )
    assert len(stack.slack.messages) == 2
    assert len(stack.smtp.messages) == 2
    history = store.get_article("kadugli-toll")
    assert history is not None and len(history.classifications) == 2
