"""Surge alerts: a region reporting far more escalation signals than its recent usual.

`surge.detector.SurgeDetector` is the stage (its rule: `flashpoint.core.surge_settings`), its
state lives in a `surge.store.BucketStore` (in the worker: Faust windowed tables,
`surge.faust_table`), `surge.routing.surge_decisions` picks the desks that hear of it
(every other subscription gets a suppressed decision saying why), and each desk's
channel gets a `surge.models.SurgeNotice` through the usual deliverer and notifiers.
"""

from flashpoint.core.surge_settings import SurgeSettings
from flashpoint.surge.detector import SurgeDetector
from flashpoint.surge.models import SurgeAlert
from flashpoint.surge.store import BucketStore, InMemoryBucketStore

__all__ = ["BucketStore", "InMemoryBucketStore", "SurgeAlert", "SurgeDetector", "SurgeSettings"]
