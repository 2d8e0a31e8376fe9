"""``flashpoint desks|subscriptions|routes|silences ...``: manage who hears about what.

Four Typer sub-apps for the main CLI to mount:

- `desks_app`: ``list``, ``add ID --name``, ``remove ID [--yes]``, ``show ID``;
- `subscriptions_app`: ``list [--desk --country --signal]``, ``add --desk (options |
  --from-yaml FILE)``, ``remove ID``, ``import FILE [--replace]``, ``export [--output]``;
- `routes_app`: ``test``: which desks, subscriptions and channels an alert would reach,
  and why the others would not (like Alertmanager's ``amtool config routes test``);
- `silences_app`: ``add``, ``list [--all]``, ``expire ID``.

All take ``--database-url`` (default: the settings' database) and migrate it first.
Exit codes: 2 for a bad option or an invalid subscription (the message names the key),
1 for an id that does not exist or is taken.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from flashpoint.alerts.routing import RouteExplanation, Router
from flashpoint.alerts.subscriptions import (
    Subscription,
    SubscriptionConfig,
    load_subscriptions,
    parse_subscription,
    parse_yaml,
)
from flashpoint.cli_support import fail, make_console, open_store
from flashpoint.core.clock import as_utc
from flashpoint.core.errors import ConfigError
from flashpoint.desks.errors import ConflictError, DeskError, InvalidSilenceError, NotFoundError
from flashpoint.desks.silences import Silence, parse_duration
from flashpoint.desks.store import DeskStore

desks_app = typer.Typer(help="Manage desks: who receives alerts.", no_args_is_help=True)
subscriptions_app = typer.Typer(
    help="Manage the desks' subscriptions: regions, signals, severity, channels, delivery.",
    no_args_is_help=True,
)
routes_app = typer.Typer(
    help="Test routing: which desks an alert would reach, and why not the others.",
    no_args_is_help=True,
)


@routes_app.callback()
def _routes() -> None:
    """Test routing: which desks an alert would reach, and why not the others."""


silences_app = typer.Typer(
    help="Mute alerts for a while, by region and signal.", no_args_is_help=True
)

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Audit database (default: FLASHPOINT_DATABASE_URL or .flashpoint/audit.db).",
        show_default=False,
    ),
]
SignalsOption = Annotated[
    list[str] | None,
    typer.Option("--signal", help="A signal type (repeat the option for several)."),
]


def _cell(value: object) -> Text:
    """A table cell shown as plain text (never as rich markup: names may hold brackets)."""
    if value is None:
        return Text("")
    if isinstance(value, datetime):
        return Text(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, (list, tuple)):
        return Text(", ".join(str(item) for item in value))
    return Text(str(value))


@contextmanager
def _open_store(database_url: str | None) -> Iterator[DeskStore]:
    """The desks store; the desks' own errors become exits with their message."""
    with open_store(DeskStore.open, database_url) as store:
        try:
            yield store
        except (ConfigError, InvalidSilenceError) as exc:
            raise fail(str(exc), 2) from None
        except (NotFoundError, ConflictError, DeskError) as exc:
            raise fail(str(exc), 1) from None


def _parse_time(value: str, option: str) -> datetime:
    try:
        return as_utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        raise typer.BadParameter(
            f"cannot read {value!r} as a time: use ISO 8601, e.g. 2026-03-01T18:00:00Z "
            "(no zone means UTC)",
            param_hint=option,
        ) from None


# -- desks -----------------------------------------------------------------------------


@desks_app.command("list")
def desks_list(database_url: DatabaseUrlOption = None) -> None:
    """List desks and how many subscriptions each has."""
    with _open_store(database_url) as store:
        desks = store.list_desks()
    if not desks:
        make_console().print("No desks. Add one with `flashpoint desks add ID --name NAME`.")
        return
    table = Table(title=f"Desks ({len(desks)})")
    table.add_column("Desk", no_wrap=True)
    table.add_column("Name")
    table.add_column("Subscriptions", justify="right")
    for desk in desks:
        table.add_row(_cell(desk.id), _cell(desk.name), _cell(desk.subscriptions))
    make_console().print(table)


