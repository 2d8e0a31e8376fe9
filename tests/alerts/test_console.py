"""The console notifier prints article text literally and never fails."""

from __future__ import annotations

import io

from flashpoint.alerts.notifiers.console import ConsoleNotifier
from tests.support.records import make_alert


def test_prints_a_compact_alert() -> None:
    stream = io.StringIO()
    alert = make_alert("console", "stdout", severity=4, killed=3)
    external_id = ConsoleNotifier(stream).send(alert)
    assert external_id.startswith("console-")
    assert stream.getvalue().splitlines() == [
        "▰▰▰▰▱ 4/5 Paramilitary forces shell Kadugli",
        "  shelling 0.91  ·  Kadugli (South Kordofan, SD)  ·  3 killed",
        "  > Hours later the paramilitary forces shelled residential districts of the town.",
        "  Example News https://news.example.org/sudan/kadugli?id=1&lang=en  "
        f"[sudan/sudan-all {alert.alert_id}]",
    ]


def test_rich_markup_in_article_text_prints_literally() -> None:
    stream = io.StringIO()
    ConsoleNotifier(stream).send(make_alert(title="[bold red]Alert[/] [link=https://x]y[/link]"))
    assert "[bold red]Alert[/] [link=https://x]y[/link]" in stream.getvalue()


def test_colour_when_asked() -> None:
    stream = io.StringIO()
    ConsoleNotifier(stream, color=True).send(make_alert(severity=5))
    assert "\x1b[" in stream.getvalue()


def test_a_broken_stream_does_not_fail_the_delivery() -> None:
    stream = io.StringIO()
    stream.close()
    assert ConsoleNotifier(stream).send(make_alert()).startswith("console-")


def test_ids_are_unique() -> None:
    notifier = ConsoleNotifier(io.StringIO())
    assert len({notifier.send(make_alert()) for _ in range(10)}) == 10
