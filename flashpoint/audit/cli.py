"""`flashpoint audit ...`: search, show, export and count the audit history.

Mounted by the main CLI as a Typer sub-app (`audit_app`). Bad options (an unparsable
--since, an unknown --format, --kind or --signal, a --country that is not alpha-2)
exit with code 2 and say what is wrong; `show` of an unknown article exits with 1.
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from flashpoint.audit.export import write_csv, write_jsonl
from flashpoint.audit.store import AuditStore
from flashpoint.audit.views import (
    ArticleHistory,
    AuditEntry,
    AuditFilter,
    check_signal,
    normalise_country,
)
from flashpoint.cli_support import fail, make_console, open_store
from flashpoint.core.clock import as_utc

audit_app = typer.Typer(
    help="Search the audit history: what was classified, routed, delivered or dead-lettered.",
    no_args_is_help=True,
)

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class Kind(StrEnum):
    article = "article"
    routing = "routing"
    delivery = "delivery"
    dead_letter = "dead_letter"


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """An aware UTC datetime from ``24h``/``7d``/``30m``/``2w``/``90s`` (that long before
    `now`), an ISO date (midnight UTC) or an ISO datetime (naive means UTC).

    Raises `ValueError` with a message that says which forms are accepted.
    """
    text = value.strip()
    relative = _RELATIVE.match(text.lower())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: amount})
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(
            f"cannot read {value!r} as a time: use an ISO 8601 date or datetime "
            "(2024-05-01, 2024-05-01T12:00:00Z) or a relative age such as 30m, 24h, 7d, 2w"
        ) from None


DeskOption = Annotated[str | None, typer.Option("--desk", help="Only this desk's entries.")]
CountryOption = Annotated[
    str | None, typer.Option("--country", help="Only articles in this country (alpha-2, e.g. UA).")
]
SignalOption = Annotated[
    str | None, typer.Option("--signal", help="Only articles with this signal (e.g. shelling).")
]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Only entries since: ISO date/datetime, or an age like 24h, 7d."),
]
KindOption = Annotated[Kind | None, typer.Option("--kind", help="Only entries of this kind.")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, help="At most this many entries.")]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Audit database (default: FLASHPOINT_DATABASE_URL or .flashpoint/audit.db).",
        show_default=False,
    ),
]


def build_filter(
    desk: str | None,
    country: str | None,
    signal: str | None,
    since: str | None,
    kind: Kind | None,
) -> AuditFilter:
    """Validate the filter options; a bad one raises `typer.BadParameter` (exit code 2)."""
    try:
        country = None if country is None else normalise_country(country)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--country") from None
    try:
        signal = None if signal is None else check_signal(signal)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--signal") from None
    try:
        since_at = None if since is None else parse_since(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    return AuditFilter(
        desk=desk,
        country=country,
        signal=signal,
        since=since_at,
        kind=None if kind is None else kind.value,
    )


def _open_store(database_url: str | None) -> AuditStore:
    return open_store(AuditStore.open, database_url)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _cell(value: object) -> Text:
    """A table cell shown as plain text (never as rich markup: evidence has brackets)."""
    return Text(_text(value))


def _entry_lines(entry: AuditEntry, width: int) -> list[str]:
    """One entry as plain text: what, when and which article on the first line; where it
    went, what it found and why on the next ones, folded to `width`."""
    head = f"{_text(entry.at)}  {entry.kind:<14} {entry.status:<13} {entry.article_id or ''}"
    route = "/".join(part for part in (entry.desk_id, entry.subscription_id) if part)
    reason = entry.reason if entry.detail is None else f"{entry.reason}: {entry.detail}"
    facts = [
        route,
        _text(entry.channel),
        _text(entry.signals),
        _text(entry.countries),
        "" if entry.severity is None else f"severity {entry.severity}",
        _text(reason),
    ]
    body = " · ".join(fact for fact in facts if fact)
    indent = "    "
    return [
        head.rstrip(),
        *textwrap.wrap(
            body,
            max(width, 40),
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
        ),
    ]


@audit_app.command("list")
def list_command(
    desk: DeskOption = None,
    country: CountryOption = None,
    signal: SignalOption = None,
    since: SinceOption = None,
    kind: KindOption = None,
    limit: LimitOption = 50,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List audit entries, newest first, as a table."""
    filters = build_filter(desk, country, signal, since, kind)
    with _open_store(database_url) as store:
        entries = store.list_entries(filters, limit)
    if not entries:
        typer.echo("No audit entries match.")
        return
    # Plain lines, not a table: an entry has eleven facts, which no table fits into an
    # 80-column terminal; lines also pipe cleanly into grep and less.
    width = shutil.get_terminal_size((80, 24)).columns
    typer.echo(f"Audit entries ({len(entries)}, newest first, UTC)")
    for entry in entries:
        typer.echo("\n".join(_entry_lines(entry, width)))


