"""Settings of the event clustering stage: when two reports are the same incident.

The lead wires these into `flashpoint.core.settings.Settings` as ``events: EventSettings``, so
each field is also an environment variable: ``FLASHPOINT_EVENTS__MAX_DISTANCE_KM=30``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EventSettings(BaseModel):
    """How reports are grouped into events (see `events.clustering` for the whole rule).

    A report joins an open event when ALL of these hold:

    1. **Same country**: the report and the event share a country among their places.
    2. **Near**: in that country, some place of the report is within `max_distance_km` of
       some place of the event (great-circle distance between towns). When either side
       names no town with coordinates there (only a region, an admin1, or a town without
       coordinates), the two must share the admin1 instead, or name the same region.
       Country-level mentions ("Sudan") never place a report: they are too vague to say
       two reports are about one incident.
    3. **Close in time**: the report's time (published, else classified) is within
       `window_hours` of the event's first report. The window is anchored to the first
       report, not slid along the last one, so it also bounds an event's life: a town
       shelled every day gets one event per window, not one endless thread.
    4. **Related**: they share at least `min_signal_overlap` signal ids, OR the cosine
       similarity of the report's title+lead embedding with the event's centroid is at
       least `min_text_similarity`, OR (with `de_escalation_joins_by_place`) the report
       brings a de-escalation signal (`ceasefire_agreement`, `withdrawal`) and the event
       has escalation signals: a truce or a pull-back is about the fighting at that place,
       whatever words it uses.

    Among the events that pass, the report joins the one that scores highest on nearness
    + signal overlap (Jaccard) + text similarity; otherwise it starts a new event.

    Fields:

    - `max_distance_km` (50): how far apart two towns can be and still be one incident's.
    - `window_hours` (48): how long after an event's first report a report can still join
      it (and how early before it, for a report that arrives late).
    - `min_signal_overlap` (1): shared signal ids that make a nearby report related; 0
      joins on place and time alone.
    - `min_text_similarity` (0.6): cosine of all-MiniLM-L6-v2 title+lead embeddings that
      makes a nearby report related when its signals do not overlap (paraphrases of one
      incident score about 0.6 to 0.9; different incidents at one place mostly lower).
    - `de_escalation_joins_by_place` (true): rule 4's third branch.
    - `places_per_report` (3): how many of a report's places take part (the classifier
      lists the place the story is about first; later ones are often context such as the
      capital where an official spoke).
    - `figure_corroboration` (2): how many outlets must report at least a casualty figure
      before it becomes the stated figure (see `events.figures`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_distance_km: float = Field(default=50.0, gt=0, le=1000)
    window_hours: float = Field(default=48.0, gt=0, le=24 * 30)
    min_signal_overlap: int = Field(default=1, ge=0, le=13)
    min_text_similarity: float = Field(default=0.6, ge=0.0, le=1.0)
    de_escalation_joins_by_place: bool = True
    places_per_report: int = Field(default=3, ge=1, le=20)
    figure_corroboration: int = Field(default=2, ge=1, le=10)
