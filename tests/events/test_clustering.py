"""The clustering stage: which reports join one event, and what each update says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flashpoint.core.event_settings import EventSettings
from flashpoint.core.records import EventUpdate, FigureRange
from flashpoint.events.clustering import EventClusterer, event_id_for, report_text, report_time
from flashpoint.events.store import InMemoryEventStore

from .builders import (
    AR_RAHAD,
    DILLING,
    GISENYI,
    GOMA,
    KADUGLI,
    KWEIK,
    SOUTH_KORDOFAN,
    SUDAN,
    T0,
    BagOfWords,
    Clock,
    classified,
)

FIRST = (
    "Artillery shells struck a crowded market in Kadugli on Monday morning, killing five "
    "people, residents said."
)
SECOND = (
    "Paramilitary gunners pounded the centre of Kadugli with mortars on Monday; a medic at "
    "the town hospital counted five dead."
)


def clusterer(
    store: InMemoryEventStore,
    clock: Clock,
    *,
    embed: BagOfWords | None = None,
    **settings: object,
) -> EventClusterer:
    return EventClusterer(store, EventSettings.model_validate(settings), embed=embed, clock=clock)


def must(update: EventUpdate | None) -> EventUpdate:
    assert update is not None
    return update


def test_two_reports_of_one_incident_become_one_event(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock)

    first = must(
        stage.add(
            classified("a1", FIRST, signals=["shelling", "civilian_harm", "casualties"], killed=5)
        )
    )
    clock.advance(hours=3)
    second = must(
        stage.add(
            classified(
                "a2",
                SECOND,
                signals=["shelling", "casualties"],
                killed=5,
                at=T0 + timedelta(hours=3),
                source="Sudan Daily",
            )
        )
    )

    assert first.kind == "new"
    assert first.changes == []
    assert first.event.event_id == event_id_for("a1")
    assert second.event.event_id == first.event.event_id
    assert second.kind == "report"
    assert second.changes == []
    event = second.event
    assert [s.article_id for s in event.sources] == ["a1", "a2"]
    assert event.first_seen == T0
    assert event.last_seen == T0 + timedelta(hours=3)
    assert event.signals == ["shelling", "civilian_harm", "casualties"]
    assert event.severity == 4
    assert event.killed == FigureRange(stated=5, low=5, high=5)
    assert [p.name for p in event.locations] == ["Kadugli", "Sudan"]
    assert event.sources[1].seen_at == clock.now
    assert memory_store.get(event.event_id) == event


def test_an_article_without_signals_is_dropped(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock)

    assert stage.add(classified("quiet", "Markets reopened in Kadugli.", signals=[])) is None
    assert memory_store.event_of("quiet") is None


@pytest.mark.parametrize(
    ("case", "overrides"),
    [
        ("200 km away", {"places": [AR_RAHAD, SUDAN]}),
        ("same region but 116 km away", {"places": [DILLING, SOUTH_KORDOFAN, SUDAN]}),
        ("5 days later", {"at": T0 + timedelta(days=5)}),
        ("no shared signal, unlike text", {"signals": ["reinforcement"]}),
        ("only the country is named", {"places": [SUDAN]}),
        ("no place at all", {"places": []}),
    ],
)
def test_a_report_that_is_not_the_same_incident_starts_a_new_event(
    memory_store: InMemoryEventStore, clock: Clock, case: str, overrides: dict[str, object]
) -> None:
    stage = clusterer(memory_store, clock, embed=BagOfWords())
    first = must(stage.add(classified("a1", FIRST, signals=["shelling", "casualties"])))

    other = {
        "signals": ["shelling"],
        "places": [KADUGLI, SUDAN],
        **overrides,
    }
    later = must(
        stage.add(
            classified(
                "b1",
                "Troops and armoured vehicles rolled into the area overnight.",
                **other,  # type: ignore[arg-type]
            )
        )
    )

    assert later.kind == "new", case
    assert later.event.event_id != first.event.event_id
    assert memory_store.event_of("b1") == later.event.event_id


def test_a_report_across_a_border_starts_a_new_event(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock)
    goma = must(stage.add(classified("g1", "Shells fell on Goma.", places=[GOMA])))

    gisenyi = must(stage.add(classified("r1", "Shells fell on Gisenyi.", places=[GISENYI])))

    assert gisenyi.kind == "new"
    assert gisenyi.event.event_id != goma.event.event_id


def test_the_window_is_anchored_to_the_first_report(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock, window_hours=48)
    first = must(stage.add(classified("a1", FIRST)))

    day_two = must(stage.add(classified("a2", SECOND, at=T0 + timedelta(hours=40))))
    day_three = must(stage.add(classified("a3", SECOND, at=T0 + timedelta(hours=50))))

    assert day_two.event.event_id == first.event.event_id
    assert day_three.kind == "new"


def test_a_late_report_of_an_earlier_time_joins_and_moves_first_seen(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock)
    stage.add(classified("a1", FIRST, at=T0 + timedelta(hours=6)))

    early = must(stage.add(classified("a0", SECOND, at=T0)))

    assert early.event.event_id == event_id_for("a1")
    assert early.event.first_seen == T0
    assert early.event.last_seen == T0 + timedelta(hours=6)


def test_text_similarity_joins_a_report_naming_a_nearby_village(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    first_text = "Artillery shells struck the crowded livestock market, killing five traders."
    village_text = (
        "Artillery shells struck a crowded livestock market outside Kweik, killing five "
        "traders and wounding others."
    )
    embed = BagOfWords()
    stage = clusterer(memory_store, clock, embed=embed)
    first = must(stage.add(classified("a1", first_text, signals=["shelling", "casualties"])))

    village = must(
        stage.add(
            classified(
                "v1",
                village_text,
                signals=["civilian_harm"],  # no shared signal: the wording relates them
                places=[KWEIK, SOUTH_KORDOFAN, SUDAN],
                at=T0 + timedelta(hours=2),
            )
        )
    )

    assert village.event.event_id == first.event.event_id
    assert [p.name for p in village.event.locations] == [
        "Kadugli",
        "Sudan",
        "Kweik",
        "South Kordofan",
    ]
    assert village.kind == "escalated"
    assert village.changes == ["new signal: civilian_harm"]
    assert len(embed.calls) == 2

    # Without the embedder, the same report is another incident.
    alone = clusterer(InMemoryEventStore(), clock)
    alone.add(classified("a1", first_text, signals=["shelling", "casualties"]))
    apart = must(
        alone.add(classified("v1", village_text, signals=["civilian_harm"], places=[KWEIK, SUDAN]))
    )
    assert apart.kind == "new"


def test_the_best_scoring_event_wins(memory_store: InMemoryEventStore, clock: Clock) -> None:
    stage = clusterer(memory_store, clock, embed=BagOfWords())
    market = must(stage.add(classified("m1", FIRST, signals=["shelling", "casualties"])))
    convoy = must(
        stage.add(
            classified(
                "c1",
                "A drone struck an army convoy on the road out of Kweik.",
                signals=["air_strike"],
                places=[KWEIK, SUDAN],
            )
        )
    )
    assert convoy.kind == "new"

    follow_up = must(
        stage.add(
            classified(
                "m2",
                "Shells struck the crowded Kadugli market on Monday, killing five.",
                signals=["shelling", "air_strike", "casualties"],
                at=T0 + timedelta(hours=1),
            )
        )
    )

    assert follow_up.event.event_id == market.event.event_id


def test_escalation_reports_what_rose(memory_store: InMemoryEventStore, clock: Clock) -> None:
    stage = clusterer(memory_store, clock)
    stage.add(classified("e1", FIRST, signals=["shelling", "casualties"], killed=5))

    second = must(
        stage.add(
            classified(
                "e2",
                "The toll from the Kadugli shelling rose to twelve, the hospital said.",
                signals=["shelling", "casualties"],
                killed=12,
                injured=30,
                source="Sudan Daily",
                at=T0 + timedelta(hours=4),
            )
        )
    )
    third = must(
        stage.add(
            classified(
                "e3",
                "Twelve people died in the shelling of Kadugli and a drone strike followed.",
                signals=["shelling", "air_strike", "casualties"],
                killed=12,
                source="Radio Dabanga Test",
                at=T0 + timedelta(hours=6),
            )
        )
    )

    # One outlet's 12 against another's 5: the stated figure stays 5 (most conservative).
    assert second.kind == "escalated"
    assert second.changes == [
        "severity 3 → 4",
        "killed 5, reports range 5–12",
        "injured 30 (first figure)",
    ]
    assert second.event.killed == FigureRange(stated=5, low=5, high=12)
    # A second outlet backs 12: now it is stated.
    assert third.kind == "escalated"
    assert third.changes == ["killed 5 → 12", "new signal: air_strike"]
    assert third.event.killed == FigureRange(stated=12, low=5, high=12)
    assert third.event.severity == 4
    assert third.event.signals == ["shelling", "casualties", "air_strike"]


def test_a_figure_revised_down_is_a_report_not_an_escalation(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock)
    stage.add(classified("d1", FIRST, killed=15, source="A"))
    stage.add(classified("d2", SECOND, killed=15, source="B", at=T0 + timedelta(hours=1)))

    revised = must(stage.add(classified("d3", FIRST, killed=9, source="A", severity=3)))

    assert revised.kind == "report"
    assert revised.changes == ["killed 15 → 9 (revised down)"]


def test_a_ceasefire_agreement_joins_as_de_escalation(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock, embed=BagOfWords())
    fighting = must(stage.add(classified("f1", FIRST, signals=["shelling", "casualties"])))

    truce = must(
        stage.add(
            classified(
                "t1",
                "Both sides agreed to a local truce around the town from Wednesday, "
                "mediators announced.",
                signals=["ceasefire_agreement"],
                places=[SOUTH_KORDOFAN, SUDAN],
                at=T0 + timedelta(hours=30),
            )
        )
    )
    again = must(
        stage.add(
            classified(
                "t2",
                "Mediators confirmed the truce and said fighters began pulling back.",
                signals=["ceasefire_agreement", "withdrawal"],
                places=[KADUGLI],
                at=T0 + timedelta(hours=32),
            )
        )
    )
    repeat = must(
        stage.add(
            classified(
                "t3",
                "The truce announced on Tuesday is holding, residents said.",
                signals=["ceasefire_agreement"],
                places=[KADUGLI],
                at=T0 + timedelta(hours=33),
            )
        )
    )

    assert truce.event.event_id == fighting.event.event_id
    assert truce.kind == "de_escalation"
    assert truce.changes == ["ceasefire agreement reported"]
    assert truce.event.severity == 3  # de-escalation never lowers the highest severity
    assert again.kind == "de_escalation"
    assert again.changes == ["withdrawal reported"]
    assert repeat.kind == "report"
    assert repeat.event.event_id == fighting.event.event_id


def test_de_escalation_by_place_is_a_setting(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock, de_escalation_joins_by_place=False)
    stage.add(classified("f1", FIRST, signals=["shelling"]))

    truce = must(
        stage.add(classified("t1", "A truce was agreed.", signals=["ceasefire_agreement"]))
    )

    assert truce.kind == "new"


def test_escalation_wins_over_de_escalation_in_one_report(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock)
    stage.add(classified("f1", FIRST, signals=["shelling"]))

    mixed = must(
        stage.add(
            classified(
                "w1",
                "Fighters withdrew from the airport under heavy shelling; nine died.",
                signals=["shelling", "withdrawal", "casualties"],
                killed=9,
            )
        )
    )

    assert mixed.kind == "escalated"
    assert mixed.changes == [
        "killed 9 (first figure)",
        "new signal: casualties",
        "withdrawal reported",
    ]


def test_a_replayed_article_changes_nothing(memory_store: InMemoryEventStore, clock: Clock) -> None:
    embed = BagOfWords()
    stage = clusterer(memory_store, clock, embed=embed)
    stage.add(classified("a1", FIRST, killed=5))
    joined = must(stage.add(classified("a2", SECOND, killed=12, source="B")))

    clock.advance(minutes=30)
    replay = must(stage.add(classified("a2", SECOND, killed=12, source="B")))
    replay_first = must(stage.add(classified("a1", FIRST, killed=5)))

    assert replay.kind == "report"
    assert replay.changes == []
    assert replay.at == clock.now
    assert replay.event == joined.event
    assert replay_first.event == joined.event
    assert [s.article_id for s in replay.event.sources] == ["a1", "a2"]
    assert len(embed.calls) == 2  # replays are not embedded again

    # A fresh stage on the same store (a restarted worker) sees the replay too.
    restarted = clusterer(memory_store, clock, embed=embed)
    assert must(restarted.add(classified("a1", FIRST))).event == joined.event


def test_add_many_embeds_a_batch_once_and_files_in_order(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    embed = BagOfWords()
    stage = clusterer(memory_store, clock, embed=embed)

    updates = stage.add_many(
        [
            classified("a1", FIRST),
            classified("q1", "Nothing happened.", signals=[]),
            classified("a2", SECOND, at=T0 + timedelta(hours=1)),
            classified("a2", SECOND, at=T0 + timedelta(hours=1)),
        ]
    )

    assert [u.kind if u else None for u in updates] == ["new", None, "report", "report"]
    assert len(embed.calls) == 1
    assert len(embed.calls[0]) == 3
    assert updates[3] is not None and len(updates[3].event.sources) == 2


def test_old_events_are_expired_from_the_candidate_index(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock)
    old = must(stage.add(classified("o1", FIRST)))

    stage.add(classified("n1", FIRST, places=[AR_RAHAD], at=T0 + timedelta(days=3)))

    assert memory_store.candidates({"SD"}, T0 - timedelta(days=1), T0 + timedelta(days=1)) == []
    assert memory_store.get(old.event.event_id) is not None  # still readable


def test_places_beyond_the_first_few_are_dropped(
    memory_store: InMemoryEventStore, clock: Clock
) -> None:
    stage = clusterer(memory_store, clock, places_per_report=1)
    stage.add(classified("a1", FIRST, places=[AR_RAHAD, SUDAN]))

    # Kadugli comes second in this report: it is context, so the report is not near Kadugli.
    other = must(stage.add(classified("k0", FIRST, places=[KADUGLI])))
    context = must(stage.add(classified("a2", SECOND, places=[DILLING, KADUGLI, SUDAN])))

    assert context.event.event_id not in {other.event.event_id, event_id_for("a1")}
    assert [p.name for p in context.event.locations] == ["Dilling", "Sudan"]


def test_report_text_is_title_and_lead() -> None:
    item = classified(
        "x",
        "Shells hit Kadugli.  Five died. " + "More detail follows here. " * 30,
        title="Kadugli shelled",
    )
    assert report_text(item) == "Kadugli shelled. " + report_text(
        classified("y", item.article.text)
    )
    lead = report_text(classified("y", item.article.text))
    assert lead.startswith("Shells hit Kadugli. Five died.")
    assert len(lead) <= 300
    # A title the text already starts with is not repeated.
    same = classified("z", "Kadugli shelled. Five died.", title="Kadugli shelled")
    assert report_text(same) == "Kadugli shelled. Five died."


def test_report_time_is_published_but_never_after_classification() -> None:
    item = classified("x", FIRST, at=T0)
    assert report_time(item) == T0
    future = item.model_copy(
        update={"article": item.article.model_copy(update={"published_at": T0 + timedelta(days=1)})}
    )
    assert report_time(future) == item.classified_at
    undated = item.model_copy(
        update={"article": item.article.model_copy(update={"published_at": None})}
    )
    assert report_time(undated) == item.classified_at
