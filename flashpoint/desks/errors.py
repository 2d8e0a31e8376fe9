"""Errors of the desks package, under Flashpoint's root exception.

FlashpointError
└── DeskError              something about desks, subscriptions or silences is refused
    ├── NotFoundError      no desk, subscription or silence with that id
    ├── ConflictError      the id is taken (or belongs to another desk)
    └── InvalidSilenceError  a silence that names no real place or signal, or no time

Bad subscriptions are `flashpoint.core.errors.ConfigError`, as for the YAML file.
"""

from __future__ import annotations

from flashpoint.core.errors import FlashpointError


class DeskError(FlashpointError):
    """Root of the desks package's errors."""


class NotFoundError(DeskError):
    """No desk, subscription or silence has the id asked for."""


class ConflictError(DeskError):
    """A desk or subscription id is already taken."""


class InvalidSilenceError(DeskError):
    """A silence's region, signals or time window is not valid."""
