"""Database connections: one round trip for the statement, not a probe before it.

`pool_pre_ping` sent a `SELECT 1` on every checkout, so every signed-in request paid an extra round
trip before its first real statement (issue 17). Instead:

- connections are replaced after DB_POOL_RECYCLE seconds (before a server or firewall drops them);
- only a connection that sat unused for over DB_IDLE_PROBE_SECONDS is probed on checkout; if it is dead
  the pool throws it away and takes another (SQLAlchemy retries a checkout that raises
  DisconnectionError), so a busy worker never probes;
- a connection that still turns out dead at its first statement (the server restarted a moment ago)
  invalidates the pool, and the request is run once more on a fresh connection when it is a GET or HEAD
  (nothing was written); any other request gets "busy, try again" (503) rather than an error page.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, current_app, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, Pool, PoolProxiedConnection

from .extensions import db

RETRIED = "_hips_retried_after_disconnect"


def engine_options(config: dict[str, Any]) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS for the configured database: recycle, no pre-ping."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.pop("pool_pre_ping", None)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # How long a transaction waits for the write lock (seconds) before "database is locked".
        options.setdefault("connect_args", {"timeout": 30})
    else:
        options.setdefault("pool_recycle", config.get("DB_POOL_RECYCLE", 1800))
    return options


_idle_probe_seconds = 60.0


def init_connections(app: Flask) -> None:
    """Take DB_IDLE_PROBE_SECONDS from the app's configuration (one setting a process)."""
    global _idle_probe_seconds
    _idle_probe_seconds = float(app.config.get("DB_IDLE_PROBE_SECONDS", 60))


@event.listens_for(Pool, "checkin")
def _note_return(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["returned_at"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _probe_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
    returned = record.info.get("returned_at")
    if returned is None or time.monotonic() - returned < _idle_probe_seconds:
        return
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        return  # a file cannot drop the connection
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except Exception as error:  # noqa: BLE001 - the driver's own error: the connection is gone
        raise DisconnectionError("connection dropped while idle") from error


def is_disconnect(error: BaseException) -> bool:
    """Whether `error` is a statement that failed because the connection had gone."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def retry_after_disconnect(error: DBAPIError) -> Response | None:
    """Run a GET or HEAD once more after a dropped connection (SQLAlchemy has invalidated the pool);
    None when the request may not be repeated (the caller answers 503)."""
    db.session.rollback()
    if request.method not in ("GET", "HEAD") or request.endpoint is None or getattr(request, RETRIED, False):
        return None
    setattr(request, RETRIED, True)
    db.session.remove()
    app = current_app
    return app.make_response(app.ensure_sync(app.view_functions[request.endpoint])(**(request.view_args or {})))
