"""Console notifier: a compact rich rendering of each alert on a text stream.

Article text is passed to rich as `Text` (never as markup), so ``[bold]`` or ``[link=...]``
in an article prints literally. It never raises: a broken stream is logged, and the alert
still counts as shown (the console is a convenience, not a delivery channel anyone relies on).

`send_digest` prints the digest's title line, then each alert as `send` would.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import TextIO

from rich.console import Console
from rich.text import Text

from flashpoint.alerts.notifiers.render import (
    AlertView,
    DigestWhy,
    DigestWindow,
    SurgeView,
    digest_intro,
    digest_title,
    severity_bar,
)
from flashpoint.core.records import Alert, Channel
from flashpoint.surge.models import SurgeNotice

log = logging.getLogger(__name__)

_SEVERITY_STYLE = {0: "dim", 1: "dim", 2: "yellow", 3: "dark_orange", 4: "red", 5: "bold red"}


def render_text(alert: Alert) -> Text:
    view = AlertView.of(alert)
    style = _SEVERITY_STYLE.get(view.severity, "red")
    text = Text.assemble(
        (f"{severity_bar(view.severity)} {view.severity}/5 ", style),
        (view.headline, "bold"),
        "\n  ",
        (view.signals_text, "cyan"),
        "  ·  ",
        "; ".join(view.places) or "place unknown",
    )
    if view.casualties_text:
        text.append(f"  ·  {view.casualties_text}")
    if view.evidence:
        text.append("\n  > ")
        text.append(view.evidence, "italic")
    text.append(f"\n  {view.source}", "dim")
    if view.url:
        text.append(f" {view.url}", "dim underline")
    text.append(f"  [{view.desk_id}/{view.subscription_id} {view.alert_id}]", "dim")
    return text


class ConsoleNotifier:
    """Prints alerts; `stream` defaults to the current ``sys.stdout`` at each print."""

    kind: str = "console"

    def __init__(self, stream: TextIO | None = None, *, color: bool | None = None) -> None:
        # color=None: colours only when the stream is a terminal (rich decides).
        self._console = Console(
            file=stream,
            highlight=False,
            soft_wrap=True,
            no_color=color is False,
            force_terminal=True if color else None,
        )

    def send(self, alert: Alert) -> str:
        external_id = f"console-{uuid.uuid4().hex[:16]}"
        try:
            self._console.print(render_text(alert))
        except Exception:  # the console must never fail a delivery
            log.warning("could not print alert %s to the console", alert.alert_id, exc_info=True)
        return external_id

    def send_notice(self, to: Channel, subject: str, text: str) -> str:
        external_id = f"console-{uuid.uuid4().hex[:16]}"
        try:
            self._console.print(Text.assemble(("! ", "bold red"), (subject, "bold"), "\n  ", text))
        except Exception:  # the console must never fail a delivery
            log.warning("could not print a notice to the console", exc_info=True)
        return external_id

    def send_surge(self, notice: SurgeNotice) -> str:
        external_id = f"console-{uuid.uuid4().hex[:16]}"
        view = SurgeView.of(notice)
        text = Text.assemble(
            ("▲ ", "bold red"),
            (view.title, "bold"),
            "\n  ",
            view.summary,
            "\n  ",
            (view.signals_text, "cyan"),
            "  ·  ",
            (view.window_text, "dim"),
        )
        for sample in view.samples:
            text.append(f"\n  - {sample.title} ({sample.source})", "dim")
        text.append(f"\n  [{view.desk_id}/{view.subscription_id} {view.alert_id}]", "dim")
        try:
            self._console.print(text)
        except Exception:  # the console must never fail a delivery
            log.warning("could not print surge %s to the console", notice.alert_id, exc_info=True)
        return external_id

    def send_digest(self, alerts: Sequence[Alert], *, why: DigestWhy, period: DigestWindow) -> str:
        external_id = f"console-{uuid.uuid4().hex[:16]}"
        text = Text.assemble(
            ("━━ ", "dim"),
            (digest_title(len(alerts), why, period), "bold"),
            "\n   ",
            (digest_intro(alerts, why, period), "dim"),
        )
        for alert in alerts:
            text.append("\n")
            text.append_text(render_text(alert))
        try:
            self._console.print(text)
        except Exception:  # the console must never fail a delivery
            log.warning("could not print a digest of %d alerts", len(alerts), exc_info=True)
        return external_id
