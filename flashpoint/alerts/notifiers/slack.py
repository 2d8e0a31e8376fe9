"""Slack notifier: Block Kit messages through the Web API, threaded per event.

Untrusted text. Everything that comes from an article (headline, evidence, place names,
source) goes through `escape`, which replaces ``&``, ``<`` and ``>`` with entities. Slack
only parses mentions and links inside angle brackets (``<!channel>``, ``<!here>``,
``<@U123>``, ``<https://x|label>``), so once ``<`` and ``>`` are escaped an article cannot
ping a channel or plant a disguised link. A bare ``@here`` or ``@channel`` is plain text
because we post with ``link_names=False`` (Slack only turns bare names into mentions when
``link_names`` is true). The source link is the one place we write ``<url|label>``
ourselves, and only for an http(s) URL, escaped, with ``|`` percent-encoded.

Threads. Without an `EventThreads` store, or for an alert without `event`, each alert is
one ``chat.postMessage``. With both, the notifier keeps one thread per event and channel:

- no message for the event on this channel yet: post the parent (the alert's card with the
  event's severity, places and casualty figures, and its number of sources) and remember
  ``"<channel id>|<ts>"``. If `remember_message` refuses because another worker announced
  the event first, our parent is deleted (``chat.delete``; a failure to delete is logged)
  and this alert follows up in the other's thread instead, so a channel keeps one parent
  per event;
- a parent exists: ``new`` (the event's first report, already announced here, e.g. by
  another subscription to this channel) posts nothing and returns the parent's ts;
  ``escalated`` first updates the parent (``chat.update``, the event's current severity
  and figures; repeating it is harmless, so a retry never duplicates anything), then
  replies in the thread with what changed; ``de_escalation`` replies "De-escalation: ...";
  ``report`` replies "Another source: <link>". The returned id is the reply's ts.

Slack gives the ts only once a message is posted, so nothing can be claimed beforehand: a
worker that dies between posting a parent and remembering it leaves that parent orphaned,
and the replay posts the event's parent anew (at-least-once, like every side effect here).

A failed ``chat.update`` that Slack will not accept later either (``message_not_found``,
``cant_update_message``...) is logged and the reply still goes out; a retryable one fails
the send before anything is posted, and the delivery stage tries again. Replays are the
delivery ledger's business (one key per article and channel), not the notifier's.

Pace. Every ``chat.postMessage`` first waits on a per-channel `ChannelRateLimiter`
(``min_interval_s``, default 1 s: Slack's "about one message a second per channel"), so a
burst queues instead of drawing 429s; other channels are not held up.

Errors. `slack_sdk`'s own retry handlers are disabled (``retry_handlers=[]``): the delivery
stage owns backoff. HTTP 429 and ``ratelimited`` raise `RateLimited` (retryable, with
Slack's Retry-After), which the delivery stage waits out without spending the alert's
tries; HTTP 5xx, Slack's transient errors, timeouts and connection failures are retryable;
any other ``ok: false`` (``channel_not_found``, ``invalid_auth``, ``not_in_channel``...) is
not. No message ever contains the token.

Digests. `send_digest` posts one message that lists several alerts of one subscription and
channel (a digest, or what quiet hours held back): a header with the count and the
window, then one section per alert with its severity, headline, signals, places, casualty
figures and source link, escaped like a single alert's card. It is never threaded (a
digest spans many events) and waits on the same rate limiter. Slack takes at most 50
blocks a message, so one digest lists at most `DIGEST_MAX_ALERTS` alerts (the digest
sender splits a bigger batch into parts).
"""

from __future__ import annotations

import http.client
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from flashpoint.alerts.notifiers.render import (
    MAX_SEVERITY,
    AlertView,
    DigestWhy,
    DigestWindow,
    SurgeView,
    digest_channel,
    digest_intro,
    digest_title,
    one_line,
    safe_url,
    severity_bar,
)
from flashpoint.alerts.notifiers.threads import EventThreads, UpdateView
from flashpoint.alerts.ratelimit import ChannelRateLimiter, RateLimited
from flashpoint.core.errors import ConfigError, DeliveryError
from flashpoint.core.records import Alert, Channel, EventUpdate
from flashpoint.core.settings import SlackSettings
from flashpoint.surge.models import SurgeNotice

log = logging.getLogger(__name__)

