"""Slack notifier: one `chat.postMessage` with Block Kit blocks per alert.

Untrusted text. Everything that comes from an article (headline, evidence, place names,
source) goes through `escape`, which replaces ``&``, ``<`` and ``>`` with entities. Slack
only parses mentions and links inside angle brackets (``<!channel>``, ``<!here>``,
``<@U123>``, ``<https://x|label>``), so once ``<`` and ``>`` are escaped an article cannot
ping a channel or plant a disguised link. A bare ``@here`` or ``@channel`` is plain text
because we post with ``link_names=False`` (Slack only turns bare names into mentions when
``link_names`` is true). The source link is the one place we write ``<url|label>``
ourselves, and only for an http(s) URL, escaped, with ``|`` percent-encoded.

Errors. `slack_sdk`'s own retry handlers are disabled (``retry_handlers=[]``): the delivery
stage owns backoff. HTTP 429 and ``ratelimited`` are retryable with Slack's Retry-After;
HTTP 5xx, Slack's transient errors, timeouts and connection failures are retryable; any
other ``ok: false`` (``channel_not_found``, ``invalid_auth``, ``not_in_channel``...) is not.
No message ever contains the token.
"""

from __future__ import annotations

import http.client
import math
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from alerts.notifiers.render import AlertView, safe_url, severity_bar
from flashpoint.errors import ConfigError, DeliveryError
from flashpoint.records import Alert
from flashpoint.settings import SlackSettings

HEADER_CHARS = 150  # Slack's limit for a header block's text
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def escape(text: str) -> str:
    """Slack's escaping for text that must not be parsed as links, mentions or commands."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _header(text: str) -> str:
    """Escaped `text` within Slack's header limit; entities count, so cut before escaping."""
    if len(escape(text)) <= HEADER_CHARS:
        return escape(text)
    keep = HEADER_CHARS - 1
    while len(escape(text[:keep])) > HEADER_CHARS - 1:
        keep -= 1
    return escape(text[:keep].rstrip()) + "…"


def _link(url: str | None, label: str) -> str:
    checked = safe_url(url)
    if checked is None:
        return escape(label)
    return f"<{escape(checked.replace('|', '%7C'))}|{escape(label)}>"


def render_message(alert: Alert) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the Block Kit blocks for one alert."""
    view = AlertView.of(alert)
    fields = [
        f"*{view.severity_label}*\n{severity_bar(view.severity)}",
        f"*Signals*\n{escape(view.signals_text)}",
        f"*Places*\n{escape('; '.join(view.places)) or 'unknown'}",
    ]
    if view.casualties_text:
        fields.append(f"*Casualties*\n{view.casualties_text}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _header(view.headline)}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": text} for text in fields]},
    ]
    if view.evidence:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"> {escape(view.evidence)}"}}
        )
    blocks.append(
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"Source: {_link(view.url, view.source)}"},
                {
                    "type": "mrkdwn",
                    "text": escape(
                        f"{view.alert_id} · desk {view.desk_id} · {view.subscription_id}"
                    ),
                },
            ],
        }
    )
    places = f" ({escape(', '.join(view.places))})" if view.places else ""
    text = f"[{view.severity_label}] {escape(view.headline)}{places}"
    return text, blocks


class SlackNotifier:
    """Posts alerts to Slack channels through the Web API (see the module docstring)."""

    kind: str = "slack"

    def __init__(self, settings: SlackSettings) -> None:
        if settings.token is None:
            raise ConfigError("slack.token is not set (FLASHPOINT_SLACK__TOKEN)")
        self._token = settings.token.get_secret_value()
        self._client = WebClient(
            token=self._token,
            base_url=settings.base_url,
            timeout=max(1, math.ceil(settings.timeout_s)),
            retry_handlers=[],
        )

    def send(self, alert: Alert) -> str:
        channel = alert.channel.target
        text, blocks = render_message(alert)
        try:
            response = self._client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
                link_names=False,
            )
        except SlackApiError as exc:
            raise self._api_error(channel, exc) from None
        except (OSError, http.client.HTTPException) as exc:
            # URLError, timeouts, refused or reset connections, truncated responses.
            reason = getattr(exc, "reason", None) or exc
            raise DeliveryError(
                self._redact(
                    f"slack chat.postMessage to {channel}: {type(exc).__name__}: {reason}"
                ),
                retryable=True,
            ) from None
        ts = response.get("ts")
        if not isinstance(ts, str) or not ts:
            raise DeliveryError(
                f"slack chat.postMessage to {channel}: the answer carried no message ts",
                retryable=False,
            )
        return ts

    def _api_error(self, channel: str, exc: SlackApiError) -> DeliveryError:
        status = int(exc.response.status_code)
        data = exc.response.data
        error = str(data.get("error") or "") if isinstance(data, Mapping) else ""
        error = error if len(error) <= 200 else error[:200] + "…"
        message = self._redact(
            f"slack chat.postMessage to {channel}: HTTP {status}" + (f" {error}" if error else "")
        )
        if status == 429 or error == "ratelimited":
            return DeliveryError(
                message, retryable=True, retry_after=_retry_after(exc.response.headers)
            )
        if status >= 500 or error in _TRANSIENT_ERRORS:
            return DeliveryError(message, retryable=True)
        return DeliveryError(message, retryable=False)

    def _redact(self, message: str) -> str:
        return message.replace(self._token, "[redacted]") if self._token else message


def _retry_after(headers: Mapping[str, Any]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                seconds = float(raw)
            except (TypeError, ValueError):
                return None
            return seconds if math.isfinite(seconds) and seconds >= 0 else None
    return None
