"""Flashpoint: streaming escalation alerts for conflict-monitoring desks.

This package holds what every stage shares: the records that travel between
stages (`records`), the settings (`settings`), the error hierarchy (`errors`)
and the command line (`cli`). Each pipeline stage is a sibling package:
`ingest`, `classifiers`, `streams`, `alerts`, `audit`, `broker`.
"""

__version__ = "0.1.0"