HEADER_CHARS = 150  # Slack's limit for a header block's text
SECTION_CHARS = 3000  # Slack's limit for a section block's text
# Slack's limit is 50 blocks a message; a digest uses two besides one per alert.
DIGEST_MAX_ALERTS = 45
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


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _card(
    *,
    headline: str,
    severity: int,
    signals: str,
    places: list[str],
    casualties: str | None,
    evidence: str | None,
    context: list[str],
) -> list[dict[str, Any]]:
    """The Block Kit card; every argument but `context` (already mrkdwn) is plain text."""
    fields = [
        f"*Severity {severity}/{MAX_SEVERITY}*\n{severity_bar(severity)}",
        f"*Signals*\n{escape(signals)}",
        f"*Places*\n{escape('; '.join(places)) or 'unknown'}",
    ]
    if casualties:
        fields.append(f"*Casualties*\n{escape(casualties)}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _header(headline)}},
        {"type": "section", "fields": [_mrkdwn(text) for text in fields]},
    ]
    if evidence:
        blocks.append({"type": "section", "text": _mrkdwn(f"> {escape(evidence)}")})
    blocks.append({"type": "context", "elements": [_mrkdwn(text) for text in context]})
    return blocks


def _ids(view: AlertView) -> str:
    return escape(f"{view.alert_id} · desk {view.desk_id} · {view.subscription_id}")


def _fallback(severity_label: str, headline: str, places: list[str]) -> str:
    where = f" ({escape(', '.join(places))})" if places else ""
    return f"[{severity_label}] {escape(headline)}{where}"


def render_message(alert: Alert) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the Block Kit blocks for one alert."""
    view = AlertView.of(alert)
    blocks = _card(
        headline=view.headline,
        severity=view.severity,
        signals=view.signals_text,
        places=view.places,
        casualties=view.casualties_text,
        evidence=view.evidence,
        context=[f"Source: {_link(view.url, view.source)}", _ids(view)],
    )
    return _fallback(view.severity_label, view.headline, view.places), blocks


def render_surge(notice: SurgeNotice) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and Block Kit blocks for a region's surge."""
    view = SurgeView.of(notice)
    samples = [
        f"• {_link(sample.url, sample.title)} ({escape(sample.source)})" for sample in view.samples
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _header(view.title)}},
        {"type": "section", "text": _mrkdwn(escape(view.summary))},
        {
            "type": "section",
            "fields": [
                _mrkdwn(f"*Signals*\n{escape(view.signals_text)}"),
                _mrkdwn(f"*Window*\n{escape(view.window_text)}"),
            ],
        },
    ]
    if samples:
        blocks.append(
            {"type": "section", "text": _mrkdwn("*Latest reports*\n" + "\n".join(samples))}
        )
    ids = escape(f"{view.alert_id} · desk {view.desk_id} · {view.subscription_id}")
    blocks.append({"type": "context", "elements": [_mrkdwn(ids)]})
    return f"[Surge] {escape(view.title)}: {escape(view.summary)}", blocks


