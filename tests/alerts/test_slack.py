"""The Slack notifier against a real local HTTP server speaking Slack's Web API."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from flashpoint.alerts.notifiers.slack import SlackNotifier, render_message
from flashpoint.core.errors import ConfigError, DeliveryError
from flashpoint.core.settings import SlackSettings
from tests.support.records import make_alert
from tests.support.slack_server import SlackServer

TOKEN = "xoxb-1111-2222-SECRETtokenVALUE"


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer(token=TOKEN) as server:
        yield server


def notifier_for(server: SlackServer, token: str = TOKEN, timeout_s: float = 5) -> SlackNotifier:
    # No pacing here: these tests are about what is sent (test_ratelimit covers the pace).
    return SlackNotifier(
        SlackSettings(token=SecretStr(token), base_url=server.base_url, timeout_s=timeout_s),
        min_interval_s=0,
    )


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text string anywhere in the blocks."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


def test_posts_block_kit_message_with_bearer_token(slack: SlackServer) -> None:
    alert = make_alert(
        severity=4,
        killed=5,
        injured=12,
        signals=[
            ("casualties", 0.8, "Five soldiers were killed."),
            ("shelling", 0.91, "Forces shelled residential districts of Kadugli."),
        ],
    )
    ts = notifier_for(slack).send(alert)

    [request] = slack.requests
    assert request.method == "chat.postMessage"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"].startswith("application/json")
    body = request.body
    assert body["channel"] == "#sudan-desk"
    assert body["unfurl_links"] is False
    assert body["unfurl_media"] is False
    assert body["link_names"] is False
    assert body["text"] == (
        "[Severity 4/5] Paramilitary forces shell Kadugli (Kadugli (South Kordofan, SD))"
    )
    [message] = slack.messages
    assert ts == message.ts
    header, facts, evidence, context = body["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Paramilitary forces shell Kadugli"},
    }
    assert [field["text"] for field in facts["fields"]] == [
        "*Severity 4/5*\n▰▰▰▰▱",
        "*Signals*\nshelling 0.91, casualties 0.80",
        "*Places*\nKadugli (South Kordofan, SD)",
        "*Casualties*\n5 killed, 12 injured",
    ]
    assert evidence["text"]["text"] == "> Forces shelled residential districts of Kadugli."
    assert [element["text"] for element in context["elements"]] == [
        "Source: <https://news.example.org/sudan/kadugli?id=1&amp;lang=en|Example News>",
        f"{alert.alert_id} · desk sudan · sudan-all",
    ]


def test_timestamps_are_unique_and_increasing(slack: SlackServer) -> None:
    notifier = notifier_for(slack)
    stamps = [notifier.send(make_alert()) for _ in range(5)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5


def test_article_text_cannot_mention_or_link(slack: SlackServer) -> None:
    alert = make_alert(
        title="<!channel> Fighting & <@U024BE7LH> in <https://evil.example|Kadugli>",
        source="<!here|Reuters> & co",
        signals=[("armed_clash", 0.9, "Clashes <!everyone> near <#C024BE7LR> @here & there")],
        places=[("Kadugli <!here>", "SD", "South <b>Kordofan</b>")],
    )
    notifier_for(slack).send(alert)
    body = slack.requests[0].body
    everything = [body["text"], *texts(body["blocks"])]
    for text in everything:
        # The only '<' we send is our own source link.
        assert text.count("<") == text.count("<https://news.example.org/")
        assert "<!" not in text and "<@" not in text and "<#" not in text
    header = body["blocks"][0]["text"]["text"]
    assert header == (
        "&lt;!channel&gt; Fighting &amp; &lt;@U024BE7LH&gt; in &lt;https://evil.example|Kadugli&gt;"
    )
    evidence = body["blocks"][2]["text"]["text"]
    assert evidence == "> Clashes &lt;!everyone&gt; near &lt;#C024BE7LR&gt; @here &amp; there"
    source = body["blocks"][3]["elements"][0]["text"]
    assert source == (
        "Source: <https://news.example.org/sudan/kadugli?id=1&amp;lang=en|"
        "&lt;!here|Reuters&gt; &amp; co>"
    )
    places = body["blocks"][1]["fields"][2]["text"]
    assert places == "*Places*\nKadugli &lt;!here&gt; (South &lt;b&gt;Kordofan&lt;/b&gt;, SD)"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/file",
        "https://",
        "https://exa mple.org/",
        "//example.org/no-scheme",
    ],
)
def test_only_http_links_are_linked(url: str) -> None:
    _, blocks = render_message(make_alert(url=url, source="Example News"))
    assert blocks[-1]["elements"][0]["text"] == "Source: Example News"


def test_link_characters_that_would_break_the_link_are_escaped() -> None:
    _, blocks = render_message(make_alert(url="https://example.org/a|b?x=<1>&y=2"))
    assert blocks[-1]["elements"][0]["text"] == (
        "Source: <https://example.org/a%7Cb?x=&lt;1&gt;&amp;y=2|Example News>"
    )


def test_long_headline_fits_slack_header_limit_after_escaping() -> None:
    text, blocks = render_message(make_alert(title="&" * 400))
    header = blocks[0]["text"]["text"]
    assert len(header) <= 150
    assert header.endswith("…")
    assert header[:-1] == "&amp;" * (len(header) // 5)


def test_multiline_title_is_flattened() -> None:
    _, blocks = render_message(make_alert(title="Line one\n\nLine\u2028two\x00three"))
    assert blocks[0]["text"]["text"] == "Line one Line two three"


def test_429_is_retryable_with_retry_after(slack: SlackServer) -> None:
    slack.fail_next(1, status=429, retry_after=7)
    with pytest.raises(DeliveryError) as caught:
        notifier_for(slack).send(make_alert())
    assert caught.value.retryable is True
    assert caught.value.retry_after == 7.0
    assert str(caught.value) == "slack chat.postMessage to #sudan-desk: HTTP 429 ratelimited"
    # slack_sdk's own retry handlers are off: one request, our Deliverer decides.
    assert len(slack.requests) == 1


def test_ratelimited_error_in_a_200_answer_is_retryable(slack: SlackServer) -> None:
    slack.fail_next(1, status=200, error="ratelimited")
    with pytest.raises(DeliveryError) as caught:
        notifier_for(slack).send(make_alert())
    assert caught.value.retryable is True
    assert caught.value.retry_after is None


def test_500_is_retryable(slack: SlackServer) -> None:
    slack.fail_next(1, status=500)
    with pytest.raises(DeliveryError) as caught:
        notifier_for(slack).send(make_alert())
    assert caught.value.retryable is True
    assert str(caught.value).startswith("slack chat.postMessage to #sudan-desk: HTTP 500")
    assert len(slack.requests) == 1


def test_channel_not_found_is_not_retryable(slack: SlackServer) -> None:
    slack.set_error("channel_not_found")
    with pytest.raises(DeliveryError) as caught:
        notifier_for(slack).send(make_alert())
    assert caught.value.retryable is False
    assert str(caught.value) == "slack chat.postMessage to #sudan-desk: HTTP 200 channel_not_found"


def test_wrong_token_is_not_retryable_and_never_printed(slack: SlackServer) -> None:
    wrong = "xoxb-9999-WRONGsecret"
    with pytest.raises(DeliveryError) as caught:
        notifier_for(slack, token=wrong).send(make_alert())
    assert caught.value.retryable is False
    assert str(caught.value) == "slack chat.postMessage to #sudan-desk: HTTP 200 invalid_auth"
    assert slack.requests[0].headers["authorization"] == f"Bearer {wrong}"


def test_connection_refused_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notifier = SlackNotifier(
        SlackSettings(token=SecretStr(TOKEN), base_url=f"http://127.0.0.1:{port}/api/")
    )
    with pytest.raises(DeliveryError) as caught:
        notifier.send(make_alert())
    assert caught.value.retryable is True
    assert "Connection refused" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_timeout_is_retryable() -> None:
    """A server that accepts the connection and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        accepted: list[socket.socket] = []
        thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]))
        thread.start()
        port = listener.getsockname()[1]
        notifier = SlackNotifier(
            SlackSettings(
                token=SecretStr(TOKEN), base_url=f"http://127.0.0.1:{port}/api/", timeout_s=0.2
            )
        )
        try:
            with pytest.raises(DeliveryError) as caught:
                notifier.send(make_alert())
        finally:
            thread.join()
            for conn in accepted:
                conn.close()
    assert caught.value.retryable is True
    assert "timed out" in str(caught.value)


