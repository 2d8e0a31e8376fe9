"""`EventSettings`: defaults, validation, and loading from the environment when nested."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from flashpoint.core.event_settings import EventSettings


def test_defaults() -> None:
    settings = EventSettings()

    assert settings.max_distance_km == 50
    assert settings.window_hours == 48
    assert settings.min_signal_overlap == 1
    assert settings.min_text_similarity == 0.6
    assert settings.de_escalation_joins_by_place is True
    assert settings.places_per_report == 3
    assert settings.figure_corroboration == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_distance_km", 0),
        ("max_distance_km", -5),
        ("window_hours", 0),
        ("window_hours", 24 * 31),
        ("min_signal_overlap", -1),
        ("min_signal_overlap", 14),
        ("min_text_similarity", 1.5),
        ("min_text_similarity", -0.1),
        ("places_per_report", 0),
        ("figure_corroboration", 0),
        ("max_distanse_km", 10),  # a typo is an error, not a silent default
    ],
)
def test_invalid_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as error:
        EventSettings.model_validate({field: value})

    assert error.value.errors()[0]["loc"] == (field,)


def test_nested_in_settings_it_loads_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Settings(BaseSettings):  # as the lead wires it into flashpoint.core.settings
        model_config = SettingsConfigDict(env_prefix="FLASHPOINT_", env_nested_delimiter="__")
        events: EventSettings = EventSettings()

    monkeypatch.setenv("FLASHPOINT_EVENTS__MAX_DISTANCE_KM", "30")
    monkeypatch.setenv("FLASHPOINT_EVENTS__MIN_TEXT_SIMILARITY", "0.7")

    settings = Settings()

    assert settings.events.max_distance_km == 30
    assert settings.events.min_text_similarity == 0.7
    assert settings.events.window_hours == 48
