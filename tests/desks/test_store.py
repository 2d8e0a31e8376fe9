"""DeskStore against a real SQLite file: desks, subscriptions, YAML, seeding, silences."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from flashpoint.alerts.routing import Router
from flashpoint.alerts.subscriptions import Subscription, load_subscriptions, parse_subscription
from flashpoint.audit.migrate import alembic_config
from flashpoint.core.db import Base
from flashpoint.core.errors import ConfigError
from flashpoint.core.settings import REPO_ROOT
from flashpoint.desks.errors import ConflictError, InvalidSilenceError, NotFoundError
from flashpoint.desks.models import DeskRow, DeskSeedRow, SilenceRow, SubscriptionRow
from flashpoint.desks.store import DeskStore, SubscriptionEntry
from tests.desks.conftest import NOW

SHIPPED = REPO_ROOT / "config" / "subscriptions.yaml"
DESKS_TABLES = {"desks", "subscriptions", "silences", "desk_seeds"}

KORDOFAN = """
desks:
  - id: kordofan
    name: Kordofan desk
    subscriptions:
      - id: kadugli-50km
        regions: [{country: SD, city: Kadugli, radius_km: 50}]
        signals: [shelling, air_strike]
        min_severity: 2
        channels: {slack: ["#kordofan"], email: [kordofan@example.org]}
        quiet_hours: {start: "22:00", end: "06:00", timezone: Africa/Khartoum}
      - id: kordofan-digest
        regions:
          - {country: SD, admin1: [South Kordofan, West Kordofan]}
          - {lat: 11.0, lon: 29.7, radius_km: 12.5}
        channels: {console: true}
        mode: digest
        digest: daily
  - id: norway
    name: Norway desk
    subscriptions:
      - id: norway-all
        regions: [{country: "NO"}]
        channels: {slack: ["#norway"]}
"""


NORWAY = """
desks:
  - id: norway
    name: Norway desk
    subscriptions:
      - id: norway-all
        regions: [{country: "NO"}]
        channels: {slack: ["#norway"]}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def subscription(id: str, country: str = "SD", **extra: object) -> Subscription:
    data = {"id": id, "regions": [{"country": country}], "channels": {"console": True}}
    return parse_subscription({**data, **extra}, "test")


# -- schema -----------------------------------------------------------------------------