def render_parent(alert: Alert, *, updated: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """The event's parent message: the alert's card with the event's state.

    Headline: the event's first report's title (stable across updates). Severity, places
    and casualty figures: the event's. Evidence and source: this alert's. With `updated`
    (a ``chat.update`` after an escalation) the card also says what changed.
    """
    event = UpdateView.of(alert)
    if event is None:
        return render_message(alert)
    view = AlertView.of(alert)
    known = {kind for kind, _ in view.signals}
    signals = [view.signals_text] if view.signals else []
    signals += [kind for kind in event.signals if kind not in known]
    context = [
        f"Source: {_link(view.url, view.source)}",
        escape(f"{event.sources_text} · event {event.event_id}"),
    ]
    if updated and event.changes:
        context.append(f"*Updated:* {escape(event.changes_text)}")
    context.append(_ids(view))
    places = event.places or view.places
    blocks = _card(
        headline=event.title,
        severity=event.severity,
        signals=", ".join(signals),
        places=places,
        casualties=event.casualties_text,
        evidence=view.evidence,
        context=context,
    )
    return _fallback(event.severity_label, event.title, places), blocks


def render_reply(alert: Alert) -> str:
    """The mrkdwn text of a follow-up in the event's thread."""
    event = UpdateView.of(alert)
    view = AlertView.of(alert)
    link = _link(view.url, view.source)
    if event is None:
        return f"{escape(view.headline)}\nSource: {link}"
    if event.kind == "report":
        extra = f" ({escape(event.changes_text)})" if event.changes else ""
        return f"Another source: {link}{extra}"
    lines = [f"*{escape(event.summary)}*", escape(view.headline)]
    if view.evidence:
        lines.append(f"> {escape(view.evidence)}")
    lines.append(f"Source: {link}")
    if event.kind == "escalated":
        lines.append(escape(f"Now: {event.state_text}"))
    return "\n".join(lines)


def _digest_entry(view: AlertView, *, places_chars: int, linked: bool) -> str:
    places = one_line("; ".join(view.places), places_chars) or "unknown"
    source = _link(view.url, view.source) if linked else escape(view.source)
    lines = [
        f"*{view.severity_label}* {severity_bar(view.severity)}  *{escape(view.headline)}*",
        f"Signals: {escape(view.signals_text)}",
        f"Places: {escape(places)}",
    ]
    if view.casualties_text:
        lines.append(f"Casualties: {escape(view.casualties_text)}")
    lines.append(f"Source: {source} · {escape(view.alert_id)}")
    return "\n".join(lines)


def render_digest_entry(alert: Alert) -> str:
    """The mrkdwn of one alert in a digest, within a section block's limit.

    Long text first loses the source link (a URL may be 2,000 characters), then place
    names; the last resort cuts the end (no '<' is left to cut into by then).
    """
    view = AlertView.of(alert)
    entry = ""
    for places_chars, linked in ((600, True), (600, False), (200, False)):
        entry = _digest_entry(view, places_chars=places_chars, linked=linked)
        if len(entry) <= SECTION_CHARS:
            return entry
    return entry[: SECTION_CHARS - 1] + "…"


def render_digest(
    alerts: Sequence[Alert], *, why: DigestWhy, period: DigestWindow
) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the Block Kit blocks of one digest message."""
    title = digest_title(len(alerts), why, period)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _header(title)}},
        {"type": "context", "elements": [_mrkdwn(escape(digest_intro(alerts, why, period)))]},
    ]
    blocks += [{"type": "section", "text": _mrkdwn(render_digest_entry(alert))} for alert in alerts]
    return escape(title), blocks


@dataclass(frozen=True)
class _Posted:
    channel_id: str
    ts: str

    def stored(self) -> str:
        return f"{self.channel_id}|{self.ts}"

    @classmethod
    def parse(cls, stored: str, channel: str) -> _Posted:
        """From ``"<channel id>|<ts>"`` (or a bare ts, posted to `channel`)."""
        channel_id, sep, ts = stored.partition("|")
        return cls(channel_id, ts) if sep else cls(channel, stored)


class SlackNotifier:
    """Posts alerts to Slack channels through the Web API (see the module docstring).

    `threads`: where each event's parent message is remembered (None: no threading).
    `min_interval_s`: the least time between two posts to one channel, for the limiter
    made here; or pass a shared `rate_limiter` (then `min_interval_s` is not used).
    """

    kind: str = "slack"

    def __init__(
        self,
        settings: SlackSettings,
        threads: EventThreads | None = None,
        *,
        min_interval_s: float = 1.0,
        rate_limiter: ChannelRateLimiter | None = None,
    ) -> None:
        if settings.token is None:
            raise ConfigError("slack.token is not set (FLASHPOINT_SLACK__TOKEN)")
        self._token = settings.token.get_secret_value()
        self._client = WebClient(
            token=self._token,
            base_url=settings.base_url,
            timeout=max(1, math.ceil(settings.timeout_s)),
            retry_handlers=[],
        )
        self._threads = threads
        self.rate_limiter = rate_limiter or ChannelRateLimiter(min_interval_s)

    def send(self, alert: Alert) -> str:
        if self._threads is None or alert.event is None:
            text, blocks = render_message(alert)
            return self._post(alert, text, blocks).ts
        return self._send_threaded(alert, alert.event, self._threads)

    def send_surge(self, notice: SurgeNotice) -> str:
        """Post a region's surge as a message of its own (a surge spans many events)."""
        text, blocks = render_surge(notice)
        return self._post_to(notice.channel, text, blocks).ts

    def send_notice(self, to: Channel, subject: str, text: str) -> str:
        """Post a plain notice: the subject in bold over the text, both escaped."""
        return self._post_to(to, f"*{escape(subject)}*\n{escape(text)}", None).ts

    def send_digest(self, alerts: Sequence[Alert], *, why: DigestWhy, period: DigestWindow) -> str:
        """Post one message listing `alerts` (one channel, at most `DIGEST_MAX_ALERTS`);
        return its ts. Raises `DeliveryError` like `send`, ValueError for a bad batch."""
        channel = digest_channel(alerts, self.kind)
        if len(alerts) > DIGEST_MAX_ALERTS:
            raise ValueError(
                f"a Slack digest lists at most {DIGEST_MAX_ALERTS} alerts, got {len(alerts)}"
            )
        text, blocks = render_digest(alerts, why=why, period=period)
        return self._post_to(channel, text, blocks).ts

    # -- threads -----------------------------------------------------------------------

    def _send_threaded(self, alert: Alert, update: EventUpdate, threads: EventThreads) -> str:
        event_id, key = update.event.event_id, str(alert.channel)
        stored = threads.message_for(event_id, key)
        if stored is None:
            text, blocks = render_parent(alert)
            posted = self._post(alert, text, blocks)
            if threads.remember_message(event_id, key, posted.stored()):
                return posted.ts
            stored = threads.message_for(event_id, key)
            if stored is None:  # refused, yet nothing stored: keep ours rather than lose it
                log.warning("event %s on %s: the parent was not remembered", event_id, key)
                return posted.ts
            # Another worker announced the event here first: one parent per channel.
            self._delete(alert, posted)
        parent = _Posted.parse(stored, alert.channel.target)
        if update.kind == "new":
            return parent.ts  # the event's first report, announced here already
        if update.kind == "escalated":
            self._update_parent(alert, parent)
        return self._post(alert, render_reply(alert), None, thread_ts=parent.ts).ts

    def _update_parent(self, alert: Alert, parent: _Posted) -> None:
        text, blocks = render_parent(alert, updated=True)
        try:
            self._call(
                "chat.update",
                alert.channel.target,
                lambda: self._client.chat_update(
                    channel=parent.channel_id, ts=parent.ts, text=text, blocks=blocks
                ),
            )
        except DeliveryError as exc:
            if exc.retryable:
                raise
            # The parent is gone or frozen; the reply still tells the desk what changed.
            log.warning("could not update the parent of alert %s: %s", alert.alert_id, exc)

    def _delete(self, alert: Alert, posted: _Posted) -> None:
        try:
            self._call(
                "chat.delete",
                alert.channel.target,
                lambda: self._client.chat_delete(channel=posted.channel_id, ts=posted.ts),
            )
        except DeliveryError as exc:
            log.warning(
                "could not delete the second parent %s on %s: %s",
                posted.ts,
                alert.channel.target,
                exc,
            )

    # -- the API -----------------------------------------------------------------------

    def _post(
        self,
        alert: Alert,
        text: str,
        blocks: list[dict[str, Any]] | None,
        *,
        thread_ts: str | None = None,
    ) -> _Posted:
        return self._post_to(alert.channel, text, blocks, thread_ts=thread_ts)

    def _post_to(
        self,
        to: Channel,
        text: str,
        blocks: list[dict[str, Any]] | None,
        *,
        thread_ts: str | None = None,
    ) -> _Posted:
        channel = to.target
        self.rate_limiter.wait(str(to))
        response = self._call(
            "chat.postMessage",
            channel,
            lambda: self._client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                link_names=False,
            ),
        )
        ts = response.get("ts")
        if not isinstance(ts, str) or not ts:
            raise DeliveryError(
                f"slack chat.postMessage to {channel}: the answer carried no message ts",
                retryable=False,
            )
        channel_id = response.get("channel")
        return _Posted(channel_id if isinstance(channel_id, str) and channel_id else channel, ts)

    def _call(self, method: str, channel: str, call: Callable[[], SlackResponse]) -> SlackResponse:
        try:
            return call()
        except SlackApiError as exc:
            raise self._api_error(method, channel, exc) from None
        except (OSError, http.client.HTTPException) as exc:
            # URLError, timeouts, refused or reset connections, truncated responses.
            reason = getattr(exc, "reason", None) or exc
            raise DeliveryError(
                self._redact(f"slack {method} to {channel}: {type(exc).__name__}: {reason}"),
                retryable=True,
            ) from None

    def _api_error(self, method: str, channel: str, exc: SlackApiError) -> DeliveryError:
        status = int(exc.response.status_code)
        data = exc.response.data
        error = str(data.get("error") or "") if isinstance(data, Mapping) else ""
        error = error if len(error) <= 200 else error[:200] + "…"
        message = self._redact(
            f"slack {method} to {channel}: HTTP {status}" + (f" {error}" if error else "")
        )
        if status == 429 or error == "ratelimited":
            return RateLimited(message, retry_after=_retry_after(exc.response.headers))
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
