"""The surge stage: classified articles in, a `SurgeAlert` when a region reports far more
escalation than usual.

For each article, `SurgeDetector.observe` counts its escalation signals (every signal but
`DE_ESCALATION_SIGNALS`; one count per article per signal type) into the bucket of the
article's time, for each region the article reports (its country, or each (country,
admin1) of its places, per `SurgeSettings.region_level`). Then, for each region it
counted in, it compares the region's last `window_hours` with the `baseline_days` before
them and raises one alert when the rule of `SurgeSettings` holds.

Time. An article counts at its publication time, or its classification time when it has
none or claims a later one (`published_at` after `classified_at` is a wrong time zone):
both are in the record, so a replay puts it in the same bucket, where the bucket's
remembered ids refuse it. The window is the last `window_hours` before the injected
`clock` ("now", processing time), bucket-aligned: it ends at the end of the current
bucket. The baseline is the `baseline_days` just before the window (the window is not
part of its own baseline, so a burst does not raise its own bar).

What it drops, and why:

- an article with no escalation signal (only a ceasefire agreement or a withdrawal, or
  nothing): de-escalation is not a surge;
- places beyond the first `places_per_article` (later places are often context), and at
  the admin1 level, places with no admin1 ("Sudan" is not a region);
- an article older than the window and baseline together (`SurgeSettings.retention`
  before the end of the window): it could not change any count the detector reads;
- a replay: an article already counted in a region's bucket is not counted again there
  (Kafka delivery is at-least-once), and nothing is evaluated for it. The first version
  of an article wins; a reclassification under the same id is a replay. One exception:
  the replay of the article whose count raised the region's last surge returns that same
  surge again (`LastAlert`), so a crash between counting and publishing loses no surge.

What it records, through the `BucketStore`: each region's bucket with the article
counted and its id remembered (at most `MAX_IDS_PER_BUCKET` ids a bucket; beyond that
articles still count but a replay of them would count again), and, per region, the last
surge raised (`LastAlert`).

Once per window. A surge has an id per region and *period*: the `window_hours`-long
period (aligned to the Unix epoch, so UTC days for 24 hours) that "now" falls in. A
region raises at most one alert per period, and none within `window_hours` of its last
alert either: without that second rule a burst at 23:00 would alert at 23:30 and again
at 00:30, the same reports still in the sliding window of the next period. So a region
that keeps surging alerts at most once every `window_hours`.

In the worker (`streams.app`) the store is `surge.faust_table.FaustBucketStore`: a
tumbling Faust table of buckets and a plain table of last alerts, both changelog backed,
so a restarted worker resumes its counts. The table keys are `Region.key` strings, so the
agent that calls `observe` reads a topic keyed by region key (``articles.by_region``)
with the tables' partition count (a Faust table is partitioned like the stream that
writes it), and `observe(item, region_key=key)` counts only that region. It is called
inline in the agent, not in an executor: Faust finds the table partition through the
current event, which an executor thread does not see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flashpoint.alerts.regions import resolve_admin1
from flashpoint.core.clock import as_utc, utc_now
from flashpoint.core.records import DE_ESCALATION_SIGNALS, SIGNAL_TYPES, ClassifiedArticle
from flashpoint.core.surge_settings import SurgeSettings
from flashpoint.surge.models import (
    SAMPLE_ARTICLES,
    Bucket,
    LastAlert,
    Region,
    SignalCount,
    SurgeAlert,
    article_digest,
    surge_id_for,
)
from flashpoint.surge.store import BucketStore, InMemoryBucketStore

Clock = Callable[[], datetime]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SIGNAL_ORDER = {signal: index for index, signal in enumerate(SIGNAL_TYPES)}


def floor_time(at: datetime, size: timedelta) -> datetime:
    """The start of the `size`-long period (aligned to the Unix epoch) that `at` is in."""
    at = as_utc(at)
    return at - (at - _EPOCH) % size


def escalation_signals(item: ClassifiedArticle) -> list[str]:
    """The article's escalation signal types, once each, in taxonomy order."""
    types = item.classification.signal_types() - DE_ESCALATION_SIGNALS
    return sorted(types, key=_SIGNAL_ORDER.__getitem__)


def article_time(item: ClassifiedArticle) -> datetime:
    """When an article counts: published, else classified (and never after classified)."""
    classified = as_utc(item.classified_at)
    published = item.article.published_at
    return classified if published is None else min(as_utc(published), classified)


def regions_of(item: ClassifiedArticle, settings: SurgeSettings) -> list[Region]:
    """The regions an article counts in, at the configured level, in place order.

    Empty when the article has no escalation signal: the worker need not send it on.
    """
    if not escalation_signals(item):
        return []
    regions: dict[str, Region] = {}
    for place in item.classification.locations[: settings.places_per_article]:
        country = place.country.upper()
        if settings.region_level == "country":
            region = Region(country)
        elif place.admin1 and place.admin1.strip():
            resolved = resolve_admin1(country, place.admin1)
            region = Region(country, place.admin1, resolved.code if resolved else None)
        else:
            continue
        regions.setdefault(region.key, region)
    return list(regions.values())


