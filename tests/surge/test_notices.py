"""Surge notices: routed to desks with every decision audited, then sent by each notifier.

Real components: the audit store in SQLite, Slack's Web API served locally and driven by
the real slack_sdk client, and an aiosmtpd server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from io import StringIO
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from classifiers.rule_classifier import RuleClassifier
from flashpoint.alerts.delivery import Deliverer
from flashpoint.alerts.notifiers.console import ConsoleNotifier
from flashpoint.alerts.notifiers.email import EmailNotifier
from flashpoint.alerts.notifiers.slack import SlackNotifier
from flashpoint.core.records import Channel
from flashpoint.core.settings import Settings, SlackSettings, SmtpSettings
from flashpoint.surge.models import SurgeAlert, SurgeNotice, SurgeSample
from streams.pipeline import Pipeline, build_pipeline
from tests.support.ledger import InMemoryLedger
from tests.support.slack_server import SlackServer
from tests.support.smtp_server import SmtpSink
from tests.surge.builders import DAY0, report
from tests.surge.test_routing import CONFIG, surge

TOKEN = "xoxb-5555-6666-SECRETsurgeTOKEN"
NOW = DAY0 + timedelta(hours=10, minutes=30)


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[Pipeline]:
    subscriptions = tmp_path / "subscriptions.yaml"
    subscriptions.write_text(yaml.safe_dump(CONFIG.model_dump(mode="json", exclude_none=True)))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'audit.db'}", subscriptions_path=subscriptions
    )
    built = build_pipeline(settings, classifier=RuleClassifier())
    assert built.subscriptions == CONFIG
    built.clock = lambda: NOW
    built.desks.clock = lambda: NOW
    try:
        yield built
    finally:
        built.store.close()


def kordofan() -> SurgeAlert:
    return surge(admin1="South Kordofan", code="SD-KS")


def notice(channel: Channel, **changes: object) -> SurgeNotice:
    alert = kordofan()
    samples = [
        SurgeSample(
            article_id="a-1",
            title="<script>x</script> Shelling & fires in Kadugli",
            url="https://news.example.org/kadugli?id=1&lang=en",
            source="Example <News>",
        ),
        SurgeSample(article_id="a-2"),
    ]
    fields: dict[str, object] = {
        "alert_id": alert.surge_id,
        "desk_id": "kordofan",
        "subscription_id": "kordofan-south",
        "channel": channel,
        "surge": alert,
        "samples": samples,
        "created_at": NOW,
    }
    fields.update(changes)
    return SurgeNotice.model_validate(fields)


def test_every_subscription_gets_an_audited_decision_and_matches_get_notices(
    pipeline: Pipeline,
) -> None:
    notices, decisions = pipeline.route_surge(kordofan())

    assert [(n.desk_id, n.subscription_id, str(n.channel)) for n in notices] == [
        ("sudan", "sudan-all", "slack:#sudan"),
        ("sudan", "sudan-all", "email:sudan@example.org"),
        ("kordofan", "kordofan-south", "slack:#kordofan"),
        ("global", "everywhere", "console:stdout"),
    ]
    assert {n.delivery_key for n in notices} >= {"sg-test:kordofan-south:slack:#kordofan"}
    history = pipeline.store.get_article("a-1")
    assert history is not None
    reasons = {d.subscription_id: (d.outcome, d.reason) for d in history.decisions}
    assert reasons["kordofan-south"][0] == "matched"
    assert reasons["darfur-north"] == (
        "suppressed",
        "surge in South Kordofan (SD) is outside the subscription's regions",
    )
    assert reasons["truces"] == (
        "suppressed",
        "surge signals (shelling, air_strike) not among the subscription's signals",
    )
    assert reasons["kadugli-50km"][0] == "suppressed"
    assert {d.alert_id for d in history.decisions} == {"sg-test"}
    assert sorted(history.decisions, key=str) == sorted(decisions, key=str)


def test_samples_carry_what_the_audit_history_knows_of_each_report(
    pipeline: Pipeline,
) -> None:
    pipeline.store.record_classification(report("a-1", NOW - timedelta(minutes=20)))

    [first, *_], _ = pipeline.route_surge(kordofan())

    assert first.samples == [
        SurgeSample(article_id="a-1", title="Report a-1", url=None, source="Test Wire")
    ]


def test_a_silence_over_the_region_suppresses_the_surge_and_says_so(
    pipeline: Pipeline,
) -> None:
    silence = pipeline.desks.add_silence(
        country="SD",
        admin1="South Kordofan",
        ends_at=NOW + timedelta(hours=2),
        created_by="duty editor",
        comment="known offensive",
    )

    notices, decisions = pipeline.route_surge(kordofan())

    assert notices == []
    assert len(decisions) == 6

    history = pipeline.store.get_article("a-1")
    assert history is not None
    matched = [d for d in history.decisions if d.subscription_id == "kordofan-south"]
    assert matched[0].outcome == "suppressed"
    assert matched[0].reason.startswith(f"silenced by silence {silence.id} until ")


def test_a_surge_is_delivered_once_per_key() -> None:
    sent: list[SurgeNotice] = []

    class Recorder:
        kind = "console"

        def send(self, alert: object) -> str:
            raise AssertionError("a surge is not an article alert")

        def send_surge(self, item: SurgeNotice) -> str:
            sent.append(item)
            return f"id-{len(sent)}"

        def send_notice(self, to: Channel, subject: str, text: str) -> str:
            raise AssertionError("no notice here")

    ledger = InMemoryLedger()
    deliverer = Deliverer({"console": Recorder()}, ledger, sleep=lambda _: None)
    item = notice(Channel(kind="console", target="stdout"))

    first, replay = deliverer.deliver(item), deliverer.deliver(item)

    assert (first.status, first.external_id, first.alert_id) == ("sent", "id-1", "sg-test")
    assert first.delivery_key == "sg-test:kordofan-south:console:stdout"
    assert replay.status == "duplicate"
    assert sent == [item]


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer(token=TOKEN) as server:
        yield server


def test_slack_posts_one_card_with_the_counts_and_escaped_reports(slack: SlackServer) -> None:
    notifier = SlackNotifier(
        SlackSettings(token=SecretStr(TOKEN), base_url=slack.base_url), min_interval_s=0
    )

    ts = notifier.send_surge(notice(Channel(kind="slack", target="#kordofan")))

    [message] = slack.messages
    assert message.ts == ts and message.channel == "#kordofan" and message.thread_ts is None
    assert message.text is not None and message.text.startswith(
        "[Surge] Surge in South Kordofan (SD): 9 escalation signals in 24 h from 7 reports"
    )
    assert message.blocks is not None
    assert message.blocks[0]["text"]["text"] == "Surge in South Kordofan (SD)"
    rendered = str(message.blocks)
    assert "usually 1.0 a day over the 7 days before (alert above 3, 3× usual)" in rendered
    assert "shelling 6, air_strike 3" in rendered
    assert (
        "<https://news.example.org/kadugli?id=1&amp;lang=en|&lt;script&gt;x&lt;/script&gt; "
        "Shelling &amp; fires in Kadugli> (Example &lt;News&gt;)"
    ) in rendered
    assert "• a-2 (source unknown)" in rendered
    assert "<script>" not in rendered


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def bodies(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if not part.is_multipart()
    }


def test_email_sends_one_multipart_message_with_a_stable_id(smtp: SmtpSink) -> None:
    notifier = EmailNotifier(
        SmtpSettings(host=smtp.host, port=smtp.port, starttls=False, sender="fp@example.org")
    )
    item = notice(Channel(kind="email", target="kordofan@example.org"))

    first = notifier.send_surge(item)
    again = notifier.send_surge(item)

    assert first == again  # a resend after a crash carries the same Message-ID
    message = smtp.messages[0].message
    assert message["Subject"] == "[Flashpoint] Surge in South Kordofan (SD)"
    assert message["X-Flashpoint-Surge"] == "sg-test"
    parts = bodies(message)
    assert "9 escalation signals in 24 h from 7 reports" in parts["text/plain"]
    assert "https://news.example.org/kadugli?id=1&lang=en" in parts["text/plain"]
    html = parts["text/html"]
    assert "<script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt; Shelling &amp; fires in Kadugli" in html


def test_console_prints_the_surge() -> None:
    stream = StringIO()
    ConsoleNotifier(stream, color=False).send_surge(
        notice(Channel(kind="console", target="stdout"), created_at=datetime.now(UTC))
    )
    printed = stream.getvalue()
    assert "Surge in South Kordofan (SD)" in printed
    assert "shelling 6, air_strike 3" in printed
    assert "[kordofan/kordofan-south sg-test]" in printed
