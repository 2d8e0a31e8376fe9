"""Settings load from the environment and refuse what they cannot read, naming it."""

from __future__ import annotations

import pytest

from flashpoint.core.errors import ConfigError
from flashpoint.core.settings import load_settings, setting_names, unknown_variables


def test_every_setting_has_its_variable() -> None:
    names = setting_names()
    assert "FLASHPOINT_SLACK__TOKEN" in names
    assert "FLASHPOINT_SURGE__FACTOR" in names  # a stage's own section
    assert "FLASHPOINT_DATABASE_URL" in names


def test_a_misspelt_variable_is_refused_with_the_setting_it_was_meant_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASHPOINT_SLAK__TOKEN", "xoxb-not-shown")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    message = str(refused.value)
    assert message == (
        "unknown setting FLASHPOINT_SLAK__TOKEN: no setting is read from it; "
        "did you mean FLASHPOINT_SLACK__TOKEN?"
    )
    assert "xoxb" not in message  # the value, perhaps a secret, is never repeated


def test_variables_read_elsewhere_are_not_refused() -> None:
    environ = {
        "FLASHPOINT_CACHE_DIR": "/tmp/cache",  # the gazetteer's cache
        "FLASHPOINT_TEST_POSTGRES_URL": "postgresql://x",  # the test suite's own
        "FLASHPOINT_KAFKA__BOOTSTRAP": "127.0.0.1:9092",
        "PATH": "/usr/bin",
    }
    assert unknown_variables(environ) == []
    assert unknown_variables({"FLASHPOINT_NOPE": "1"}) == ["FLASHPOINT_NOPE"]


def test_a_bad_part_of_a_composite_value_names_the_variable_that_holds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASHPOINT_OPS_CHANNEL", "pager:ops")
    with pytest.raises(ConfigError, match=r"^invalid setting FLASHPOINT_OPS_CHANNEL: "):
        load_settings()
