"""`SurgeSettings`: defaults, every refusal with its exact message, and the environment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from flashpoint.core.surge_settings import SurgeSettings


def test_defaults() -> None:
    settings = SurgeSettings()

    assert settings.factor == 3.0
    assert settings.window_hours == 24
    assert settings.baseline_days == 7
    assert settings.bucket_minutes == 60
    assert settings.min_count == 5
    assert settings.region_level == "admin1"
    assert settings.surge_without_baseline is False
    assert settings.places_per_article == 3
    assert settings.bucket == timedelta(hours=1)
    assert settings.window == timedelta(hours=24)
    assert settings.retention == timedelta(days=8)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("factor", 1.0, "Input should be greater than 1"),
        ("factor", 0, "Input should be greater than 1"),
        ("factor", 101, "Input should be less than or equal to 100"),
        ("factor", "inf", "Input should be a finite number"),
        ("window_hours", 0, "Input should be greater than or equal to 1"),
        ("window_hours", 169, "Input should be less than or equal to 168"),
        (
            "window_hours",
            1.5,
            "Input should be a valid integer, got a number with a fractional part",
        ),
        ("baseline_days", 0, "Input should be greater than or equal to 1"),
        ("baseline_days", 91, "Input should be less than or equal to 90"),
        ("bucket_minutes", 0, "Input should be greater than or equal to 1"),
        ("bucket_minutes", 7, "bucket_minutes must divide a day (1440 minutes) evenly, got 7"),
        ("bucket_minutes", 1441, "Input should be less than or equal to 1440"),
        ("min_count", 0, "Input should be greater than or equal to 1"),
        ("region_level", "district", "Input should be 'country' or 'admin1'"),
        (
            "surge_without_baseline",
            "maybe",
            "Input should be a valid boolean, unable to interpret input",
        ),
        ("places_per_article", 0, "Input should be greater than or equal to 1"),
        ("factr", 4, "Extra inputs are not permitted"),  # a typo is an error, not a default
    ],
)
def test_invalid_values_are_refused_with_exact_messages(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        SurgeSettings.model_validate({field: value})

    errors = error.value.errors()
    assert [(e["loc"], e["msg"]) for e in errors] == [((field,), message)]


def test_the_bucket_must_divide_the_window() -> None:
    with pytest.raises(ValidationError) as error:
        SurgeSettings(window_hours=5, bucket_minutes=120)

    errors = error.value.errors()
    assert [(e["loc"], e["msg"]) for e in errors] == [
        (
            ("bucket_minutes",),
            "bucket_minutes must divide window_hours (300 minutes) evenly, got 120",
        )
    ]


def test_buckets_that_fit_are_accepted() -> None:
    settings = SurgeSettings(window_hours=6, bucket_minutes=30, baseline_days=14)

    assert settings.retention == timedelta(days=14, hours=6)


def test_settings_are_frozen() -> None:
    settings = SurgeSettings()

    with pytest.raises(ValidationError):
        settings.factor = 5


def test_nested_in_settings_it_loads_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Settings(BaseSettings):  # as the lead wires it into flashpoint.core.settings
        model_config = SettingsConfigDict(env_prefix="FLASHPOINT_", env_nested_delimiter="__")
        surge: SurgeSettings = SurgeSettings()

    monkeypatch.setenv("FLASHPOINT_SURGE__FACTOR", "4.5")
    monkeypatch.setenv("FLASHPOINT_SURGE__REGION_LEVEL", "country")
    monkeypatch.setenv("FLASHPOINT_SURGE__SURGE_WITHOUT_BASELINE", "true")

    settings = Settings()

    assert settings.surge.factor == 4.5
    assert settings.surge.region_level == "country"
    assert settings.surge.surge_without_baseline is True
