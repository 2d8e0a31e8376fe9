"""Notifiers: one module per integration, each implementing the `Notifier` protocol.

    slack.SlackNotifier      Slack Web API chat.postMessage (Block Kit), returns the message ts
    email.EmailNotifier      SMTP, multipart text + HTML, returns the Message-ID
    console.ConsoleNotifier  a compact rich rendering on a stream, returns a generated id

A notifier sends one alert once. It does not retry: it raises `DeliveryError` with
`retryable` (and `retry_after` when the service said how long to wait; `RateLimited` for a
rate limit), and the delivery stage (`alerts.delivery.Deliverer`) owns backoff. Error
messages never contain secrets.

Given an `EventThreads` store (`events.store`), Slack and email thread an event's alerts
per channel: the first posts the event's message, later ones reply to it (`threads`).

Every one of them is also a `DigestNotifier`: `send_digest(alerts, why=..., period=...)`
sends one message listing several alerts of one subscription and channel (a digest, or
what quiet hours held back; `digests.sender.DigestSender` calls it), with the same errors.

`build_notifiers(settings, threads=...)` picks them from the settings (see its docstring).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TextIO

from flashpoint.alerts.notifiers.render import DigestWhy, DigestWindow
from flashpoint.alerts.notifiers.threads import EventThreads
from flashpoint.core.errors import DeliveryError
from flashpoint.core.records import Alert, Channel
from flashpoint.surge.models import SurgeNotice

if TYPE_CHECKING:
    from flashpoint.core.settings import Settings


class Notifier(Protocol):
    """Sends one alert to one channel target; see the package docstring."""

    kind: str

    def send(self, alert: Alert) -> str:
        """Deliver `alert`, return the external id; raise `DeliveryError` on failure."""
        ...

    def send_surge(self, notice: SurgeNotice) -> str:
        """Deliver a region's surge to `notice.channel`, like `send`."""
        ...

    def send_notice(self, to: Channel, subject: str, text: str) -> str:
        """Deliver a plain notice for the people running Flashpoint (not an alert) to
        `to`, like `send`."""
        ...


class DigestNotifier(Notifier, Protocol):
    """A notifier that can also send several alerts of one channel as one message."""

    def send_digest(self, alerts: Sequence[Alert], *, why: DigestWhy, period: DigestWindow) -> str:
        """Deliver one message listing `alerts` (all for one channel), return its external
        id; raise `DeliveryError` on failure (ValueError for an empty or mixed batch)."""
        ...


class _PrintOnce:
    """Echoes an alert to the console once per subscription, not once per channel target.

    A desk with a Slack channel and two addresses would otherwise see the same alert three
    times on the worker's terminal. Remembers a bounded number of recent alerts.
    """

    kind = "console"

    def __init__(self, console: DigestNotifier, remember: int = 10_000) -> None:
        self._console = console
        self._remember = remember
        self._seen: OrderedDict[tuple[str, ...], str] = OrderedDict()

    def send(self, alert: Alert) -> str:
        key = (alert.alert_id, alert.subscription_id)
        if key not in self._seen:
            self._seen[key] = self._console.send(alert)
            self._forget_old()
        return self._seen[key]

    def send_surge(self, notice: SurgeNotice) -> str:
        key = (notice.alert_id, notice.subscription_id)
        if key not in self._seen:
            self._seen[key] = self._console.send_surge(notice)
            self._forget_old()
        return self._seen[key]

    def send_digest(self, alerts: Sequence[Alert], *, why: DigestWhy, period: DigestWindow) -> str:
        subscriptions = {alert.subscription_id for alert in alerts}
        key = ("digest", *sorted(subscriptions), *sorted({a.alert_id for a in alerts}))
        if key not in self._seen:
            self._seen[key] = self._console.send_digest(alerts, why=why, period=period)
            self._forget_old()
        return self._seen[key]

    def send_notice(self, to: Channel, subject: str, text: str) -> str:
        return self._console.send_notice(to, subject, text)  # each notice is news

    def _forget_old(self) -> None:
        if len(self._seen) > self._remember:
            self._seen.popitem(last=False)