@audit_app.command("export")
def export_command(
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or jsonl (one JSON object per line).")
    ] = ExportFormat.jsonl,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout.", dir_okay=False
        ),
    ] = None,
    desk: DeskOption = None,
    country: CountryOption = None,
    signal: SignalOption = None,
    since: SinceOption = None,
    kind: KindOption = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many entries.")
    ] = 10_000,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Export audit entries (same filters as `list`) as CSV or JSON Lines."""
    filters = build_filter(desk, country, signal, since, kind)
    with _open_store(database_url) as store:
        entries = store.list_entries(filters, limit)
    write = write_csv if export_format is ExportFormat.csv else write_jsonl
    if output is None:
        write(entries, sys.stdout)
        sys.stdout.flush()
        return
    with output.open("w", encoding="utf-8", newline="") as stream:
        count = write(entries, stream)
    typer.echo(f"wrote {count} entries to {output}", err=True)


def _history_tables(history: ArticleHistory) -> list[Table]:
    tables: list[Table] = []
    for record in history.classifications:
        signals = Table(
            title=Text(
                f"Classification by {record.model} at {_text(record.classified_at)} UTC: "
                f"severity {record.severity}, killed {_text(record.casualties.killed) or '?'}, "
                f"injured {_text(record.casualties.injured) or '?'}"
            ),
            title_justify="left",
        )
        for column in ("Signal", "Score", "Evidence"):
            signals.add_column(column, overflow="fold")
        for signal in record.signals:
            signals.add_row(
                _cell(signal.type), _cell(f"{signal.score:.2f}"), _cell(signal.evidence)
            )
        tables.append(signals)
        places = Table(title="Places", title_justify="left")
        for column in ("Name", "Country", "Admin1", "Lat", "Lon"):
            places.add_column(column, overflow="fold")
        for place in record.locations:
            places.add_row(
                *map(_cell, (place.name, place.country, place.admin1, place.lat, place.lon))
            )
        tables.append(places)
    decisions = Table(title="Routing decisions", title_justify="left")
    for column in ("At", "Desk", "Subscription", "Outcome", "Channels", "Reason"):
        decisions.add_column(column, overflow="fold")
    for decision in history.decisions:
        decisions.add_row(
            *map(
                _cell,
                (
                    decision.decided_at,
                    decision.desk_id,
                    decision.subscription_id,
                    decision.outcome,
                    decision.channels,
                    decision.reason,
                ),
            )
        )
    tables.append(decisions)
    deliveries = Table(title="Deliveries (every recorded outcome)", title_justify="left")
    for column in ("At", "Desk", "Channel", "Status", "Attempts", "External id", "Error"):
        deliveries.add_column(column, overflow="fold")
    for delivery in history.deliveries:
        for result in delivery.events:
            deliveries.add_row(
                *map(
                    _cell,
                    (
                        result.at,
                        result.desk_id,
                        result.channel,
                        result.status,
                        result.attempts,
                        result.external_id,
                        result.error,
                    ),
                )
            )
    tables.append(deliveries)
    return tables


@audit_app.command("show")
def show_command(
    article_id: Annotated[str, typer.Argument(help="The article id.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Show the full history of one article: signals, places, decisions, deliveries."""
    with _open_store(database_url) as store:
        history = store.get_article(article_id)
    if history is None:
        raise fail(f"no audit history for article {article_id!r}", 1)
    console = make_console()
    header = Text(f"Article {history.article_id}", style="bold")
    for label, value in (
        ("title", history.title),
        ("url", history.url),
        ("source", history.source),
        ("published", history.published_at),
    ):
        if value is not None:
            header.append(f"\n  {label}: ")
            header.append(_cell(value))
    if not history.classifications:
        header.append("\n  (no classification recorded)")
    console.print(header)
    for table in _history_tables(history):
        console.print(table)


@audit_app.command("summary")
def summary_command(database_url: DatabaseUrlOption = None) -> None:
    """Count what the audit history holds."""
    with _open_store(database_url) as store:
        summary = store.summary()
    table = Table(title="Audit summary")
    table.add_column("What")
    table.add_column("Count", justify="right")
    for label, count in (
        ("articles classified", summary.articles_classified),
        ("articles with signals", summary.articles_with_signals),
        ("alerts matched", summary.alerts_matched),
        ("alerts suppressed", summary.alerts_suppressed),
        ("deliveries sent", summary.deliveries_sent),
        ("deliveries failed", summary.deliveries_failed),
        ("deliveries waiting to retry", summary.deliveries_retrying),
        ("duplicates refused", summary.duplicates_refused),
        ("dead letters", summary.dead_letters_total),
    ):
        table.add_row(label, str(count))
    for reason, count in summary.dead_letters.items():
        table.add_row(Text(f"  dead letters: {reason}"), str(count))
    make_console().print(table)
