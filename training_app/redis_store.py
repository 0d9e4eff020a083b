"""The one Redis connection of the app, when REDIS_URL names one (several machines share it).

Redis holds only what can be rebuilt: rendered calendar feeds (calendar/body_cache.py), visitors'
catalogue pages and the catalogue version (page_cache.py, catalogue_version.py) and rate-limit
counters (security.py). With no REDIS_URL (SQLite development, a single process) each falls back to
memory in the process; the database stays the one store of record either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from redis import Redis

EXTENSION = "hips_redis"
# A slow or absent Redis must not hold a request up for long: the caller falls back and carries on.
SOCKET_TIMEOUT_SECONDS = 0.5


def init_redis(app: Flask) -> None:
    """Make the client (no connection is opened until it is first used)."""
    url = app.config.get("REDIS_URL")
    client = None
    if url:
        from redis import Redis

        client = Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            health_check_interval=30,
        )
    app.extensions[EXTENSION] = client


def redis_client(app: Flask | None = None) -> Redis | None:
    """The app's Redis client, or None when REDIS_URL is unset."""
    client: Redis | None = (app or current_app).extensions.get(EXTENSION)
    return client