class SurgeDetector:
    """Counts escalation signals per region and raises `SurgeAlert`s (module docstring).

    One instance per stream; the store holds all state, so a store over Faust tables
    would make it survive restarts. `clock` is "now" (processing time); tests inject one.
    """

    def __init__(
        self,
        settings: SurgeSettings,
        clock: Clock = utc_now,
        *,
        store: BucketStore | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.store: BucketStore = store if store is not None else InMemoryBucketStore()

    def regions_of(self, item: ClassifiedArticle) -> list[Region]:
        """`regions_of` with this detector's settings."""
        return regions_of(item, self.settings)

    def observe(
        self, item: ClassifiedArticle, *, region_key: str | None = None
    ) -> list[SurgeAlert]:
        """Count one article; the surges it completes (at most one per region).

        `region_key` limits counting to that one region (the worker's per-region stream).
        """
        signals = escalation_signals(item)
        if not signals:
            return []
        now = as_utc(self.clock())
        oldest = self._window_end(now) - self.settings.retention
        self.store.expire(oldest)
        at = min(article_time(item), now)
        if at < oldest:
            return []
        start = floor_time(at, self.settings.bucket)
        article_id = item.article.id
        alerts: list[SurgeAlert] = []
        for region in self.regions_of(item):
            if region_key is not None and region.key != region_key:
                continue
            bucket = self.store.get_bucket(region.key, start) or Bucket()
            if bucket.has_seen(article_id):
                alert = self._raised_by(region.key, article_id)
                if alert is not None:  # the replay of the article that raised it
                    alerts.append(alert)
                continue
            self.store.put_bucket(region.key, start, bucket.add(article_id, signals))
            alert = self._check(region, now, article_id)
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _window_end(self, now: datetime) -> datetime:
        return floor_time(now, self.settings.bucket) + self.settings.bucket

    def _buckets(self, region_key: str, start: datetime, end: datetime) -> list[Bucket]:
        """The region's buckets in [start, end), oldest first (missing ones skipped)."""
        found: list[Bucket] = []
        step = self.settings.bucket
        at = start
        while at < end:
            bucket = self.store.get_bucket(region_key, at)
            if bucket is not None:
                found.append(bucket)
            at += step
        return found

    def _raised_by(self, region_key: str, article_id: str) -> SurgeAlert | None:
        """The region's last alert if counting `article_id` raised it (see `LastAlert`)."""
        last = self.store.last_alert(region_key)
        if last is None or last.raised_by != article_digest(article_id):
            return None
        return last.alert

    def _check(self, region: Region, now: datetime, article_id: str) -> SurgeAlert | None:
        settings = self.settings
        window_end = self._window_end(now)
        window_start = window_end - settings.window
        window = self._buckets(region.key, window_start, window_end)
        count = sum(bucket.total for bucket in window)
        if count < settings.min_count:
            return None
        baseline_start = window_start - settings.baseline
        baseline_total = sum(
            bucket.total for bucket in self._buckets(region.key, baseline_start, window_start)
        )
        daily_mean = baseline_total / settings.baseline_days
        if daily_mean == 0 and not settings.surge_without_baseline:
            return None
        threshold = settings.factor * daily_mean * settings.window_hours / 24
        if count <= threshold:
            return None
        period_start = floor_time(now, settings.window)
        last = self.store.last_alert(region.key)
        if last is not None and (
            last.period_start == period_start or last.raised_at > now - settings.window
        ):
            return None
        surge_id = surge_id_for(region.key, period_start)
        alert = SurgeAlert(
            surge_id=surge_id,
            level=region.level,
            country=region.country,
            admin1=region.admin1,
            admin1_code=region.admin1_code,
            region_key=region.key,
            window_start=window_start,
            window_end=window_end,
            count=count,
            articles=sum(bucket.articles for bucket in window),
            baseline_daily_mean=round(daily_mean, 3),
            baseline_days=settings.baseline_days,
            factor=settings.factor,
            threshold=round(threshold, 3),
            top_signals=_top_signals(window),
            article_ids=_samples(window),
            raised_at=now,
        )
        self.store.remember_alert(
            region.key,
            LastAlert(
                surge_id=surge_id,
                period_start=period_start,
                raised_at=now,
                raised_by=article_digest(article_id),
                alert=alert,
            ),
        )
        return alert


def _top_signals(window: list[Bucket]) -> list[SignalCount]:
    counts: Counter[str] = Counter()
    for bucket in window:
        counts.update(bucket.signals)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], _SIGNAL_ORDER.get(pair[0], 99)))
    return [SignalCount(signal=signal, count=count) for signal, count in ranked]


def _samples(window: list[Bucket]) -> list[str]:
    samples: list[str] = []
    for bucket in reversed(window):
        for article_id in reversed(bucket.samples):
            if article_id not in samples:
                samples.append(article_id)
            if len(samples) == SAMPLE_ARTICLES:
                return samples
    return samples
