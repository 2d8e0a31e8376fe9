"""`flashpoint audit ...` through Typer's CliRunner against a real SQLite file."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select
from typer.testing import CliRunner

from flashpoint.audit.cli import audit_app, parse_since
from flashpoint.audit.export import read_csv, read_jsonl
from flashpoint.audit.store import AuditStore
from flashpoint.audit.views import AuditFilter
from tests.audit.builders import classified, dead_letter, decision, delivery

NOW = datetime.now(UTC).replace(microsecond=0)
WIDE = {"COLUMNS": "250"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def loaded(store: AuditStore) -> AuditStore:
    """Recent UA shelling sent to ukraine; an SD clash that failed for africa; old data."""
    ua_at = NOW - timedelta(hours=1)
    sd_at = NOW - timedelta(hours=2)
    old_at = NOW - timedelta(days=10)
    store.record_classification(classified("a-ua", at=ua_at, killed=2))
    store.record_classification(
        classified("a-sd", signals=[("armed_clash", 0.8)], countries=["SD"], at=sd_at)
    )
    store.record_classification(classified("a-old", at=old_at))
    store.record_routing(
        [
            decision("a-ua", "ukraine", at=ua_at),
            decision("a-sd", "africa", at=sd_at),
            decision("a-sd", "ukraine", outcome="suppressed", reason="no SD, here", at=sd_at),
        ]
    )
    store.record_delivery(delivery("a-ua", "ukraine", "sent", at=ua_at, external_id="ts-1"))
    store.record_delivery(
        delivery("a-sd", "africa", "failed", at=sd_at, error='HTTP 500, "internal"\nretry later')
    )
    store.record_dead_letter(dead_letter(3, at=NOW - timedelta(minutes=5)))
    return store


def invoke(runner: CliRunner, url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(audit_app, [*args, "--database-url", url], env=WIDE)
    return result.exit_code, result.stdout, result.stderr


# -- list ---------------------------------------------------------------------------------


def test_list_shows_a_table(runner: CliRunner, loaded: AuditStore) -> None:
    code, out, _ = invoke(runner, loaded.database_url, "list")

    assert code == 0, out
    for text in ("a-ua", "a-sd", "a-old", "ukraine", "africa", "malformed JSON", "shelling"):
        assert text in out


def test_list_reads_in_an_80_column_terminal_and_pipes_as_plain_lines(
    runner: CliRunner, loaded: AuditStore
) -> None:
    result = runner.invoke(
        audit_app, ["list", "--database-url", loaded.database_url], env={"COLUMNS": "80"}
    )

    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, result.stdout
    assert not any(mark in result.stdout for mark in "┃│━─┏")  # no table borders to grep past
    # One entry: its first line says when, what, its status and the article; the indented
    # lines below where it went and why (the multi-line error folded onto them).
    failed = lines.index(next(line for line in lines if " failed " in line))
    assert lines[failed].split()[2:] == ["delivery", "failed", "a-sd"]
    following = " ".join(line.strip() for line in lines[failed + 1 :])
    assert following.startswith("africa/")
    assert 'HTTP 500, "internal" retry later' in following


def test_list_applies_the_filters(runner: CliRunner, loaded: AuditStore) -> None:
    code, out, _ = invoke(
        runner, loaded.database_url, "list", "--desk", "africa", "--country", "sd", "--since", "1d"
    )

    assert code == 0, out
    assert "a-sd" in out
    assert "a-ua" not in out
    assert "ukraine" not in out


def test_list_with_no_match_says_so(runner: CliRunner, loaded: AuditStore) -> None:
    code, out, _ = invoke(runner, loaded.database_url, "list", "--signal", "withdrawal")

    assert code == 0
    assert "No audit entries match." in out


def test_list_on_a_new_database_creates_it(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'audit.db'}"

    code, out, _ = invoke(runner, url, "list")

    assert code == 0
    assert "No audit entries match." in out


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["list", "--since", "yesterday"], "--since"),
        (["list", "--since", "2024-13-01"], "--since"),
        (["list", "--country", "Ukraine"], "--country"),
        (["list", "--signal", "riot"], "--signal"),
        (["list", "--kind", "alerts"], "--kind"),
        (["export", "--format", "xml"], "--format"),
        (["export", "--since", "7 days"], "--since"),
    ],
)
def test_invalid_options_exit_2(
    runner: CliRunner, loaded: AuditStore, args: list[str], option: str
) -> None:
    code, _, err = invoke(runner, loaded.database_url, *args)

    assert code == 2
    assert option in err


def test_an_unsupported_database_exits_2(runner: CliRunner) -> None:
    code, _, err = invoke(runner, "mysql+nodriver://x/y", "summary")

    assert code == 2
    assert "error:" in err


# -- export -------------------------------------------------------------------------------


def test_export_jsonl_round_trips(runner: CliRunner, loaded: AuditStore) -> None:
    code, out, _ = invoke(runner, loaded.database_url, "export", "--format", "jsonl")

    assert code == 0
    exported = list(read_jsonl(io.StringIO(out)))
    assert exported == loaded.list_entries(AuditFilter(), limit=1000)
    assert len(exported) == 3 + 3 + 2 + 1
    assert all(json.loads(line)["kind"] for line in out.splitlines())


def test_export_csv_round_trips(runner: CliRunner, loaded: AuditStore) -> None:
    code, out, _ = invoke(runner, loaded.database_url, "export", "--format", "csv")

    assert code == 0
    exported = list(read_csv(io.StringIO(out)))
    assert exported == loaded.list_entries(AuditFilter(), limit=1000)
    failed = next(entry for entry in exported if entry.status == "failed")
    assert failed.reason == 'HTTP 500, "internal"\nretry later'


def test_export_applies_the_filters(runner: CliRunner, loaded: AuditStore) -> None:
    code, out, _ = invoke(
        runner,
        loaded.database_url,
        "export",
        "--format",
        "csv",
        "--kind",
        "delivery",
        "--desk",
        "ukraine",
    )

    assert code == 0
    [entry] = list(read_csv(io.StringIO(out)))
    assert (entry.kind, entry.desk_id, entry.status, entry.external_id) == (
        "delivery",
        "ukraine",
        "sent",
        "ts-1",
    )
    assert entry.article_id == "a-ua"
    assert entry.countries == ["UA"]


def test_export_to_a_file(runner: CliRunner, loaded: AuditStore, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"

    code, out, err = invoke(
        runner, loaded.database_url, "export", "--since", "3h", "--output", str(target)
    )

    assert code == 0
    assert out == ""
    assert "wrote 8 entries" in err
    with target.open(encoding="utf-8") as stream:
        exported = list(read_jsonl(stream))
    assert {entry.article_id for entry in exported} == {"a-ua", "a-sd", None}


# -- show and summary -----------------------------------------------------------------------


def test_show_prints_the_whole_history(runner: CliRunner, loaded: AuditStore) -> None:
    code, out, _ = invoke(runner, loaded.database_url, "show", "a-sd")

    assert code == 0, out
    for text in (
        "Title of a-sd",
        "armed_clash",
        "[armed_clash] evidence, in a-sd",  # brackets shown as text, not read as markup
        "Place 0 in SD",
        "africa",
        "no SD, here",
        "failed",
        "HTTP 500",
    ):
        assert text in out


def test_show_of_a_missing_article_exits_1(runner: CliRunner, loaded: AuditStore) -> None:
    code, out, err = invoke(runner, loaded.database_url, "show", "no-such-article")

    assert code == 1
    assert "no audit history for article 'no-such-article'" in err
    assert out == ""


def test_summary_prints_the_counts(runner: CliRunner, loaded: AuditStore) -> None:
    code, out, _ = invoke(runner, loaded.database_url, "summary")

    assert code == 0
    assert "articles classified" in out
    lines = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in out.splitlines()
        if line.count("│") == 3
    }
    assert lines["articles classified"] == "3"
    assert lines["alerts matched"] == "2"
    assert lines["alerts suppressed"] == "1"
    assert lines["deliveries sent"] == "1"
    assert lines["deliveries failed"] == "1"
    assert lines["dead letters: malformed JSON"] == "1"


# -- settings and secrets --------------------------------------------------------------------


def test_the_default_database_comes_from_settings_and_no_setting_is_stored(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'from-env.db'}"
    secrets = ("xoxb-not-a-real-token-1234", "hunter2-smtp-password")
    monkeypatch.setenv("FLASHPOINT_DATABASE_URL", url)
    monkeypatch.setenv("FLASHPOINT_SLACK__TOKEN", secrets[0])
    monkeypatch.setenv("FLASHPOINT_SMTP__PASSWORD", secrets[1])
    monkeypatch.chdir(tmp_path)  # no stray .env file
    with AuditStore.open(url) as store:
        store.record_classification(classified("a1"))
        store.record_routing([decision("a1", "ukraine")])
        store.record_delivery(delivery("a1", "ukraine", "failed", error="HTTP 401 invalid_auth"))

    for command in (["list"], ["show", "a1"], ["summary"], ["export"]):
        result = runner.invoke(audit_app, command, env=WIDE)
        assert result.exit_code == 0, result.output
        assert "a1" in result.stdout or "articles classified" in result.stdout
        assert not any(secret in result.output for secret in secrets)

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            stored = MetaData()
            stored.reflect(connection)
            dump = repr([connection.execute(select(table)).all() for table in stored.sorted_tables])
    finally:
        engine.dispose()
    assert "HTTP 401 invalid_auth" in dump
    assert not any(secret in dump for secret in secrets)


# -- parsing --since --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", datetime(2024, 5, 9, 12, tzinfo=UTC)),
        ("7d", datetime(2024, 5, 3, 12, tzinfo=UTC)),
        ("30m", datetime(2024, 5, 10, 11, 30, tzinfo=UTC)),
        ("2w", datetime(2024, 4, 26, 12, tzinfo=UTC)),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T13:00:00+03:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ],
)
def test_parse_since(text: str, expected: datetime) -> None:
    assert parse_since(text, now=datetime(2024, 5, 10, 12, tzinfo=UTC)) == expected


@pytest.mark.parametrize("text", ["", "soon", "24", "h24", "2024-05", "2024-05-01T25:00"])
def test_parse_since_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_since(text)