def test_no_secret_in_any_error(slack: SlackServer) -> None:
    """Whatever the failure, the token is nowhere in the message or its causes."""
    notifier = notifier_for(slack)
    scripts: list[Callable[[], None]] = [
        lambda: slack.fail_next(1, status=429, retry_after=1),
        lambda: slack.fail_next(1, status=503),
        lambda: slack.set_error("invalid_auth"),
    ]
    for script in scripts:
        script()
        with pytest.raises(DeliveryError) as caught:
            notifier.send(make_alert())
        slack.set_error(None)
        assert TOKEN not in str(caught.value)
        assert TOKEN not in repr(caught.value)
        # The SDK's exception (which carries the request headers) is not chained for display.
        assert caught.value.__suppress_context__


def test_missing_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="slack.token is not set"):
        SlackNotifier(SlackSettings())


def test_server_records_form_bodies_and_other_methods(slack: SlackServer) -> None:
    """auth.test goes as a form, chat.update as JSON: the test server handles both."""
    from slack_sdk import WebClient

    client = WebClient(token=TOKEN, base_url=slack.base_url, retry_handlers=[])
    assert client.auth_test()["team"] == "Flashpoint Test"
    posted = client.chat_postMessage(channel="#ops", text="first")
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="second")
    methods = [(r.method, r.headers["content-type"].split(";")[0]) for r in slack.requests]
    assert methods == [
        ("auth.test", "application/x-www-form-urlencoded"),
        ("chat.postMessage", "application/json"),
        ("chat.update", "application/json"),
    ]
    [message] = slack.messages
    assert (message.channel, message.text) == ("#ops", "second")
    assert json.loads(json.dumps(message.updates)) == [
        {"channel": posted["channel"], "ts": posted["ts"], "text": "second"}
    ]
