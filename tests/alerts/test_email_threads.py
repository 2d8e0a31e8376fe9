"""Email threads per event: follow-ups reply to the event's first message (real aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flashpoint.alerts.notifiers.email import EmailNotifier
from flashpoint.core.errors import DeliveryError
from flashpoint.core.settings import SmtpSettings
from flashpoint.events.store import InMemoryEventStore
from tests.alerts.story import Story, on
from tests.alerts.test_email import parts
from tests.alerts.test_slack_threads import RacingStore
from tests.support.smtp_server import SmtpSink

SENDER = "flashpoint@alerts.example.org"
DESK = "sudan-desk@example.org"
KEY = f"email:{DESK}"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def notifier(sink: SmtpSink, threads: InMemoryEventStore | None) -> EmailNotifier:
    settings = SmtpSettings(host=sink.host, port=sink.port, starttls=False, sender=SENDER)
    return EmailNotifier(settings, threads)


def test_follow_ups_reply_to_the_first_message(smtp: SmtpSink) -> None:
    store, story = InMemoryEventStore(), Story()
    send = notifier(smtp, store).send
    first_id = send(story.report("new", channel="email", target=DESK, article_id="art-1"))
    worse = story.report(
        "escalated",
        ["severity 3 → 4", "killed 5 → 12"],
        channel="email",
        target=DESK,
        article_id="art-2",
        title="Death toll in Kadugli rises to 12",
        severity=4,
        killed=12,
    )
    reply_id = send(worse)
    calm = story.report(
        "de_escalation",
        ["ceasefire agreement reported"],
        channel="email",
        target=DESK,
        article_id="art-3",
        title="Truce agreed for Kadugli",
        signals=[("ceasefire_agreement", 0.8, "Both sides agreed to a ceasefire.")],
        severity=1,
    )
    send(calm)

    root, escalation, truce = (mail.message for mail in smtp.wait_for_messages(3))
    assert store.message_for(story.event_id, KEY) == first_id == root["Message-ID"]
    assert first_id.endswith("@alerts.example.org>")
    assert root["In-Reply-To"] is None and root["References"] is None
    subject = "[Flashpoint] Severity 3/5: Paramilitary forces shell Kadugli"
    assert root["Subject"] == subject
    assert root["X-Flashpoint-Event-Id"] == story.event_id
    assert "Event ev-kadugli-1: Severity 3/5 · 1 source." in parts(root)["text/plain"]

    for reply in (escalation, truce):
        assert reply["In-Reply-To"] == first_id
        assert reply["References"] == first_id
        assert reply["Subject"] == f"Re: {subject}"
    assert escalation["Message-ID"] == reply_id != first_id

    text = parts(escalation)["text/plain"]
    assert text.startswith(
        "Escalated: severity 3 → 4; killed 5 → 12\n"
        "Event now:  Severity 4/5 · 12 killed · 2 sources\n\n"
        "Severity 4/5 ▰▰▰▰▱\nDeath toll in Kadugli rises to 12\n"
    )
    html = parts(escalation)["text/html"]
    assert "<strong>Escalated: severity 3 → 4; killed 5 → 12</strong>" in html
    assert parts(truce)["text/plain"].startswith("De-escalation: ceasefire agreement reported\n")


def test_a_retried_first_message_keeps_its_message_id(smtp: SmtpSink) -> None:
    store, story = InMemoryEventStore(), Story()
    send = notifier(smtp, store).send
    first = story.report("new", channel="email", target=DESK, article_id="art-1")
    smtp.reject_next(451, "4.3.0 try again later", stage="DATA")
    with pytest.raises(DeliveryError) as caught:
        send(first)
    assert caught.value.retryable
    claimed = store.message_for(story.event_id, KEY)
    assert send(first) == claimed
    [mail] = smtp.messages
    assert mail.message["Message-ID"] == claimed and mail.message["In-Reply-To"] is None


def test_two_workers_never_both_start_the_thread(smtp: SmtpSink) -> None:
    store, story = RacingStore(), Story()
    one, two = notifier(smtp, store), notifier(smtp, store)
    first_id = one.send(story.report("new", channel="email", target=DESK, article_id="art-1"))
    store.stale_reads = 1  # the second worker read the store before the first remembered
    two.send(story.report("report", channel="email", target=DESK, article_id="art-2"))
    root, other = (mail.message for mail in smtp.wait_for_messages(2))
    assert other["In-Reply-To"] == first_id
    assert other["Subject"] == f"Re: {root['Subject']}"
    assert parts(other)["text/plain"].startswith("Another source\nEvent now:  ")


def test_each_address_has_its_own_thread(smtp: SmtpSink) -> None:
    store, story = InMemoryEventStore(), Story()
    send = notifier(smtp, store).send
    first = story.report("new", channel="email", target=DESK, article_id="art-1")
    a = send(first)
    b = send(on(first, "email", "kordofan@example.org"))
    assert a != b
    assert store.message_for(story.event_id, "email:kordofan@example.org") == b
    assert all(mail.message["In-Reply-To"] is None for mail in smtp.messages)


def test_an_untitled_first_report_still_gives_a_stable_thread_subject(smtp: SmtpSink) -> None:
    store, story = InMemoryEventStore(), Story()
    send = notifier(smtp, store).send
    send(story.report("new", channel="email", target=DESK, article_id="art-1", title=None))
    send(story.report("report", channel="email", target=DESK, article_id="art-2"))
    root, reply = (mail.message for mail in smtp.wait_for_messages(2))
    assert root["Subject"] == "[Flashpoint] Severity 3/5: Shelling reported"
    assert reply["Subject"] == "Re: [Flashpoint] Severity 3/5: Shelling reported"


def test_without_a_store_each_alert_stands_alone(smtp: SmtpSink) -> None:
    story = Story()
    send = notifier(smtp, None).send
    send(story.report("new", channel="email", target=DESK, article_id="art-1"))
    send(story.report("report", channel="email", target=DESK, article_id="art-2"))
    assert [mail.message["In-Reply-To"] for mail in smtp.messages] == [None, None]
    assert not any(m.message["Subject"].startswith("Re:") for m in smtp.messages)


def test_a_stored_id_that_is_no_message_id_never_reaches_a_header(smtp: SmtpSink) -> None:
    store, story = InMemoryEventStore(), Story()
    store.remember_message(story.event_id, KEY, "<x@y>\r\nBcc: victim@example.org")
    notifier(smtp, store).send(
        story.report("report", channel="email", target=DESK, article_id="art-2")
    )
    [mail] = smtp.messages
    assert mail.rcpt_tos == [DESK]
    assert mail.message["In-Reply-To"] is None and mail.message["Bcc"] is None
