"""`SurgeDetector`: a quiet week, then bursts, with an injected clock and no Kafka."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flashpoint.core.records import Location
from flashpoint.core.surge_settings import SurgeSettings
from flashpoint.surge.detector import SurgeDetector, article_time, escalation_signals
from flashpoint.surge.models import MAX_IDS_PER_BUCKET, Bucket, surge_id_for
from flashpoint.surge.store import InMemoryBucketStore
from tests.surge.builders import (
    DAY0,
    DILLING,
    EL_OBEID,
    GOMA,
    KADUGLI,
    SUDAN,
    Clock,
    burst,
    feed,
    quiet_week,
    report,
)

HOUR = timedelta(hours=1)


def make(**settings: object) -> tuple[SurgeDetector, Clock, InMemoryBucketStore]:
    clock = Clock()
    store = InMemoryBucketStore()
    detector = SurgeDetector(SurgeSettings.model_validate(settings), clock, store=store)
    return detector, clock, store


def test_a_quiet_week_then_a_burst_raises_exactly_one_alert() -> None:
    detector, clock, _ = make()

    assert feed(detector, clock, quiet_week()) == []  # one report a day: daily mean 1
    assert feed(detector, clock, burst("b", 4)) == []  # 4 > 3 × 1, but below min_count 5
    alerts = feed(detector, clock, burst("b", 5)[4:])  # the fifth

    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.level == "admin1"
    assert (alert.country, alert.admin1, alert.admin1_code) == ("SD", "South Kordofan", "SD-KS")
    assert alert.region_key == "SD-KS"
    assert alert.window_end == DAY0 + 11 * HOUR
    assert alert.window_start == DAY0 - 13 * HOUR
    assert (alert.count, alert.articles) == (5, 5)
    assert alert.baseline_daily_mean == 1.0
    assert (alert.factor, alert.threshold, alert.baseline_days) == (3.0, 3.0, 7)
    assert [(s.signal, s.count) for s in alert.top_signals] == [("shelling", 5)]
    assert alert.article_ids == ["b-4", "b-3", "b-2", "b-1", "b-0"]
    assert alert.raised_at == DAY0 + 10 * HOUR + 21 * timedelta(minutes=1)
    assert alert.surge_id == surge_id_for("SD-KS", DAY0)
    assert alert.headline == (
        "Surge in South Kordofan (SD): 5 escalation signals in 24 h (5 reports; shelling 5), "
        "usual 1.0/day over 7 days"
    )


def test_a_second_burst_in_the_same_window_raises_nothing() -> None:
    detector, clock, _ = make()
    feed(detector, clock, quiet_week())
    assert len(feed(detector, clock, burst("b", 5))) == 1

    later = burst("c", 10, DAY0 + 15 * HOUR)

    assert feed(detector, clock, later) == []


def test_the_next_window_can_raise_again() -> None:
    detector, clock, _ = make()
    feed(detector, clock, quiet_week())
    first = feed(detector, clock, burst("b", 5))
    assert len(first) == 1

    # Day 1, 12:00: more than a day after the first alert. The day-0 burst is now in the
    # baseline (mean 10/7), so the bar is 3 × 10/7 ≈ 4.3 reports.
    second = feed(detector, clock, burst("c", 8, DAY0 + timedelta(days=1, hours=12)))

    assert len(second) == 1
    assert second[0].surge_id == surge_id_for("SD-KS", DAY0 + timedelta(days=1))
    assert second[0].surge_id != first[0].surge_id
    assert second[0].baseline_daily_mean == pytest.approx(10 / 7, abs=1e-3)
    assert second[0].count == 5  # raised on the fifth report of the second burst


def test_a_surge_that_runs_past_midnight_alerts_once() -> None:
    detector, clock, _ = make()
    feed(detector, clock, quiet_week())
    first = feed(detector, clock, burst("b", 5, DAY0 + 22 * HOUR))
    assert len(first) == 1

    # Next period (day 1), but within 24 hours of the alert: the same surge, still going.
    assert feed(detector, clock, burst("c", 10, DAY0 + timedelta(days=1, hours=2))) == []


def test_replaying_the_same_articles_does_not_count_twice() -> None:
    detector, clock, store = make()
    feed(detector, clock, quiet_week())
    four = burst("b", 4)
    feed(detector, clock, four)

    assert feed(detector, clock, four) == []  # a replay: still 4, below min_count
    bucket = store.get_bucket("SD-KS", DAY0 + 10 * HOUR)
    assert bucket is not None
    assert (bucket.total, bucket.articles) == (4, 4)

    # Reclassified under the same id with more signals: still a replay, first version wins.
    again = report("b-0", DAY0 + 10 * HOUR, signals=("shelling", "air_strike", "casualties"))
    assert feed(detector, clock, [again]) == []
    assert store.get_bucket("SD-KS", DAY0 + 10 * HOUR) == bucket

    alerts = feed(detector, clock, burst("b", 5))  # b-0..b-3 replayed, b-4 new
    assert len(alerts) == 1
    assert alerts[0].count == 5
    # The whole burst replayed: nothing new, but the replay of b-4, whose count raised the
    # surge, raises the same surge again (a crash may have lost it before it was sent).
    replayed = feed(detector, clock, burst("b", 5))
    assert replayed == alerts


def test_de_escalation_signals_do_not_count() -> None:
    detector, clock, store = make()
    feed(detector, clock, quiet_week())

    truce = burst("t", 8, signals=("ceasefire_agreement", "withdrawal"))
    assert feed(detector, clock, truce) == []
    assert store.get_bucket("SD-KS", DAY0 + 10 * HOUR) is None

    mixed = burst(
        "m", 5, DAY0 + 10 * HOUR + timedelta(minutes=1), signals=("withdrawal", "shelling")
    )
    alerts = feed(detector, clock, mixed)
    assert len(alerts) == 1
    assert [(s.signal, s.count) for s in alerts[0].top_signals] == [("shelling", 5)]


def test_each_signal_of_an_article_counts_once() -> None:
    detector, clock, _ = make()
    feed(detector, clock, quiet_week())
    three = burst("b", 3, signals=("air_strike", "shelling", "casualties"))

    alerts = feed(detector, clock, three)

    # 3 articles × 3 signals = 9: over min_count 5 on the second article (6 signals).
    assert len(alerts) == 1
    assert (alerts[0].count, alerts[0].articles) == (6, 2)
    assert [s.signal for s in alerts[0].top_signals] == ["shelling", "air_strike", "casualties"]
    assert escalation_signals(three[0]) == ["shelling", "air_strike", "casualties"]


def test_admin1_level_counts_each_subdivision_apart() -> None:
    detector, clock, _ = make(surge_without_baseline=True)
    items = [
        *burst("s", 3, places=(KADUGLI,)),
        *burst("n", 2, DAY0 + 10 * HOUR + timedelta(minutes=1), places=(EL_OBEID,)),
        *burst("c", 3, DAY0 + 10 * HOUR + timedelta(minutes=2), places=(SUDAN,)),
    ]

    assert feed(detector, clock, items) == []  # 3 in South, 2 in North; "Sudan" nowhere


def test_country_level_adds_up_the_country() -> None:
    detector, clock, _ = make(surge_without_baseline=True, region_level="country")
    items = [
        *burst("s", 2, places=(KADUGLI,)),
        *burst("n", 2, DAY0 + 10 * HOUR + timedelta(minutes=1), places=(EL_OBEID,)),
        *burst("c", 1, DAY0 + 10 * HOUR + timedelta(minutes=2), places=(SUDAN,)),
    ]

    alerts = feed(detector, clock, items)

    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.level, alert.country, alert.admin1, alert.region_key) == (
        "country",
        "SD",
        None,
        "SD",
    )
    assert alert.count == 5


def test_an_article_counts_once_in_each_of_its_regions() -> None:
    detector, clock, _ = make(surge_without_baseline=True)
    # Two places in one admin1 count once there; a place in another country counts there.
    items = burst("b", 5, places=(KADUGLI, DILLING, GOMA))

    alerts = feed(detector, clock, items)

    assert sorted(alert.region_key for alert in alerts) == ["CD-NK", "SD-KS"]
    assert all(alert.count == 5 for alert in alerts)


def test_only_the_first_places_of_an_article_count() -> None:
    detector, clock, _ = make(surge_without_baseline=True, places_per_article=1)
    items = burst("b", 5, places=(KADUGLI, GOMA))

    alerts = feed(detector, clock, items)

    assert [alert.region_key for alert in alerts] == ["SD-KS"]


def test_min_count_keeps_small_numbers_quiet() -> None:
    detector, clock, _ = make(min_count=8)
    feed(detector, clock, quiet_week())  # mean 1: the bar is 3, min_count is higher

    assert feed(detector, clock, burst("b", 7)) == []
    assert len(feed(detector, clock, burst("c", 1, DAY0 + 10 * HOUR + timedelta(minutes=40)))) == 1


def test_a_region_without_history_does_not_surge_by_default() -> None:
    detector, clock, _ = make()

    assert feed(detector, clock, burst("b", 12)) == []


def test_a_region_without_history_surges_when_configured() -> None:
    detector, clock, _ = make(surge_without_baseline=True)

    alerts = feed(detector, clock, burst("b", 12))

    assert len(alerts) == 1
    assert (alerts[0].count, alerts[0].baseline_daily_mean, alerts[0].threshold) == (5, 0, 0)


def test_the_count_must_exceed_the_bar_not_reach_it() -> None:
    detector, clock, _ = make(min_count=1)
    feed(detector, clock, quiet_week(per_day=2))  # mean 2: the bar is 6

    assert feed(detector, clock, burst("b", 6)) == []
    assert len(feed(detector, clock, burst("c", 1, DAY0 + 10 * HOUR + timedelta(minutes=31)))) == 1


def test_a_shorter_window_is_compared_with_the_mean_scaled_to_it() -> None:
    # About 2 a day, 1 per 12 hours. With factor 3, 5 reports pass a 12-hour window (bar
    # about 3) but not a 24-hour one (bar 6).
    for window_hours, expected in ((24, 0), (12, 1)):
        detector, clock, _ = make(window_hours=window_hours)
        feed(detector, clock, quiet_week(per_day=2))
        alerts = feed(detector, clock, burst("b", 5))
        assert len(alerts) == expected
    # The 12-hour window starts at day -1 23:00, so its baseline holds days -7 to -2: 12/7.
    assert alerts[0].threshold == pytest.approx(3 * (12 / 7) / 2, abs=1e-3)
    assert alerts[0].window_end - alerts[0].window_start == timedelta(hours=12)


def test_the_window_slides_by_the_bucket() -> None:
    detector, clock, _ = make(surge_without_baseline=True, min_count=3)
    # Two reports at 09:10 yesterday and one at 09:30 today: 24 h 20 min apart, never all
    # three in one 24-hour window of hourly buckets.
    items = [
        report("a", DAY0 - 15 * HOUR + timedelta(minutes=10)),
        report("b", DAY0 - 15 * HOUR + timedelta(minutes=11)),
        report("c", DAY0 + 9 * HOUR + timedelta(minutes=30)),
    ]

    assert feed(detector, clock, items) == []


def test_articles_older_than_window_and_baseline_are_dropped() -> None:
    detector, clock, store = make()
    clock.now = DAY0 + 10 * HOUR
    old = report("old", DAY0 - timedelta(days=9))

    assert detector.observe(old) == []
    assert store.buckets == {}


def test_old_buckets_are_forgotten() -> None:
    detector, clock, store = make()
    feed(detector, clock, quiet_week())
    assert len(store.buckets) == 7

    clock.now = DAY0 + timedelta(days=3)
    detector.observe(report("late", clock.now))

    # Days -8, -7 and -6 end before day 3 01:00 minus 8 days (window + baseline).
    kept = [DAY0 + timedelta(days=day, hours=12) for day in (-5, -4, -3, -2)]
    assert sorted(start for _, start in store.buckets) == [*kept, DAY0 + timedelta(days=3)]


def test_an_article_counts_at_its_publication_time_else_classification_time() -> None:
    at = DAY0 + 10 * HOUR
    assert article_time(report("a", at)) == at
    assert article_time(report("b", at, published=False)) == at + timedelta(minutes=1)
    late = report("c", at).model_copy(
        update={"classified_at": at - HOUR}  # published "after" it was classified
    )
    assert article_time(late) == at - HOUR


def test_regions_of_resolves_admin1_names_to_one_region() -> None:
    detector, _, _ = make()
    idlib = Location(name="Idlib", country="SY", admin1="Idlib Governorate")
    idleb = Location(name="Maarrat al-Numan", country="SY", admin1="Idleb")
    nowhere = Location(name="Somewhere", country="SY", admin1="Nowhere Plateau")
    item = report("i", DAY0, places=(idlib, idleb, nowhere))

    regions = detector.regions_of(item)

    assert [region.key for region in regions] == ["SY-ID", "SY:nowhere plateau"]
    assert regions[0].admin1 == "Idlib Governorate"
    assert detector.regions_of(report("t", DAY0, signals=("withdrawal",))) == []


def test_observe_can_count_one_region_only() -> None:
    detector, clock, store = make(surge_without_baseline=True)
    clock.now = DAY0 + 10 * HOUR
    item = report("b", clock.now, places=(KADUGLI, GOMA))

    detector.observe(item, region_key="CD-NK")
    detector.observe(item, region_key="SD-KS")
    detector.observe(item, region_key="CD-NK")  # a replay of that region's copy

    assert {key for key, _ in store.buckets} == {"CD-NK", "SD-KS"}
    assert all(bucket.total == 1 for bucket in store.buckets.values())


def test_a_bucket_remembers_a_bounded_number_of_ids() -> None:
    bucket = Bucket()
    for n in range(MAX_IDS_PER_BUCKET + 3):
        bucket = bucket.add(f"a-{n}", ["shelling"])

    assert bucket.total == MAX_IDS_PER_BUCKET + 3
    assert len(bucket.seen) == MAX_IDS_PER_BUCKET
    assert bucket.has_seen("a-0") and not bucket.has_seen(f"a-{MAX_IDS_PER_BUCKET + 1}")
    assert bucket.samples == [
        f"a-{n}" for n in range(MAX_IDS_PER_BUCKET - 2, MAX_IDS_PER_BUCKET + 3)
    ]


def test_the_clock_is_processing_time_and_future_articles_count_now() -> None:
    detector, clock, store = make()
    clock.now = DAY0 + 10 * HOUR
    ahead = report("f", DAY0 + 30 * HOUR)  # published and classified in the future

    detector.observe(ahead)

    assert list(store.buckets) == [("SD-KS", DAY0 + 10 * HOUR)]
