"""What the command-line groups share: how they fail, print, and open a store.

Kept apart from `flashpoint.cli` (which imports the groups) so the groups can import it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import ArgumentError

from flashpoint.core.errors import ConfigError

StoreT = TypeVar("StoreT")


def fail(message: str, code: int) -> typer.Exit:
    """Print ``error: message`` on stderr; the exit to raise (2: bad input, 1: not found)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def make_console() -> Console:
    """A console for tables and text (no highlighting, long lines kept whole)."""
    return Console(highlight=False, soft_wrap=False)


def open_store(open_at: Callable[[str], StoreT], database_url: str | None) -> StoreT:
    """`open_at(database_url)`, the URL from the settings when None; a bad URL or setting
    exits with status 2 and the error."""
    try:
        if database_url is None:
            from flashpoint.core.settings import load_settings

            database_url = load_settings().database_url
        return open_at(database_url)
    except (ConfigError, ArgumentError) as exc:
        raise fail(str(exc), 2) from None
