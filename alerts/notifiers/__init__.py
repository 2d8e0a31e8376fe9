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

`build_notifiers(settings, threads=...)` picks them from the settings (see its docstring).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Protocol, TextIO

from alerts.notifiers.threads import EventThreads
from flashpoint.errors import DeliveryError
from flashpoint.records import Alert

if TYPE_CHECKING:
    from flashpoint.settings import Settings


class Notifier(Protocol):
    """Sends one alert to one channel target; see the package docstring."""

    kind: str

    def send(self, alert: Alert) -> str:
        """Deliver `alert`, return the external id; raise `DeliveryError` on failure."""
        ...


class _PrintOnce:
    """Echoes an alert to the console once per subscription, not once per channel target.

    A desk with a Slack channel and two addresses would otherwise see the same alert three
    times on the worker's terminal. Remembers a bounded number of recent alerts.
    """

    kind = "console"

    def __init__(self, console: Notifier, remember: int = 10_000) -> None:
        self._console = console
        self._remember = remember
        self._seen: OrderedDict[tuple[str, str], str] = OrderedDict()

    def send(self, alert: Alert) -> str:
        key = (alert.alert_id, alert.subscription_id)
        if key not in self._seen:
            self._seen[key] = self._console.send(alert)
            if len(self._seen) > self._remember:
                self._seen.popitem(last=False)
        return self._seen[key]


class _Echo:
    """A notifier that also prints each alert it delivered to the console."""

    def __init__(self, primary: Notifier, console: Notifier) -> None:
        self.kind = primary.kind
        self._primary = primary
        self._console = console

    def send(self, alert: Alert) -> str:
        external_id = self._primary.send(alert)
        self._console.send(alert)
        return external_id


class _NotConfigured:
    """Stands in for a service with no settings: prints the alert, records why it failed."""

    def __init__(self, kind: str, missing: str, console: Notifier) -> None:
        self.kind = kind
        self._missing = missing
        self._console = console

    def send(self, alert: Alert) -> str:
        self._console.send(alert)
        raise DeliveryError(
            f"{self.kind} is not configured ({self._missing} is not set); "
            "the alert was printed to the console only",
            retryable=False,
        )


def build_notifiers(
    settings: Settings, *, stream: TextIO | None = None, threads: EventThreads | None = None
) -> dict[str, Notifier]:
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
    from alerts.notifiers.console import ConsoleNotifier
    from alerts.notifiers.email import EmailNotifier
    from alerts.notifiers.slack import SlackNotifier

    console = ConsoleNotifier(stream)
    echo_console = _PrintOnce(console)
    # `slack.min_interval_s` when the settings have it (not every version does).
    min_interval_s = settings.slack.min_interval_s
    services: dict[str, Notifier | str] = {
        "slack": (
            SlackNotifier(settings.slack, threads, min_interval_s=min_interval_s)
            if settings.slack_enabled
            else "slack.token"
        ),
        "email": EmailNotifier(settings.smtp, threads) if settings.email_enabled else "smtp.host",
    }
    echo = settings.console_alerts or not (settings.slack_enabled or settings.email_enabled)
    notifiers: dict[str, Notifier] = {"console": console}
    for kind, service in services.items():
        if isinstance(service, str):
            if echo:
                notifiers[kind] = _NotConfigured(kind, service, echo_console)
        else:
            notifiers[kind] = _Echo(service, echo_console) if echo else service
    return notifiers


__all__ = ["EventThreads", "Notifier", "build_notifiers"]
