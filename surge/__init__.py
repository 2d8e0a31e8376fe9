"""Surge alerts: a region reporting far more escalation signals than its recent usual.

`surge.detector.SurgeDetector` is the stage (rule in `surge.config.SurgeSettings`), its
state lives in a `surge.store.BucketStore` (in the worker: Faust windowed tables,
`surge.faust_table`), `surge.routing.surge_decisions` picks the desks that hear of it
(every other subscription gets a suppressed decision saying why), and each desk's
channel gets a `surge.models.SurgeNotice` through the usual deliverer and notifiers.
"""

from surge.config import SurgeSettings
from surge.detector import SurgeDetector
from surge.models import SurgeAlert
from surge.store import BucketStore, InMemoryBucketStore

__all__ = ["BucketStore", "InMemoryBucketStore", "SurgeAlert", "SurgeDetector", "SurgeSettings"]
