"""The suite's fixtures (a real broker, PostgreSQL, the e2e stack) for the drills."""

from tests.conftest import kafka_broker, postgres_server, unique_prefix
from tests.e2e.conftest import stack

__all__ = ["kafka_broker", "postgres_server", "stack", "unique_prefix"]