@desks_app.command("add")
def desks_add(
    desk_id: Annotated[str, typer.Argument(help="Lower-case id, e.g. sudan.")],
    name: Annotated[str, typer.Option("--name", help="What people call the desk.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Add a desk (then give it subscriptions with `flashpoint subscriptions add`)."""
    with _open_store(database_url) as store:
        desk = store.add_desk(desk_id, name)
    typer.echo(f"added desk {desk.id} ({desk.name})")


@desks_app.command("remove")
def desks_remove(
    desk_id: Annotated[str, typer.Argument(help="The desk id.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Also remove the desk's subscriptions.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Remove a desk; one with subscriptions needs --yes (they go with it)."""
    with _open_store(database_url) as store:
        count = len(store.get_desk(desk_id).subscriptions)
        if count and not yes:
            raise fail(
                f"desk {desk_id!r} has {count} subscription(s); pass --yes to remove them too",
                1,
            )
        store.remove_desk(desk_id)
    typer.echo(f"removed desk {desk_id} and {count} subscription(s)")


@desks_app.command("show")
def desks_show(
    desk_id: Annotated[str, typer.Argument(help="The desk id.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Show a desk and its subscriptions, in the subscriptions file format."""
    with _open_store(database_url) as store:
        desk = store.get_desk(desk_id)
    typer.echo(f"# desk {desk.id}: {desk.name}, {len(desk.subscriptions)} subscription(s)")
    if desk.subscriptions:
        import yaml

        data = {"subscriptions": [sub.to_data() for sub in desk.subscriptions]}
        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip())


# -- subscriptions ---------------------------------------------------------------------


def _regions_text(subscription: Subscription) -> str:
    parts = []
    for region in subscription.regions:
        if region.kind == "radius":
            centre = (
                f"{region.city}, {region.country}"
                if region.city
                else f"({region.lat!r}, {region.lon!r})"
            )
            parts.append(f"{region.radius_km:g} km around {centre}")
        elif region.kind == "city":
            parts.append(f"{region.city}, {region.country}")
        elif region.admin1:
            parts.append(f"{region.country}: {', '.join(region.admin1)}")
        else:
            parts.append(str(region.country))
    return "; ".join(parts)


def _delivery_text(subscription: Subscription) -> str:
    text = subscription.mode if subscription.mode == "immediate" else f"{subscription.digest}"
    if subscription.mode == "digest":
        text += " digest"
    quiet = subscription.quiet_hours
    if quiet is not None:
        text += f"; quiet {quiet.describe()} (>= {quiet.min_severity_override} sent)"
    return text


@subscriptions_app.command("list")
def subscriptions_list(
    desk: Annotated[str | None, typer.Option("--desk", help="Only this desk's.")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="Only those naming this country (or '*').")
    ] = None,
    signal: Annotated[
        str | None, typer.Option("--signal", help="Only those receiving this signal.")
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List subscriptions: regions, signals, minimum severity, delivery and channels."""
    with _open_store(database_url) as store:
        entries = store.list_subscriptions(desk, country=country, signal=signal)
    if not entries:
        make_console().print("No subscriptions match.")
        return
    table = Table(title=f"Subscriptions ({len(entries)})")
    for column in ("Desk", "Subscription"):
        table.add_column(column, no_wrap=True)
    for column in ("Regions", "Signals"):
        table.add_column(column, overflow="fold")
    table.add_column("Min sev", justify="right")
    for column in ("Delivery", "Channels"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        sub = entry.subscription
        table.add_row(
            _cell(entry.desk_id),
            _cell(sub.id),
            _cell(_regions_text(sub)),
            _cell(sub.signals if sub.signals is not None else "all"),
            _cell(sub.min_severity),
            _cell(_delivery_text(sub)),
            _cell([f"{kind}:{target}" for kind, target in sub.channels.targets()]),
        )
    make_console().print(table)


def _subscription_from_options(options: dict[str, Any]) -> Subscription:
    """Build a subscription's data from the options given (only those), then validate it."""
    region = {
        key: options[key]
        for key in ("country", "admin1", "city", "lat", "lon", "radius_km")
        if options[key] not in (None, [])
    }
    data: dict[str, Any] = {"id": options["id"], "regions": [region]}
    if options["signals"]:
        data["signals"] = options["signals"]
    if options["min_severity"] is not None:
        data["min_severity"] = options["min_severity"]
    channels: dict[str, Any] = {}
    if options["slack"]:
        channels["slack"] = options["slack"]
    if options["email"]:
        channels["email"] = options["email"]
    if options["console"]:
        channels["console"] = True
    data["channels"] = channels
    if options["mode"] is not None:
        data["mode"] = options["mode"]
    if options["digest"] is not None:
        data["digest"] = options["digest"]
    quiet = {
        key: options[f"quiet_{key}"]
        for key in ("start", "end", "timezone", "min_severity_override")
        if options[f"quiet_{key}"] is not None
    }
    if quiet:
        data["quiet_hours"] = quiet
    return parse_subscription(data, "options")


@subscriptions_app.command("add")
def subscriptions_add(
    desk: Annotated[str, typer.Option("--desk", help="The desk that receives it.")],
    from_yaml: Annotated[
        Path | None,
        typer.Option(
            "--from-yaml", help="A YAML file holding one subscription mapping.", dir_okay=False
        ),
    ] = None,
    subscription_id: Annotated[
        str | None, typer.Option("--id", help="Lower-case id, unique across desks.")
    ] = None,
    country: Annotated[str | None, typer.Option("--country", help="ISO alpha-2, or '*'.")] = None,
    admin1: Annotated[
        list[str] | None, typer.Option("--admin1", help="A subdivision (repeatable).")
    ] = None,
    city: Annotated[str | None, typer.Option("--city", help="A town (with --country).")] = None,
    lat: Annotated[float | None, typer.Option("--lat", help="Centre of a radius.")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Centre of a radius.")] = None,
    radius_km: Annotated[
        float | None, typer.Option("--radius-km", help="Radius around --lat/--lon or --city.")
    ] = None,
    signals: SignalsOption = None,
    min_severity: Annotated[int | None, typer.Option("--min-severity")] = None,
    slack: Annotated[
        list[str] | None, typer.Option("--slack", help="#channel or id (repeatable).")
    ] = None,
    email: Annotated[
        list[str] | None, typer.Option("--email", help="Address (repeatable).")
    ] = None,
    console: Annotated[bool, typer.Option("--console", help="Print to the worker.")] = False,
    mode: Annotated[str | None, typer.Option("--mode", help="immediate or digest.")] = None,
    digest: Annotated[str | None, typer.Option("--digest", help="hourly or daily.")] = None,
    quiet_start: Annotated[str | None, typer.Option("--quiet-start", help="HH:MM")] = None,
    quiet_end: Annotated[str | None, typer.Option("--quiet-end", help="HH:MM")] = None,
    quiet_timezone: Annotated[
        str | None, typer.Option("--quiet-timezone", help="IANA zone, e.g. Africa/Khartoum.")
    ] = None,
    quiet_override: Annotated[
        int | None,
        typer.Option("--quiet-override", help="Severity sent even in quiet hours (default 5)."),
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Add a subscription to a desk, from options (one region) or from a YAML file."""
    if from_yaml is not None:
        if subscription_id is not None:
            raise typer.BadParameter("give either --from-yaml or --id, not both", param_hint="--id")
        try:
            text = from_yaml.read_text(encoding="utf-8")
            subscription = parse_subscription(parse_yaml(from_yaml, text), str(from_yaml))
        except OSError as exc:
            raise fail(f"{from_yaml}: cannot read: {exc.strerror}", 2) from None
        except ConfigError as exc:
            raise fail(str(exc), 2) from None
    else:
        if subscription_id is None:
            raise typer.BadParameter("give --id (or --from-yaml FILE)", param_hint="--id")
        options = {
            "id": subscription_id,
            "country": country,
            "admin1": admin1 or [],
            "city": city,
            "lat": lat,
            "lon": lon,
            "radius_km": radius_km,
            "signals": signals or [],
            "min_severity": min_severity,
            "slack": slack or [],
            "email": email or [],
            "console": console,
            "mode": mode,
            "digest": digest,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
            "quiet_timezone": quiet_timezone,
            "quiet_min_severity_override": quiet_override,
        }
        try:
            subscription = _subscription_from_options(options)
        except ConfigError as exc:
            raise fail(str(exc), 2) from None
    with _open_store(database_url) as store:
        store.add_subscription(desk, subscription)
    typer.echo(f"added subscription {subscription.id} to desk {desk}")


@subscriptions_app.command("remove")
def subscriptions_remove(
    subscription_id: Annotated[str, typer.Argument(help="The subscription id.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Remove a subscription."""
    with _open_store(database_url) as store:
        entry = store.remove_subscription(subscription_id)
    typer.echo(f"removed subscription {subscription_id} of desk {entry.desk_id}")


@subscriptions_app.command("import")
def subscriptions_import(
    path: Annotated[Path, typer.Argument(help="A subscriptions YAML file.", dir_okay=False)],
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Make the database hold exactly the file (else merge by id)."
        ),
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Import desks and subscriptions from YAML, validated first (nothing changes on error)."""
    with _open_store(database_url) as store:
        report = store.import_yaml(path, replace=replace)
    typer.echo(f"imported {path}: {report.describe()}")


@subscriptions_app.command("export")
def subscriptions_export(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here instead of stdout.", dir_okay=False),
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Export every desk and subscription as a subscriptions YAML file."""
    with _open_store(database_url) as store:
        text = store.export_yaml()
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}", err=True)


# -- routes ----------------------------------------------------------------------------


def _match_text(explanation: RouteExplanation) -> Text:
    if not explanation.matched:
        return Text("no", style="red")
    if explanation.delivery == "held":
        return Text("held", style="yellow")
    if explanation.delivery == "digest":
        return Text("digest", style="cyan")
    return Text("yes", style="green")


@routes_app.command("test")
def routes_test(
    severity: Annotated[
        int, typer.Option("--severity", min=0, max=5, help="The alert's severity (0-5).")
    ],
    signals: SignalsOption = None,
    country: Annotated[str | None, typer.Option("--country", help="ISO alpha-2.")] = None,
    admin1: Annotated[str | None, typer.Option("--admin1", help="A subdivision.")] = None,
    city: Annotated[
        str | None, typer.Option("--city", help="A town; fills country, admin1, lat/lon.")
    ] = None,
    lat: Annotated[float | None, typer.Option("--lat")] = None,
    lon: Annotated[float | None, typer.Option("--lon")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When (ISO 8601; default now): quiet hours.")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="Test this subscriptions file instead of the database.", dir_okay=False
        ),
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Which desks, subscriptions and channels an alert would reach, and why not the others."""
    if not signals:
        raise typer.BadParameter("give at least one --signal", param_hint="--signal")
    when = _parse_time(at, "--at") if at is not None else datetime.now(UTC)
    subscriptions: SubscriptionConfig
    if config is not None:
        try:
            subscriptions = load_subscriptions(config)
        except ConfigError as exc:
            raise fail(str(exc), 2) from None
        source = str(config)
    else:
        with _open_store(database_url) as store:
            subscriptions = store.load_config()
        source = "the desks database"
    try:
        explained = Router(subscriptions).explain(
            country, admin1, signals, severity, lat, lon, when, city=city
        )
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    console = make_console()
    if not explained:
        console.print(f"No subscriptions in {source}.")
        return
    table = Table(
        title=f"Routes for {', '.join(signals)}, severity {severity}, at "
        f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC ({source})"
    )
    table.add_column("Desk", no_wrap=True)
    table.add_column("Subscription", no_wrap=True)
    table.add_column("Channels", overflow="fold")
    table.add_column("Match", no_wrap=True)
    table.add_column("Why", overflow="fold")
    for item in explained:
        table.add_row(
            _cell(item.desk_id),
            _cell(item.subscription_id),
            _cell(item.channels),
            _match_text(item),
            _cell(item.reason),
        )
    console.print(table)
    reached = _reached(explained)
    console.print(f"Would reach: {reached}" if reached else "Would reach: no desk")


def _reached(explained: list[RouteExplanation]) -> str:
    desks: dict[str, list[str]] = {}
    for item in explained:
        if item.matched:
            desks.setdefault(item.desk_id, []).extend(item.channels)
    return "; ".join(
        f"{desk} ({', '.join(dict.fromkeys(channels))})" for desk, channels in desks.items()
    )


# -- silences --------------------------------------------------------------------------


@silences_app.command("add")
def silences_add(
    country: Annotated[str, typer.Option("--country", help="ISO alpha-2 country to mute.")],
    comment: Annotated[str, typer.Option("--comment", help="Why (shown to every desk).")],
    admin1: Annotated[str | None, typer.Option("--admin1", help="Only this subdivision.")] = None,
    signals: SignalsOption = None,
    duration: Annotated[
        str | None, typer.Option("--duration", help="How long: 30m, 6h, 2d, 1w.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Until when (ISO 8601, no zone = UTC).")
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="Who mutes (default: your user name).")
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Mute alerts in a region (and for some signals) from now, for a while."""
    if (duration is None) == (until is None):
        raise typer.BadParameter(
            "give exactly one of --duration or --until", param_hint="--duration"
        )
    now = datetime.now(UTC)
    if duration is not None:
        try:
            ends_at = now + parse_duration(duration)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--duration") from None
    else:
        assert until is not None
        ends_at = _parse_time(until, "--until")
    with _open_store(database_url) as store:
        silence = store.add_silence(
            country=country,
            admin1=admin1,
            signals=signals or None,
            starts_at=now,
            ends_at=ends_at,
            created_by=author or getpass.getuser(),
            comment=comment,
        )
    typer.echo(f"added {silence.describe()}")


def _silences_table(silences: list[Silence], now: datetime, title: str) -> Table:
    table = Table(title=title)
    table.add_column("Id", justify="right", no_wrap=True)
    table.add_column("State", no_wrap=True)
    table.add_column("Region", no_wrap=True)
    table.add_column("Signals", overflow="fold")
    table.add_column("Starts (UTC)", no_wrap=True)
    table.add_column("Ends (UTC)", no_wrap=True)
    table.add_column("By", overflow="fold")
    table.add_column("Comment", overflow="fold")
    for silence in silences:
        table.add_row(
            _cell(silence.id),
            _cell(silence.state(now)),
            _cell(silence.region()),
            _cell(silence.signals or "all"),
            _cell(silence.starts_at),
            _cell(silence.ends_at),
            _cell(silence.created_by),
            _cell(silence.comment),
        )
    return table


@silences_app.command("list")
def silences_list(
    show_all: Annotated[
        bool, typer.Option("--all", help="Also pending and expired silences.")
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """List the active silences (with --all, every one), newest first."""
    now = datetime.now(UTC)
    with _open_store(database_url) as store:
        silences = store.list_silences(None if show_all else now)
    if not silences:
        make_console().print("No silences." if show_all else "No active silences.")
        return
    title = f"{'Silences' if show_all else 'Active silences'} ({len(silences)})"
    make_console().print(_silences_table(silences, now, title))


@silences_app.command("expire")
def silences_expire(
    silence_id: Annotated[int, typer.Argument(help="The silence id.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """End a silence now."""
    with _open_store(database_url) as store:
        before = store.get_silence(silence_id)
        now = datetime.now(UTC)
        if before.state(now) == "expired":
            typer.echo(f"silence {silence_id} had already expired")
            return
        silence = store.expire_silence(silence_id, now)
    typer.echo(f"expired silence {silence.id} ({silence.region()})")
