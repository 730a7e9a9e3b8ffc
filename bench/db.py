"""Creating and dropping the benchmark's own databases (never the one DATABASE_URL names)."""

import os
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

# BENCH_DB_NAME lets a second run (e.g. a profiling session) live beside the first.
BENCH_NAME = os.environ.get("BENCH_DB_NAME", "budgetscreen_bench")
TEMPLATE_NAME = f"{BENCH_NAME}_template"


def with_database(url: str, name: str) -> str:
    """The same server and credentials as ``url``, another database name."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def check_loopback_or_named(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"The benchmark needs PostgreSQL; DATABASE_URL is {parts.scheme}://…")
    if parts.path.strip("/") in (BENCH_NAME, TEMPLATE_NAME):
        raise SystemExit("DATABASE_URL must name another database than the benchmark's own.")


def _admin(url: str):
    """An autocommit connection to the database DATABASE_URL names (used for CREATE/DROP only)."""
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def drop(url: str, name: str) -> None:
    with _admin(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def create(url: str, name: str, template: str | None = None) -> None:
    drop(url, name)
    with _admin(url) as conn:
        if template:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def server_version(url: str) -> str:
    with _admin(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]
