"""`flashpoint desks|subscriptions|routes|silences ...` through Typer's CliRunner."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from flashpoint.alerts.subscriptions import load_subscriptions
from flashpoint.core.settings import REPO_ROOT
from flashpoint.desks.cli import desks_app, routes_app, silences_app, subscriptions_app
from flashpoint.desks.store import DeskStore

SHIPPED = REPO_ROOT / "config" / "subscriptions.yaml"
WIDE = {"COLUMNS": "250"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, app: typer.Typer, url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--database-url", url], env=WIDE)
    return result.exit_code, result.stdout, result.stderr


def rows(output: str, key: int = 1) -> dict[str, list[str]]:
    """A rich table's rows by their `key` cell (the subscription id), whitespace squeezed,
    with the lines of a wrapped row joined back."""
    found: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in output.splitlines():
        if not line.startswith("│"):
            last = None if not line.startswith(("┃", "┏", "┡")) else last
            continue
        cells = [" ".join(cell.split()) for cell in line.strip().strip("│").split("│")]
        if last is not None and not cells[0] and not cells[1]:
            for i, cell in enumerate(cells):
                last[i] = f"{last[i]} {cell}".strip()
            continue
        last = cells
        found[cells[key]] = cells
    return found


# -- desks ------------------------------------------------------------------------------


def test_desks_add_list_show_remove(runner: CliRunner, database_url: str) -> None:
    code, out, _ = invoke(
        runner, desks_app, database_url, "add", "kordofan", "--name", "Kordofan desk"
    )
    assert (code, out) == (0, "added desk kordofan (Kordofan desk)\n")
    code, _, err = invoke(runner, desks_app, database_url, "add", "kordofan", "--name", "Again")
    assert (code, err) == (1, "error: desk 'kordofan' already exists\n")
    code, _, err = invoke(runner, desks_app, database_url, "add", "Kordofan", "--name", "K")
    assert code == 2 and err.startswith("error: desk id: 'Kordofan' is not a valid id")
    code, out, _ = invoke(
        runner, subscriptions_app, database_url,
        "add", "--desk", "kordofan", "--id", "kadugli", "--country", "SD", "--city", "Kadugli",
        "--console",
    )  # fmt: skip
    assert (code, out) == (0, "added subscription kadugli to desk kordofan\n")
    code, out, _ = invoke(runner, desks_app, database_url, "list")
    assert code == 0
    assert "│ kordofan │ Kordofan desk │             1 │" in out
    code, out, _ = invoke(runner, desks_app, database_url, "show", "kordofan")
    assert code == 0
    assert out == textwrap.dedent(
        """\
        # desk kordofan: Kordofan desk, 1 subscription(s)
        subscriptions:
        - id: kadugli
          regions:
          - country: SD
            city: Kadugli
          channels:
            console: true
        """
    )
    code, _, err = invoke(runner, desks_app, database_url, "remove", "kordofan")
    assert (code, err) == (
        1,
        "error: desk 'kordofan' has 1 subscription(s); pass --yes to remove them too\n",
    )
    code, out, _ = invoke(runner, desks_app, database_url, "remove", "kordofan", "--yes")
    assert (code, out) == (0, "removed desk kordofan and 1 subscription(s)\n")
    code, _, err = invoke(runner, desks_app, database_url, "show", "kordofan")
    assert (code, err) == (1, "error: no desk 'kordofan'\n")
    code, out, _ = invoke(runner, desks_app, database_url, "list")
    assert out.startswith("No desks.")


# -- subscriptions ------------------------------------------------------------------------


def test_subscriptions_add_from_options_with_every_kind_of_key(
    runner: CliRunner, database_url: str
) -> None:
    invoke(runner, desks_app, database_url, "add", "kordofan", "--name", "Kordofan desk")
    code, out, err = invoke(
        runner, subscriptions_app, database_url,
        "add", "--desk", "kordofan", "--id", "kadugli-50km",
        "--country", "SD", "--city", "Kadugli", "--radius-km", "50",
        "--signal", "shelling", "--signal", "air_strike", "--min-severity", "2",
        "--slack", "#kordofan", "--email", "kordofan@example.org",
        "--mode", "digest", "--digest", "hourly",
        "--quiet-start", "22:00", "--quiet-end", "06:00",
        "--quiet-timezone", "Africa/Khartoum", "--quiet-override", "4",
    )  # fmt: skip
    assert (code, err) == (0, "")
    with DeskStore.open(database_url) as store:
        entry = store.get_subscription("kadugli-50km")
    assert entry.subscription.to_data() == {
        "id": "kadugli-50km",
        "regions": [{"country": "SD", "city": "Kadugli", "radius_km": 50.0}],
        "signals": ["shelling", "air_strike"],
        "min_severity": 2,
        "channels": {"slack": ["#kordofan"], "email": ["kordofan@example.org"]},
        "mode": "digest",
        "digest": "hourly",
        "quiet_hours": {
            "start": "22:00",
            "end": "06:00",
            "timezone": "Africa/Khartoum",
            "min_severity_override": 4,
        },
    }
    code, out, _ = invoke(runner, subscriptions_app, database_url, "list", "--desk", "kordofan")
    assert rows(out)["kadugli-50km"] == [
        "kordofan",
        "kadugli-50km",
        "50 km around Kadugli, SD",
        "shelling, air_strike",
        "2",
        "hourly digest; quiet 22:00-06:00 Africa/Khartoum (>= 4 sent)",
        "slack:#kordofan, email:kordofan@example.org",
    ]


def test_subscriptions_add_refuses_with_the_exact_key(runner: CliRunner, database_url: str) -> None:
    invoke(runner, desks_app, database_url, "add", "sudan", "--name", "Sudan desk")
    code, _, err = invoke(
        runner, subscriptions_app, database_url,
        "add", "--desk", "sudan", "--id", "kadugli", "--country", "SD", "--city", "Atlantis",
        "--mode", "digest", "--slack", "#sudan",
    )  # fmt: skip
    assert code == 2
    assert err.splitlines() == [
        "error: options: regions[0].city: 'Atlantis' is not a town in SD (Sudan) that the "
        "gazetteer knows",
        "options: digest: required when mode is 'digest' (hourly or daily)",
    ]
    code, _, err = invoke(
        runner, subscriptions_app, database_url,
        "add", "--desk", "nowhere", "--id", "x", "--country", "SD", "--console",
    )  # fmt: skip
    assert (code, err) == (1, "error: no desk 'nowhere'\n")
    code, _, err = invoke(runner, subscriptions_app, database_url, "add", "--desk", "sudan")
    assert code == 2 and "give --id (or --from-yaml FILE)" in err


def test_subscriptions_add_from_yaml(runner: CliRunner, database_url: str, tmp_path: Path) -> None:
    invoke(runner, desks_app, database_url, "add", "idlib", "--name", "Idlib desk")
    good = tmp_path / "idlib.yaml"
    good.write_text(
        "id: idlib-50km\nregions:\n  - {lat: 35.93062, lon: 36.63393, radius_km: 50}\n"
        "channels: {slack: ['#idlib']}\n"
        "quiet_hours: {start: 23:00, end: 05:00, timezone: Asia/Damascus}\n"
    )
    code, out, _ = invoke(
        runner, subscriptions_app, database_url, "add", "--desk", "idlib", "--from-yaml", str(good)
    )
    assert (code, out) == (0, "added subscription idlib-50km to desk idlib\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: idlib-x\nregions:\n  - {lat: 35.9, radius_km: 50}\nchannels: {console: true}\n"
    )
    code, _, err = invoke(
        runner, subscriptions_app, database_url, "add", "--desk", "idlib", "--from-yaml", str(bad)
    )
    assert (code, err) == (2, f"error: {bad}: regions[0].lon: required with lat\n")
    code, _, err = invoke(
        runner, subscriptions_app, database_url, "add", "--desk", "idlib", "--from-yaml", str(good)
    )
    assert code == 1 and "subscription 'idlib-50km' already exists (desk 'idlib')" in err
    code, out, _ = invoke(runner, subscriptions_app, database_url, "remove", "idlib-50km")
    assert (code, out) == (0, "removed subscription idlib-50km of desk idlib\n")
    code, _, err = invoke(runner, subscriptions_app, database_url, "remove", "idlib-50km")
    assert (code, err) == (1, "error: no subscription 'idlib-50km'\n")


def test_subscriptions_import_export_round_trip(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    code, out, _ = invoke(runner, subscriptions_app, database_url, "import", str(SHIPPED))
    assert (code, out) == (
        0,
        f"imported {SHIPPED}: 8 desk(s) added, 0 updated, 10 subscription(s) added, 0 replaced\n",
    )
    exported = tmp_path / "exported.yaml"
    code, _, err = invoke(
        runner, subscriptions_app, database_url, "export", "--output", str(exported)
    )
    assert (code, err) == (0, f"wrote {exported}\n")
    assert load_subscriptions(exported) == load_subscriptions(SHIPPED)
    code, stdout, _ = invoke(runner, subscriptions_app, database_url, "export")
    assert stdout == exported.read_text(encoding="utf-8")
    # Into another database with --replace, and out again: the same file.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    code, out, _ = invoke(runner, subscriptions_app, other, "import", str(exported), "--replace")
    assert code == 0
    assert invoke(runner, subscriptions_app, other, "export")[1] == stdout
    # List and filter what was imported.
    code, out, _ = invoke(
        runner, subscriptions_app, database_url, "list", "--country", "UA", "--signal", "air_strike"
    )
    assert set(rows(out)) >= {"ukraine-frontline", "ukraine-strikes"}
    assert "syria-northwest" not in rows(out)


def test_subscriptions_import_of_an_invalid_file(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SHIPPED.read_text().replace("country: SD", "country: XX"))
    code, _, err = invoke(runner, subscriptions_app, database_url, "import", str(bad))
    assert (code, err) == (
        2,
        f"error: {bad}: desks[0].subscriptions[0].regions[0].country: 'XX' is not an ISO "
        "3166-1 alpha-2 country code\n",
    )
    assert invoke(runner, desks_app, database_url, "list")[1].startswith("No desks.")


# -- routes test ----------------------------------------------------------------------------


def test_routes_test_names_matched_and_unmatched_desks_with_reasons(
    runner: CliRunner, database_url: str
) -> None:
    invoke(runner, subscriptions_app, database_url, "import", str(SHIPPED))
    code, out, _ = invoke(
        runner, routes_app, database_url,
        "test", "--country", "SY", "--admin1", "Idlib", "--signal", "shelling", "--severity", "3",
        "--at", "2026-03-01T12:00:00Z",
    )  # fmt: skip
    assert code == 0
    assert "Routes for shelling, severity 3, at 2026-03-01 12:00 UTC (the desks database)" in out
    table = rows(out)
    assert table["syria-northwest"] == [
        "syria",
        "syria-northwest",
        "slack:#syria-desk, email:syria-desk@example.org",
        "yes",
        "matched Idlib (Idlib, SY); signals shelling; severity 3 >= 2",
    ]
    assert table["syria-high"] == ["syria", "syria-high", "", "no", "severity 3 below minimum 4"]
    assert table["sudan-all"] == [
        "sudan",
        "sudan-all",
        "",
        "no",
        "country SY not in desk regions (SD)",
    ]
    assert table["de-escalation-global"][3:] == ["no", "no subscribed signal (found: shelling)"]
    assert out.rstrip().endswith(
        "Would reach: syria (slack:#syria-desk, email:syria-desk@example.org)"
    )


def test_routes_test_by_point_city_and_quiet_hours(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "kordofan.yaml"
    config.write_text(
        textwrap.dedent(
            """\
            desks:
              - id: kordofan
                name: Kordofan desk
                subscriptions:
                  - id: kadugli-50km
                    regions: [{country: SD, city: Kadugli, radius_km: 50}]
                    channels: {slack: ["#kordofan"]}
                    quiet_hours: {start: "22:00", end: "06:00", timezone: Africa/Khartoum}
              - id: idlib
                name: Idlib desk
                subscriptions:
                  - id: idlib-50km
                    regions: [{lat: 35.93062, lon: 36.63393, radius_km: 50}]
                    channels: {slack: ["#idlib"]}
                    mode: digest
                    digest: daily
            """
        )
    )
    invoke(runner, subscriptions_app, database_url, "import", str(config))
    # Kadugli itself, at 23:00 in Khartoum: held until 06:00.
    code, out, _ = invoke(
        runner, routes_app, database_url,
        "test", "--city", "Kadugli", "--signal", "shelling", "--severity", "3",
        "--at", "2026-03-01T21:00:00+00:00",
    )  # fmt: skip
    assert code == 0
    assert rows(out)["kadugli-50km"] == [
        "kordofan",
        "kadugli-50km",
        "slack:#kordofan",
        "held",
        "matched Kadugli (South Kordofan, SD), 0.0 km from Kadugli; signals shelling; "
        "severity 3 >= 0; held by quiet hours 22:00-06:00 Africa/Khartoum until 2026-03-02 "
        "06:00 Africa/Khartoum (04:00 UTC): severity 3 below override 5",
    ]
    assert rows(out)["idlib-50km"][3:] == [
        "no",
        "nearest place Kadugli is 2857 km from (35.93062, 36.63393), radius 50 km",
    ]
    # Saraqib by coordinates: in the Idlib desk's daily digest; Dilling is too far.
    code, out, _ = invoke(
        runner, routes_app, database_url,
        "test", "--lat", "35.86447", "--lon", "36.80591", "--signal", "air_strike",
        "--severity", "4", "--at", "2026-03-01T12:00:00",
    )  # fmt: skip
    assert rows(out)["idlib-50km"] == [
        "idlib",
        "idlib-50km",
        "slack:#idlib",
        "digest",
        "matched (35.86447, 36.80591), 17.1 km from (35.93062, 36.63393); signals "
        "air_strike; severity 4 >= 0; daily digest at 2026-03-02 00:00 UTC",
    ]
    assert out.rstrip().endswith("Would reach: idlib (slack:#idlib)")
    code, out, _ = invoke(
        runner, routes_app, database_url,
        "test", "--city", "Dilling", "--country", "SD", "--signal", "shelling", "--severity", "3",
    )  # fmt: skip
    assert "nearest place Dilling is 116 km from Kadugli, radius 50 km" in rows(out)["kadugli-50km"]
    assert out.rstrip().endswith("Would reach: no desk")


def test_routes_test_a_file_and_bad_options(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    code, out, _ = invoke(
        runner, routes_app, database_url,
        "test", "--config", str(SHIPPED), "--country", "SD", "--signal", "shelling",
        "--severity", "2",
    )  # fmt: skip
    assert code == 0 and f"({SHIPPED})" in out
    assert rows(out)["sudan-all"][:4] == [
        "sudan",
        "sudan-all",
        "slack:#sudan-desk, email:sudan-desk@example.org",
        "yes",
    ]
    cases = [
        (
            ["--country", "XX", "--signal", "shelling", "--severity", "3"],
            "'XX' is not an ISO 3166-1 alpha-2 country code",
        ),
        (["--country", "SY", "--signal", "bombing", "--severity", "3"], "unknown signal 'bombing'"),
        (
            ["--city", "Atlantis", "--country", "SD", "--signal", "shelling", "--severity", "3"],
            "'Atlantis' is not a town in SD",
        ),
        (["--lat", "35.9", "--signal", "shelling", "--severity", "3"], "give lat and lon together"),
        (["--country", "SY", "--severity", "3"], "give at least one --signal"),
        (
            ["--country", "SY", "--signal", "shelling", "--severity", "3", "--at", "tomorrow"],
            "cannot read 'tomorrow' as a time",
        ),
    ]
    for args, message in cases:
        code, _, err = invoke(runner, routes_app, database_url, "test", *args)
        assert code == 2, args
        assert message in " ".join(err.replace("│", " ").split()), (args, err)
    code, _, err = invoke(
        runner, routes_app, database_url, "test", "--country", "SY", "--signal", "shelling"
    )
    assert code == 2 and "Missing option '--severity'" in err


def test_routes_test_on_an_empty_database(runner: CliRunner, database_url: str) -> None:
    code, out, _ = invoke(
        runner,
        routes_app,
        database_url,
        "test",
        "--country",
        "SY",
        "--signal",
        "shelling",
        "--severity",
        "3",
    )
    assert (code, out) == (0, "No subscriptions in the desks database.\n")


# -- silences ----------------------------------------------------------------------------------


def test_silences_add_list_expire(runner: CliRunner, database_url: str) -> None:
    code, out, _ = invoke(
        runner, silences_app, database_url,
        "add", "--country", "SY", "--admin1", "Idlib", "--signal", "shelling",
        "--duration", "6h", "--comment", "known shelling of Saraqib", "--author", "ana",
    )  # fmt: skip
    assert code == 0
    assert out.startswith("added silence 1 (SY/Idlib; shelling) until ")
    assert out.endswith(" UTC by ana: known shelling of Saraqib\n")
    until = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0, tzinfo=None)
    code, out, _ = invoke(
        runner, silences_app, database_url,
        "add", "--country", "SD", "--until", until.isoformat(), "--comment", "election day",
        "--author", "ben",
    )  # fmt: skip
    assert code == 0
    assert f"(SD; all signals) until {until:%Y-%m-%d %H:%M} UTC by ben: election day" in out
    code, out, _ = invoke(runner, silences_app, database_url, "list")
    assert code == 0 and "Active silences (2)" in out
    listed = rows(out, key=0)
    assert listed["1"][1:4] == ["active", "SY/Idlib", "shelling"]
    assert listed["1"][6:] == ["ana", "known shelling of Saraqib"]
    assert listed["2"][1:4] == ["active", "SD", "all"]
    with DeskStore.open(database_url) as store:
        assert store.silence_for("SY", "Idlib", ["shelling"], store.clock()) is not None
    code, out, _ = invoke(runner, silences_app, database_url, "expire", "1")
    assert (code, out) == (0, "expired silence 1 (SY/Idlib)\n")
    code, out, _ = invoke(runner, silences_app, database_url, "expire", "1")
    assert (code, out) == (0, "silence 1 had already expired\n")
    code, _, err = invoke(runner, silences_app, database_url, "expire", "7")
    assert (code, err) == (1, "error: no silence 7\n")
    code, out, _ = invoke(runner, silences_app, database_url, "list")
    assert "Active silences (1)" in out and "SY/Idlib" not in out
    code, out, _ = invoke(runner, silences_app, database_url, "list", "--all")
    assert "Silences (2)" in out and "expired" in out and "SY/Idlib" in out
    with DeskStore.open(database_url) as store:
        assert store.silence_for("SY", "Idlib", ["shelling"], store.clock()) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "SY", "--comment", "c"], "give exactly one of --duration or --until"),
        (
            ["--country", "SY", "--comment", "c", "--duration", "6h", "--until", "2099-01-01"],
            "give exactly one of --duration or --until",
        ),
        (
            ["--country", "SY", "--comment", "c", "--duration", "six hours"],
            "cannot read 'six hours' as a duration",
        ),
        (
            ["--country", "SY", "--comment", "c", "--until", "2000-01-01T00:00:00"],
            "ends_at: 2000-01-01 00:00:00 UTC is not after starts_at",
        ),
        (
            ["--country", "SY", "--admin1", "Kadugli", "--comment", "c", "--duration", "1h"],
            "admin1: 'Kadugli' is not a first-level subdivision of SY",
        ),
        (
            ["--country", "SY", "--signal", "bombing", "--comment", "c", "--duration", "1h"],
            "signal: unknown signal 'bombing'",
        ),
        (["--country", "SY", "--comment", " ", "--duration", "1h"], "comment: must not be empty"),
    ],
)
def test_silences_add_refuses(
    runner: CliRunner, database_url: str, args: list[str], message: str
) -> None:
    code, _, err = invoke(runner, silences_app, database_url, "add", *args)
    assert code == 2
    assert message in " ".join(err.replace("│", " ").split())
    assert invoke(runner, silences_app, database_url, "list", "--all")[1] == "No silences.\n"
