"""Settings of the surge stage: when a region's escalation reporting is a surge.

The lead wires these into `flashpoint.core.settings.Settings` as ``surge: SurgeSettings``, so
each field is also an environment variable: ``FLASHPOINT_SURGE__FACTOR=4``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

RegionLevel = Literal["country", "admin1"]

MINUTES_PER_DAY = 24 * 60


class SurgeSettings(BaseModel):
    """When a region's count of escalation signals is a surge (see `surge.detector`).

    A region surges when, over the last `window_hours`, ALL of these hold:

    1. its count of escalation signals (every signal but ``ceasefire_agreement`` and
       ``withdrawal``; one per article per signal) is at least `min_count`;
    2. that count exceeds `factor` × the region's mean over the `baseline_days` before the
       window, scaled to the window (with the default 24-hour window: `factor` × the
       trailing daily mean);
    3. the region has some baseline (a mean above 0), unless `surge_without_baseline`.

    Fields:

    - `factor` (3.0): how many times its usual tempo a region must reach; above 1.
    - `window_hours` (24): the recent window that is compared with the baseline.
    - `baseline_days` (7): the trailing history before the window that sets "usual".
    - `bucket_minutes` (60): counts are kept in buckets of this size (the Faust tumbling
      window size); the window slides by one bucket. It must divide a day and the window.
    - `min_count` (5): no surge on tiny numbers (1 report against a mean of 0.1 is not one).
    - `region_level` ("admin1"): count per country, or per first-level subdivision
      (places reported without an admin1 then count nowhere: "Sudan" is not a region).
    - `surge_without_baseline` (false): whether a region with no history at all (mean 0)
      can surge. Off by default: every region is "new" for `baseline_days` after the
      worker's tables are created, and a region the classifier has just started naming
      (a new gazetteer alias) would surge on its first few reports. Desks already get
      each of those reports as an alert; a surge says "more than usual here", which
      needs a usual.
    - `places_per_article` (3): how many of an article's places count (the classifier
      puts the place the story is about first; later ones are often context, such as the
      capital where an official spoke).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    factor: float = Field(default=3.0, gt=1.0, le=100.0, allow_inf_nan=False)
    window_hours: int = Field(default=24, ge=1, le=24 * 7)
    baseline_days: int = Field(default=7, ge=1, le=90)
    bucket_minutes: int = Field(default=60, ge=1, le=MINUTES_PER_DAY)
    min_count: int = Field(default=5, ge=1, le=100_000)
    region_level: RegionLevel = "admin1"
    surge_without_baseline: bool = False
    places_per_article: int = Field(default=3, ge=1, le=20)

    @field_validator("bucket_minutes")
    @classmethod
    def _bucket_fits(cls, value: int, info: ValidationInfo) -> int:
        if MINUTES_PER_DAY % value:
            raise PydanticCustomError(
                "flashpoint_config",
                "bucket_minutes must divide a day (1440 minutes) evenly, got {value}",
                {"value": value},
            )
        window_hours = info.data.get("window_hours")
        if isinstance(window_hours, int) and (window_hours * 60) % value:
            raise PydanticCustomError(
                "flashpoint_config",
                "bucket_minutes must divide window_hours ({minutes} minutes) evenly, got {value}",
                {"minutes": window_hours * 60, "value": value},
            )
        return value

    @property
    def bucket(self) -> timedelta:
        return timedelta(minutes=self.bucket_minutes)

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.window_hours)

    @property
    def baseline(self) -> timedelta:
        return timedelta(days=self.baseline_days)

    @property
    def retention(self) -> timedelta:
        """How long a bucket is read after it ends: the Faust table's ``expires``."""
        return self.baseline + self.window