def only_desks_tables(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in DESKS_TABLES


def test_migration_0002_builds_exactly_the_desks_models(database_url: str) -> None:
    DeskStore.open(database_url).close()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            opts = {"compare_type": True, "include_object": only_desks_tables}
            context = MigrationContext.configure(connection, opts=opts)
            diffs = list(compare_metadata(context, Base.metadata))
            tables = set(inspect(connection).get_table_names())
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    assert tables >= DESKS_TABLES
    assert {table.name for table in Base.metadata.sorted_tables} >= DESKS_TABLES
    assert diffs == []
    assert version is not None and version >= "0002"


def test_the_schema_comparison_sees_the_desks_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with engine.connect() as connection:
            opts = {"include_object": only_desks_tables}
            context = MigrationContext.configure(connection, opts=opts)
            diffs = list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()
    added = {diff[1].name for diff in diffs if isinstance(diff, tuple) and diff[0] == "add_table"}
    assert added == DESKS_TABLES


def test_downgrade_to_0001_removes_the_desks_tables(database_url: str) -> None:
    DeskStore.open(database_url).close()
    command.downgrade(alembic_config(database_url), "0001")
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert not DESKS_TABLES & tables
    assert "articles" in tables


def test_the_models_are_on_the_audit_base() -> None:
    for model in (DeskRow, SubscriptionRow, SilenceRow, DeskSeedRow):
        assert model.metadata is Base.metadata


# -- desks and subscriptions --------------------------------------------------------------


def test_desk_crud(store: DeskStore) -> None:
    assert store.list_desks() == []
    store.add_desk("kordofan", " Kordofan desk ")
    store.add_desk("darfur", "Darfur desk")
    store.add_subscription("kordofan", subscription("kordofan-all"))
    assert [(d.id, d.name, d.subscriptions) for d in store.list_desks()] == [
        ("kordofan", "Kordofan desk", 1),
        ("darfur", "Darfur desk", 0),
    ]
    detail = store.get_desk("kordofan")
    assert [sub.id for sub in detail.subscriptions] == ["kordofan-all"]
    with pytest.raises(ConflictError, match="^desk 'darfur' already exists$"):
        store.add_desk("darfur", "Again")
    with pytest.raises(ConfigError, match="^desk id: 'Darfur Desk' is not a valid id"):
        store.add_desk("Darfur Desk", "x")
    with pytest.raises(ConfigError, match="^desk name: must not be empty$"):
        store.add_desk("x", "  ")
    assert store.remove_desk("kordofan") == 1
    assert store.list_subscriptions() == []
    with pytest.raises(NotFoundError, match="^no desk 'kordofan'$"):
        store.get_desk("kordofan")
    with pytest.raises(NotFoundError):
        store.remove_desk("kordofan")


def ids(entries: list[SubscriptionEntry]) -> list[tuple[str, str]]:
    return [(entry.desk_id, entry.subscription.id) for entry in entries]


def test_subscription_crud_and_search(store: DeskStore) -> None:
    store.add_desk("sudan", "Sudan desk")
    store.add_desk("levant", "Levant desk")
    store.add_subscription("sudan", subscription("sudan-all"))
    store.add_subscription(
        "levant",
        subscription("syria-shelling", "SY", signals=["shelling"], mode="digest", digest="hourly"),
    )
    store.add_subscription(
        "levant",
        parse_subscription(
            {
                "id": "anywhere",
                "regions": [{"country": "*"}],
                "signals": ["ceasefire_agreement"],
                "channels": {"console": True},
            },
            "test",
        ),
    )
    assert ids(store.list_subscriptions()) == [
        ("sudan", "sudan-all"),
        ("levant", "syria-shelling"),
        ("levant", "anywhere"),
    ]
    assert ids(store.list_subscriptions("levant")) == [
        ("levant", "syria-shelling"),
        ("levant", "anywhere"),
    ]
    assert ids(store.list_subscriptions(country="sy")) == [
        ("levant", "syria-shelling"),
        ("levant", "anywhere"),
    ]
    assert ids(store.list_subscriptions(signal="shelling")) == [
        ("sudan", "sudan-all"),
        ("levant", "syria-shelling"),
    ]
    assert ids(store.list_subscriptions(country="SD", signal="ceasefire_agreement")) == [
        ("sudan", "sudan-all"),
        ("levant", "anywhere"),
    ]
    entry = store.get_subscription("syria-shelling")
    assert entry.desk_id == "levant" and entry.subscription.digest == "hourly"
    with pytest.raises(ConflictError) as caught:
        store.add_subscription("levant", subscription("sudan-all"))
    assert str(caught.value) == (
        "subscription 'sudan-all' already exists (desk 'sudan'); subscription ids are unique "
        "across all desks"
    )
    with pytest.raises(NotFoundError, match="^no desk 'nowhere'$"):
        store.add_subscription("nowhere", subscription("x"))
    assert store.remove_subscription("sudan-all").desk_id == "sudan"
    with pytest.raises(NotFoundError, match="^no subscription 'sudan-all'$"):
        store.remove_subscription("sudan-all")
    # A desk whose last subscription went stays, with nothing to route.
    assert [d.id for d in store.load_config().desks] == ["levant"]


def test_a_subscription_built_by_hand_is_checked_like_the_file(store: DeskStore) -> None:
    from flashpoint.alerts.subscriptions import Channels, Region, Subscription

    store.add_desk("sudan", "Sudan desk")
    unchecked = Subscription(
        id="bad", regions=[Region(country="SD", city="Atlantis")], channels=Channels()
    )
    with pytest.raises(ConfigError) as caught:
        store.add_subscription("sudan", unchecked)
    assert str(caught.value).splitlines() == [
        "subscription 'bad': regions[0].city: 'Atlantis' is not a town in SD (Sudan) that the "
        "gazetteer knows",
        "subscription 'bad': channels: no channel (set slack, email or console: true)",
    ]
    assert store.list_subscriptions() == []


def test_load_config_builds_the_router(store: DeskStore, tmp_path: Path) -> None:
    store.import_yaml(SHIPPED)
    config = store.load_config()
    assert config == load_subscriptions(SHIPPED)
    explained = Router(config).explain("SY", "Idlib", "shelling", 3)
    assert [e.subscription_id for e in explained if e.matched] == ["syria-northwest"]
    before = store.config_revision()
    assert store.config_revision() == before
    store.remove_subscription("yemen-all")
    assert store.config_revision() != before


# -- YAML import and export -----------------------------------------------------------------


def test_export_round_trips(store: DeskStore, tmp_path: Path, database_url: str) -> None:
    source = write(tmp_path, "kordofan.yaml", KORDOFAN)
    store.import_yaml(source)
    store.import_yaml(SHIPPED)
    exported = store.export_yaml()
    assert exported.startswith("# Flashpoint desks and subscriptions, exported")
    # Norway stays a country code, times stay times, '*' stays a string.
    assert "country: 'NO'" in exported
    assert "start: '22:00'" in exported
    assert "country: '*'" in exported
    path = write(tmp_path, "exported.yaml", exported)
    assert load_subscriptions(path) == store.load_config()
    # Into a fresh database and out again: the same file.
    other = DeskStore.open(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        other.import_yaml(path, replace=True)
        assert other.export_yaml() == exported
    finally:
        other.close()
    assert [d.id for d in store.load_config().desks][:2] == ["kordofan", "norway"]


def test_export_names_desks_without_subscriptions(store: DeskStore, tmp_path: Path) -> None:
    store.add_desk("darfur", "Darfur desk")
    store.add_desk("chad", "Chad desk")
    exported = store.export_yaml()
    assert (
        "# Desks with no subscription yet (the file format needs at least one): darfur, chad\n"
        in exported
    )
    assert yaml.safe_load(exported) == {"desks": []}


def test_import_merges_by_id_and_replace_makes_it_exact(store: DeskStore, tmp_path: Path) -> None:
    store.import_yaml(write(tmp_path, "kordofan.yaml", KORDOFAN))
    store.add_desk("darfur", "Darfur desk")
    changed = KORDOFAN.replace("name: Kordofan desk", "name: Kordofan and Abyei desk").replace(
        "min_severity: 2", "min_severity: 3"
    )
    report = store.import_yaml(write(tmp_path, "changed.yaml", changed))
    assert (report.desks_added, report.desks_updated) == (0, 1)
    assert (report.subscriptions_added, report.subscriptions_updated) == (0, 1)
    assert report.describe() == "0 desk(s) added, 1 updated, 0 subscription(s) added, 1 replaced"
    assert store.get_subscription("kadugli-50km").subscription.min_severity == 3
    assert store.get_desk("kordofan").name == "Kordofan and Abyei desk"
    assert "darfur" in [d.id for d in store.list_desks()]  # merge keeps what the file omits
    # The same file again changes nothing.
    again = store.import_yaml(write(tmp_path, "changed.yaml", changed))
    assert again.describe() == "0 desk(s) added, 0 updated, 0 subscription(s) added, 0 replaced"
    replaced = store.import_yaml(write(tmp_path, "norway.yaml", NORWAY), replace=True)
    assert replaced.describe() == (
        "0 desk(s) added, 0 updated, 0 subscription(s) added, 0 replaced, "
        "2 desk(s) and 2 subscription(s) removed"
    )
    assert [d.id for d in store.list_desks()] == ["norway"]


def test_import_refuses_moving_a_subscription_between_desks(
    store: DeskStore, tmp_path: Path
) -> None:
    store.import_yaml(write(tmp_path, "kordofan.yaml", KORDOFAN))
    path = write(tmp_path, "moved.yaml", NORWAY.replace("id: norway-all", "id: kordofan-digest"))
    with pytest.raises(ConflictError) as caught:
        store.import_yaml(path)
    assert str(caught.value) == (
        f"{path}: subscription 'kordofan-digest' of desk 'norway' belongs to desk 'kordofan' "
        "in the database; remove it there first, or import with --replace"
    )
    # Nothing of the failed import stayed (one transaction).
    assert [e.subscription.id for e in store.list_subscriptions("norway")] == ["norway-all"]
    report = store.import_yaml(path, replace=True)
    assert report.describe() == (
        "0 desk(s) added, 0 updated, 0 subscription(s) added, 1 replaced, "
        "1 desk(s) and 2 subscription(s) removed"
    )
    assert [e.subscription.id for e in store.list_subscriptions("norway")] == ["kordofan-digest"]
    assert [e.subscription.id for e in store.list_subscriptions()] == ["kordofan-digest"]


def test_an_invalid_file_changes_nothing(store: DeskStore, tmp_path: Path) -> None:
    store.import_yaml(SHIPPED)
    before = store.export_yaml()
    path = write(tmp_path, "bad.yaml", KORDOFAN.replace("city: Kadugli", "city: Atlantis"))
    with pytest.raises(ConfigError) as caught:
        store.import_yaml(path, replace=True)
    assert str(caught.value) == (
        f"{path}: desks[0].subscriptions[0].regions[0].city: 'Atlantis' is not a town in SD "
        "(Sudan) that the gazetteer knows"
    )
    assert store.export_yaml() == before


# -- seeding ----------------------------------------------------------------------------------


def test_ensure_seeded_imports_the_file_once(store: DeskStore, tmp_path: Path) -> None:
    assert store.ensure_seeded(SHIPPED) is True
    assert store.load_config() == load_subscriptions(SHIPPED)
    assert store.ensure_seeded(SHIPPED) is False
    # Emptying the table later does not bring the file back.
    for entry in store.list_subscriptions():
        store.remove_subscription(entry.subscription.id)
    assert store.ensure_seeded(SHIPPED) is False
    assert store.list_subscriptions() == []


def test_ensure_seeded_leaves_a_database_that_has_subscriptions(
    store: DeskStore, tmp_path: Path
) -> None:
    store.import_yaml(write(tmp_path, "kordofan.yaml", KORDOFAN))
    assert store.ensure_seeded(SHIPPED) is False
    assert [d.id for d in store.list_desks()] == ["kordofan", "norway"]


def test_ensure_seeded_refuses_an_invalid_file(store: DeskStore, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "desks:\n  - id: x\n")
    with pytest.raises(ConfigError, match="desks\\[0\\].name: required key is missing"):
        store.ensure_seeded(path)
    assert store.ensure_seeded(SHIPPED) is True


# -- silences -----------------------------------------------------------------------------------


def test_silences_are_kept_listed_matched_and_expired(store: DeskStore) -> None:
    idlib = store.add_silence(
        country="sy",
        admin1="Idlib",
        signals=["shelling"],
        ends_at=NOW + timedelta(hours=6),
        created_by="ana",
        comment="known shelling of Saraqib",
    )
    later = store.add_silence(
        country="SD",
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=2),
        created_by="ben",
        comment="election day",
    )
    assert (idlib.id, idlib.country, idlib.starts_at, idlib.created_at) == (1, "SY", NOW, NOW)
    assert idlib.signals == ("shelling",) and later.signals is None
    assert store.get_silence(1) == idlib
    assert store.list_silences() == [later, idlib]  # newest first
    assert store.list_silences(active_at=NOW) == [idlib]
    assert store.list_silences(active_at=NOW + timedelta(days=1, hours=1)) == [later]
    assert store.silence_for("SY", "Idlib Governorate", ["shelling"], NOW) == idlib
    assert store.silence_for("SY", "Aleppo", ["shelling"], NOW) is None
    assert store.silence_for("SY", "Idlib", ["shelling", "air_strike"], NOW) is None
    assert store.silence_for("SD", None, ["shelling"], NOW) is None  # not started
    assert (
        store.silence_for_places([("SD", None), ("SD", "Darfur")], ["x"], NOW + timedelta(days=1))
        == later
    )
    # Expire: it ends now, and stays in the history.
    expired = store.expire_silence(1, NOW + timedelta(hours=1))
    assert expired.ends_at == NOW + timedelta(hours=1)
    assert store.silence_for("SY", "Idlib", ["shelling"], NOW + timedelta(hours=2)) is None
    assert store.silence_for("SY", "Idlib", ["shelling"], NOW + timedelta(minutes=30)) == expired
    assert store.expire_silence(1, NOW + timedelta(hours=3)) == expired  # already over
    # Expiring one that has not started ends it before it begins.
    gone = store.expire_silence(later.id)
    assert gone.starts_at == gone.ends_at == NOW and gone.state(NOW) == "expired"
    with pytest.raises(NotFoundError, match="^no silence 9$"):
        store.expire_silence(9)


def test_an_invalid_silence_is_refused(store: DeskStore) -> None:
    with pytest.raises(InvalidSilenceError, match="^country: 'XX' is not an ISO 3166-1"):
        store.add_silence(
            country="XX", ends_at=NOW + timedelta(hours=1), created_by="a", comment="c"
        )
    with pytest.raises(InvalidSilenceError, match="^ends_at: .* is not after starts_at"):
        store.add_silence(
            country="SY", ends_at=NOW - timedelta(hours=1), created_by="a", comment="c"
        )
    assert store.list_silences() == []


def test_two_workers_seeding_at_once_import_once(database_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    DeskStore.open(database_url).close()  # migrated once, as the worker's audit store does
    stores = [DeskStore.open(database_url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            seeded = list(pool.map(lambda one: one.ensure_seeded(SHIPPED), stores))
        assert sorted(seeded) == [False, False, False, True]
        assert stores[0].load_config() == load_subscriptions(SHIPPED)
    finally:
        for one in stores:
            one.close()
