"""Surge alerts: a region reporting far more escalation signals than its recent usual.

`surge.detector.SurgeDetector` is the stage (rule in `surge.config.SurgeSettings`), its
state lives in a `surge.store.BucketStore` (in memory today; a Faust-table store is the
next step, see `surge.detector`), and `surge.routing.route_surge` picks the desks that hear of it.
"""

from surge.config import SurgeSettings
from surge.detector import SurgeDetector
from surge.models import SurgeAlert
from surge.store import BucketStore, InMemoryBucketStore

__all__ = ["BucketStore", "InMemoryBucketStore", "SurgeAlert", "SurgeDetector", "SurgeSettings"]
