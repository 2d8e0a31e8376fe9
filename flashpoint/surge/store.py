"""Where the surge stage keeps its counts between articles (and worker restarts).

`BucketStore` is all `surge.detector.SurgeDetector` needs:

- `get_bucket(region_key, start)` / `put_bucket(region_key, start, bucket)`: one region's
  counts for the bucket that starts at `start` (aware UTC, aligned to `bucket_minutes`);
- `last_alert(region_key)` / `remember_alert(region_key, last)`: the last surge raised
  for a region (one record per region, not per bucket);
- `expire(before)`: forget buckets that start before `before` (the detector never reads
  them again).

`InMemoryBucketStore` is for tests and one-off runs. The worker uses
`surge.faust_table.FaustBucketStore`, over a Faust tumbling table (changelog backed, so a
restart resumes the counts, with ``expires`` doing the forgetting).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flashpoint.surge.models import Bucket, LastAlert


class BucketStore(Protocol):
    """Per-region count buckets and each region's last surge (see module docstring)."""

    def get_bucket(self, region_key: str, start: datetime) -> Bucket | None: ...

    def put_bucket(self, region_key: str, start: datetime, bucket: Bucket) -> None: ...

    def last_alert(self, region_key: str) -> LastAlert | None: ...

    def remember_alert(self, region_key: str, last: LastAlert) -> None: ...

    def expire(self, before: datetime) -> None: ...


class InMemoryBucketStore:
    """A `BucketStore` in two dicts; `expire` drops old buckets (regions' alerts stay)."""

    def __init__(self) -> None:
        self.buckets: dict[tuple[str, datetime], Bucket] = {}
        self.alerts: dict[str, LastAlert] = {}
        self._expired_before: datetime | None = None

    def get_bucket(self, region_key: str, start: datetime) -> Bucket | None:
        return self.buckets.get((region_key, start))

    def put_bucket(self, region_key: str, start: datetime, bucket: Bucket) -> None:
        self.buckets[(region_key, start)] = bucket

    def last_alert(self, region_key: str) -> LastAlert | None:
        return self.alerts.get(region_key)

    def remember_alert(self, region_key: str, last: LastAlert) -> None:
        self.alerts[region_key] = last

    def expire(self, before: datetime) -> None:
        # The detector calls this for every article; sweep once per new cutoff only.
        if self._expired_before is not None and before <= self._expired_before:
            return
        self._expired_before = before
        for key in [key for key in self.buckets if key[1] < before]:
            del self.buckets[key]
