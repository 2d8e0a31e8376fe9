"""A real PostgreSQL server for the tests, and a throwaway database per test.

`FLASHPOINT_TEST_POSTGRES_URL` names a server to use (an admin URL that may create
databases). Without it, the machine's Debian cluster is used: started with `pg_ctlcluster`
if it is down (CI runs as root, and `initdb`/`pg_ctl` refuse root), with a `flashpoint`
role created through `runuser -u postgres -- psql`. When neither works the tests that need
the server fail with the reason: they never skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

ROLE = "flashpoint"
PASSWORD = "flashpoint-tests"  # a throwaway role on a loopback-only test server
URL_ENV = "FLASHPOINT_TEST_POSTGRES_URL"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be reached or started."""


@dataclass(frozen=True)
class PostgresServer:
    admin_url: str  # SQLAlchemy form: postgresql+psycopg://user:password@host:port/dbname

    def create_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        name = "t" + uuid.uuid4().hex[:12]
        with self._admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        assert name is not None, url
        with self._admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(conninfo(self.admin_url), autocommit=True)


def conninfo(url: str) -> str:
    """psycopg's conninfo for a SQLAlchemy URL."""
    parsed = make_url(url)
    return psycopg.conninfo.make_conninfo(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "",
        password=parsed.password or "",
        dbname=parsed.database or "postgres",
    )


def _reachable(url: str) -> str | None:
    """None when `url` accepts a connection, otherwise the reason."""
    try:
        psycopg.connect(conninfo(url), connect_timeout=5).close()
    except psycopg.Error as error:
        return str(error).strip()
    return None


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise PostgresUnavailable(f"{' '.join(command)}: {done.stderr.strip() or done.stdout}")
    return done.stdout


def _clusters() -> list[list[str]]:
    lines = _run("pg_lsclusters", "--no-header").split("\n")
    return [line.split() for line in lines if line.strip()]


def _debian_cluster() -> tuple[str, str, int]:
    """Version, name and port of the machine's first cluster, started if it is down."""
    if shutil.which("pg_lsclusters") is None:
        raise PostgresUnavailable(
            f"no PostgreSQL: install Debian's postgresql package or set {URL_ENV}"
        )
    clusters = _clusters()
    if not clusters:  # the package was installed without its default cluster
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        if not versions:
            raise PostgresUnavailable("no PostgreSQL server binaries in /usr/lib/postgresql")
        _run("pg_createcluster", versions[-1].parent.parent.name, "main")
        clusters = _clusters()
    version, name, port, status = clusters[0][:4]
    if status != "online":
        _run("pg_ctlcluster", version, name, "start")
    return version, name, int(port)


def _psql_as_postgres(port: int, statement: str) -> str:
    return _run("runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-tAc", statement)


def start_postgres() -> PostgresServer:
    """The server to test against: see the module docstring."""
    given = os.environ.get(URL_ENV)
    if given:
        reason = _reachable(given)
        if reason is not None:
            raise PostgresUnavailable(f"{URL_ENV} does not answer: {reason}")
        return PostgresServer(given)
    _version, _name, port = _debian_cluster()
    exists = _psql_as_postgres(port, f"SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}'")
    if not exists.strip():
        _psql_as_postgres(port, f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'")
    url = f"postgresql+psycopg://{ROLE}:{PASSWORD}@127.0.0.1:{port}/postgres"
    deadline = time.monotonic() + 30
    while (reason := _reachable(url)) is not None:
        if time.monotonic() > deadline:
            raise PostgresUnavailable(f"PostgreSQL on port {port} does not answer: {reason}")
        time.sleep(0.5)
    return PostgresServer(url)