class _Echo:
    """A notifier that also prints each alert it delivered to the console."""

    def __init__(self, primary: DigestNotifier, console: DigestNotifier) -> None:
        self.kind = primary.kind
        self._primary = primary
        self._console = console

    def send(self, alert: Alert) -> str:
        external_id = self._primary.send(alert)
        self._console.send(alert)
        return external_id

    def send_surge(self, notice: SurgeNotice) -> str:
        external_id = self._primary.send_surge(notice)
        self._console.send_surge(notice)
        return external_id

    def send_digest(self, alerts: Sequence[Alert], *, why: DigestWhy, period: DigestWindow) -> str:
        external_id = self._primary.send_digest(alerts, why=why, period=period)
        self._console.send_digest(alerts, why=why, period=period)
        return external_id

    def send_notice(self, to: Channel, subject: str, text: str) -> str:
        external_id = self._primary.send_notice(to, subject, text)
        self._console.send_notice(to, subject, text)
        return external_id


class _NotConfigured:
    """Stands in for a service with no settings: prints the alert, records why it failed."""

    def __init__(self, kind: str, missing: str, console: DigestNotifier) -> None:
        self.kind = kind
        self._missing = missing
        self._console = console

    def send(self, alert: Alert) -> str:
        self._console.send(alert)
        raise self._not_configured("the alert was")

    def send_surge(self, notice: SurgeNotice) -> str:
        self._console.send_surge(notice)
        raise self._not_configured("the surge was")

    def send_digest(self, alerts: Sequence[Alert], *, why: DigestWhy, period: DigestWindow) -> str:
        self._console.send_digest(alerts, why=why, period=period)
        raise self._not_configured("the digest was")

    def send_notice(self, to: Channel, subject: str, text: str) -> str:
        self._console.send_notice(to, subject, text)
        raise self._not_configured("the notice was")

    def _not_configured(self, what: str) -> DeliveryError:
        return DeliveryError(
            f"{self.kind} is not configured ({self._missing} is not set); "
            f"{what} printed to the console only",
            retryable=False,
        )


def build_notifiers(
    settings: Settings, *, stream: TextIO | None = None, threads: EventThreads | None = None
) -> dict[str, DigestNotifier]:
    """The notifier for each channel kind, from the settings.

    - ``slack``: Slack when ``slack.token`` is set; ``email``: SMTP when ``smtp.host`` is set;
      ``console``: always (for subscriptions with ``console: true``), printing to `stream`
      (default: stdout).
    - With ``console_alerts`` on, or with neither Slack nor SMTP configured, every alert is
      printed to the console as well. A kind whose service is not configured then prints
      the alert and records a failed delivery that says what is missing, so an unset token
      never looks like a delivered alert in the audit history. With ``console_alerts`` off
      and the other service configured, such an alert fails with "no notifier configured".
    - `threads` (the event store): Slack and email thread each event's alerts per channel;
      None: one message per alert. Slack posts to a channel at most once per
      ``slack.min_interval_s`` (default 1 s) from this worker.
    """
    from flashpoint.alerts.notifiers.console import ConsoleNotifier
    from flashpoint.alerts.notifiers.email import EmailNotifier
    from flashpoint.alerts.notifiers.slack import SlackNotifier

    console = ConsoleNotifier(stream)
    echo_console = _PrintOnce(console)
    # `slack.min_interval_s` when the settings have it (not every version does).
    min_interval_s = settings.slack.min_interval_s
    services: dict[str, DigestNotifier | str] = {
        "slack": (
            SlackNotifier(settings.slack, threads, min_interval_s=min_interval_s)
            if settings.slack_enabled
            else "slack.token"
        ),
        "email": EmailNotifier(settings.smtp, threads) if settings.email_enabled else "smtp.host",
    }
    echo = settings.console_alerts or not (settings.slack_enabled or settings.email_enabled)
    # While echoing, the console channel prints through the same once-per-subscription
    # filter, so a subscription with `console: true` and an echoed Slack channel prints once.
    notifiers: dict[str, DigestNotifier] = {"console": echo_console if echo else console}
    for kind, service in services.items():
        if isinstance(service, str):
            if echo:
                notifiers[kind] = _NotConfigured(kind, service, echo_console)
        else:
            notifiers[kind] = _Echo(service, echo_console) if echo else service
    return notifiers


__all__ = ["DigestNotifier", "EventThreads", "Notifier", "build_notifiers"]
