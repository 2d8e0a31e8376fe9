"""The surge stage's records: a region, a count bucket, the last alert, and `SurgeAlert`.

`SurgeAlert` is what the surge topic carries (UTF-8 JSON from `model_dump_json`, like
every record in `flashpoint.core.records`). `Bucket` and `LastAlert` are the state a
`surge.store.BucketStore` keeps; both are plain JSON-able pydantic models so a Faust table
(JSON values) can hold them as dicts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from flashpoint.alerts.regions import fold
from flashpoint.core.records import Channel
from flashpoint.core.surge_settings import RegionLevel

# How many article ids a bucket remembers to refuse replays; past this an article is still
# counted but no longer remembered (an hour with this many reports of one region is a
# surge whatever a replay adds).
MAX_IDS_PER_BUCKET = 2000
# How many sample article ids a bucket keeps, and an alert carries.
SAMPLE_ARTICLES = 5
# How many signal types a headline names, most frequent first.
HEADLINE_SIGNALS = 3


@dataclass(frozen=True)
class Region:
    """Where counts are kept: a country, or a country's first-level subdivision.

    `admin1` is the name as the classifier reported it (for people); `admin1_code` is its
    ISO 3166-2 code when `alerts.regions.resolve_admin1` knows it. `key` identifies the
    region in the store and on the Kafka topic: ``"SD"`` for a country, ``"SD-KS"`` for a
    resolved admin1 (so "Idlib" and "Idlib Governorate" are one region), and
    ``"SD:<folded name>"`` for an admin1 that does not resolve.
    """

    country: str
    admin1: str | None = None
    admin1_code: str | None = None

    @property
    def level(self) -> RegionLevel:
        return "country" if self.admin1 is None else "admin1"

    @property
    def key(self) -> str:
        if self.admin1 is None:
            return self.country
        if self.admin1_code is not None:
            return self.admin1_code
        return f"{self.country}:{fold(self.admin1)}"

    def describe(self) -> str:
        return self.country if self.admin1 is None else f"{self.admin1} ({self.country})"


def article_digest(article_id: str) -> str:
    """A short fixed-size stand-in for an article id (ids can be long URLs)."""
    return hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:16]


class Bucket(BaseModel):
    """One region's escalation signals over one bucket (`bucket_minutes`) of time.

    `signals` counts each signal type once per article; `articles` counts distinct
    articles; `seen` holds the digests of the articles counted (at most
    `MAX_IDS_PER_BUCKET`), which is what makes a replayed article count once; `samples`
    keeps the newest few article ids for the alert.
    """

    model_config = ConfigDict(frozen=True)

    signals: dict[str, int] = Field(default_factory=dict)
    articles: int = 0
    seen: list[str] = Field(default_factory=list)
    samples: list[str] = Field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.signals.values())

    def has_seen(self, article_id: str) -> bool:
        return article_digest(article_id) in self.seen

    def add(self, article_id: str, signals: Iterable[str]) -> Bucket:
        """This bucket with one more article counted (the caller checks `has_seen`)."""
        counts = dict(self.signals)
        for signal in signals:
            counts[signal] = counts.get(signal, 0) + 1
        seen = self.seen
        if len(seen) < MAX_IDS_PER_BUCKET:
            seen = [*seen, article_digest(article_id)]
        samples = [*self.samples, article_id][-SAMPLE_ARTICLES:]
        return Bucket(signals=counts, articles=self.articles + 1, seen=seen, samples=samples)


class SignalCount(BaseModel):
    signal: str
    count: int


class SurgeAlert(BaseModel):
    """A region reporting many more escalation signals than usual (the surge topic's record).

    `surge_id` is stable for a region and window period (a replay that got past the
    detector's memory would produce the same id, so a delivery ledger keyed on it refuses
    it twice). `window_start`/`window_end` bound the counted window (`window_hours`,
    bucket-aligned, end exclusive). `count` is escalation signals in the window (one per
    article per signal), `articles` the distinct articles; `baseline_daily_mean` is the
    mean per day over the `baseline_days` before the window and `threshold` what `count`
    had to exceed (`factor` × that mean scaled to the window). `top_signals` are the
    signal types counted in the window, most frequent first (ties in taxonomy order);
    `article_ids` are samples of the window's articles, newest first.
    """

    surge_id: str
    level: RegionLevel
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    admin1: str | None = None
    admin1_code: str | None = Field(default=None, description="ISO 3166-2, when it resolves")
    region_key: str
    window_start: datetime
    window_end: datetime
    count: int
    articles: int
    baseline_daily_mean: float
    baseline_days: int
    factor: float
    threshold: float
    top_signals: list[SignalCount]
    article_ids: list[str]
    raised_at: datetime

    @property
    def region(self) -> Region:
        return Region(self.country, self.admin1, self.admin1_code)

    @property
    def headline(self) -> str:
        hours = (self.window_end - self.window_start).total_seconds() / 3600
        usual = f"{self.baseline_daily_mean:.1f}/day over {self.baseline_days} days"
        signals = ", ".join(
            f"{item.signal} {item.count}" for item in self.top_signals[:HEADLINE_SIGNALS]
        )
        return (
            f"Surge in {self.region.describe()}: {self.count} escalation signals in "
            f"{hours:g} h ({self.articles} reports; {signals}), usual {usual}"
        )


class LastAlert(BaseModel):
    """The last surge raised for a region: what keeps a surge to one alert per window.

    `raised_by` (the digest of the article whose count raised it) and `alert` let a replay
    of that article raise the same alert again: a worker that crashed after counting it
    but before publishing the alert would otherwise lose the surge (the count is already
    in the table, so the replay is refused). Downstream, the delivery ledger refuses the
    second copy (same `surge_id`).
    """

    model_config = ConfigDict(frozen=True)

    surge_id: str
    period_start: datetime
    raised_at: datetime
    raised_by: str | None = None
    alert: SurgeAlert | None = None


class SurgeSample(BaseModel):
    """One of a surge's recent reports, as a desk sees it in the notice."""

    article_id: str
    title: str | None = None
    url: str | None = None
    source: str | None = None


class SurgeNotice(BaseModel):
    """One surge for one desk's subscription on one channel (like `flashpoint.core.records.Alert`).

    `alert_id` is the surge id, so the delivery ledger and the audit history name a surge
    the way they name an article's alert; `delivery_key` is what the ledger refuses to
    send twice. `samples` are the surge's sample reports with their titles and links, as
    far as the audit history knows them.
    """

    alert_id: str
    desk_id: str
    subscription_id: str
    channel: Channel
    surge: SurgeAlert
    samples: list[SurgeSample] = Field(default_factory=list)
    created_at: datetime

    @property
    def delivery_key(self) -> str:
        return f"{self.alert_id}:{self.subscription_id}:{self.channel}"

    @property
    def headline(self) -> str:
        return self.surge.headline


def surge_id_for(region_key: str, period_start: datetime) -> str:
    """Stable id of a region's surge in one window period."""
    text = f"{region_key}|{period_start.isoformat()}"
    return "sg-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
