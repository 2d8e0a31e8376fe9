"""`FaustBucketStore`: the surge detector's `BucketStore` over two Faust tables.

- **buckets**: a tumbling windowed table, ``app.Table(...).tumbling(bucket, expires=...)``,
  keyed by region key. Each (region key, window range) entry holds one `Bucket` as a JSON
  dict. The detector chooses the bucket itself (from the article's time), so the adapter
  addresses windows explicitly, ``buckets[key][window_range]``, which Faust turns into the
  underlying table key ``(key, window_range)``; it never relies on the table's
  time-relativity (`relative_to_*`), which would window by the Kafka message's timestamp.
  The window range of a bucket comes from the table's own window object
  (``table.window.current(ts)``), so the floats match the ones Faust computes.
  ``expires`` (`SurgeSettings.retention`) makes Faust drop old windows: its cleanup
  timer (``table_cleanup_interval``) deletes a window once its end is more than
  ``expires`` before the wall clock. `expire` here is therefore a no-op.
- **last alerts**: a plain table keyed by region key holding one `LastAlert` as a dict.

Both are changelog backed, so a restarted worker recovers counts and last alerts. Faust
writes a table change to the changelog partition of the *current event*, so these tables
must be written from an agent reading a topic keyed by region key, with as many
partitions as the tables (`create_surge_tables` takes that count), inside stream
iteration (not in an executor thread, which has no current event).

Verified against faust-streaming 0.15.x (`faust/tables/wrappers.py`: ``WindowSet``
``__getitem__``/``__setitem__`` with a window range; `faust/tables/base.py`:
``_window_ranges``, ``_del_old_keys``) and by tests/surge/test_faust_table.py, which runs a
worker on a real broker and restarts it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import faust
from faust.types.tables import TableT, WindowWrapperT

from flashpoint.core.surge_settings import SurgeSettings
from flashpoint.surge.models import Bucket, LastAlert

BUCKETS_TABLE = "surge-buckets"
LAST_ALERT_TABLE = "surge-last-alert"


def create_surge_tables(
    app: faust.App, settings: SurgeSettings, partitions: int
) -> FaustBucketStore:
    """Declare the surge tables on `app` and return a store over them.

    `partitions` must be the partition count of the region-keyed topic that the surge
    agent reads (Faust refuses a table whose changelog differs from its source topic).
    """
    buckets = app.Table(BUCKETS_TABLE, default=None, partitions=partitions).tumbling(
        settings.bucket, expires=settings.retention
    )
    last_alerts = app.Table(LAST_ALERT_TABLE, default=None, partitions=partitions)
    return FaustBucketStore(buckets, last_alerts, settings=settings)


class FaustBucketStore:
    """A `surge.store.BucketStore` over a tumbling table and a plain table (module doc)."""

    def __init__(
        self,
        buckets: WindowWrapperT,
        last_alerts: TableT[Any, Any],
        *,
        settings: SurgeSettings | None = None,
    ) -> None:
        window = buckets.table.window
        if window is None:
            raise ValueError("the buckets table must be windowed: use .tumbling(...)")
        size = float(getattr(window, "size", 0.0))
        if size != float(getattr(window, "step", -1.0)):
            raise ValueError("the buckets table must be a tumbling window (size == step)")
        if settings is not None and size != settings.bucket.total_seconds():
            raise ValueError(
                f"the buckets table's window is {size:g} s but bucket_minutes is "
                f"{settings.bucket_minutes} ({settings.bucket.total_seconds():g} s)"
            )
        self._buckets = buckets
        self._window = window
        self._last_alerts = last_alerts

    def _range(self, start: datetime) -> tuple[float, float]:
        return self._window.current(start.timestamp())

    def get_bucket(self, region_key: str, start: datetime) -> Bucket | None:
        try:
            value = self._buckets[region_key][self._range(start)]
        except KeyError:
            return None
        return None if value is None else Bucket.model_validate(value)

    def put_bucket(self, region_key: str, start: datetime, bucket: Bucket) -> None:
        self._buckets[region_key][self._range(start)] = bucket.model_dump(mode="json")

    def last_alert(self, region_key: str) -> LastAlert | None:
        value = self._last_alerts.get(region_key)
        return None if value is None else LastAlert.model_validate(value)

    def remember_alert(self, region_key: str, last: LastAlert) -> None:
        self._last_alerts[region_key] = last.model_dump(mode="json")

    def expire(self, before: datetime) -> None:
        """Nothing to do: the table's ``expires`` drops old windows (module docstring)."""
