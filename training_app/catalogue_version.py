"""The catalogue version: a number that moves after every commit that could change a public page.

The rendered-page cache (page_cache.py) keys the catalogue, course and session pages by it, so a
change is seen on the next request, on every worker and machine, and nothing is ever deleted by hand.

What counts as a change is decided at the lowest level, so that no way of writing can slip past it
(the ORM, Core `update()`/`insert()`, `text()` SQL, commands such as `flask expire-offers`): every
statement sent to the database is looked at (`before_cursor_execute`), and any that is not a read
marks its connection, unless it only writes a table no public page shows (`NOT_SHOWN`). Anything
unrecognised (DDL, `WITH ... INSERT`) counts as a change: a needless new version only costs renders.

The version moves only once the commit is done (the Session's `after_commit`; for a Core transaction
outside the session, when the app context ends), never before: a page rendered from the old rows
under the new version would otherwise be kept until the next change.

Where it lives: in Redis (`INCR`, shared by every worker and machine) when REDIS_URL is set, and in
the process otherwise (a single process: development, tests). Redis failing to answer a read means
"no cached page" (the page is rendered); failing an INCR is logged, and the pages' minute in their
key (page_cache.py) bounds what it can cost.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .calendar.body_cache import installation_key
from .redis_store import redis_client

log = logging.getLogger(__name__)

EXTENSION = "hips_catalogue_version"
# Written by pages and commands, never shown on the catalogue, course or session pages.
NOT_SHOWN = frozenset(
    {
        "audit_events",
        "outbox_messages",
        "refresher_reminders",
        "evaluation_responses",
        "evaluation_ratings",
        "certificates",
    }
)
READS = frozenset({"SELECT", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "PRAGMA", "SHOW", "SET"})
_FIRST_WORD = re.compile(r"\s*(\w+)")
_WRITTEN_TABLE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_CHANGED = "hips_pages_changed"
T = TypeVar("T")
# A commit of changes happened in this thread; the version moves once the app context can be asked.
_pending = threading.local()


class LocalVersion:
    """The version in this process, for when there is no Redis."""

    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        with self.lock:
            self.value += 1


def init_catalogue_version(app: Flask) -> None:
    app.extensions[EXTENSION] = LocalVersion()

    @app.teardown_appcontext
    def bump_after_core_commits(error: BaseException | None) -> None:
        _bump_if_pending(app)


def version_key() -> str:
    return f"{installation_key('pages')}:version"


def catalogue_version(app: Flask | None = None) -> str | None:
    """The current version, or None when it cannot be known (Redis not answering)."""
    app = app or current_app
    client = redis_client(app)
    if client is None:
        return f"p{app.extensions[EXTENSION].value}"
    try:
        stored = client.get(version_key())
    except Exception:  # noqa: BLE001 - an unknown version means "render the page", not an error page
        log.warning("catalogue version: Redis unavailable for get", exc_info=True)
        return None
    return f"r{int(stored or 0)}"


REMEMBERED = "hips_catalogue_remembered"
REMEMBERED_KEPT = 64


def remembered(name: str, compute: Callable[[], T], now: datetime) -> T:
    """`compute()`, remembered in this process for the current catalogue version and minute of `now`
    (so, like a visitor's page, at most a minute behind the clock). Computed afresh when the version
    cannot be known, or when it lives in the process and PAGE_CACHE_WITHOUT_REDIS is off (several
    workers without Redis). Bounded: the oldest of REMEMBERED_KEPT values is dropped first."""
    app = current_app
    if redis_client(app) is None and not app.config.get("PAGE_CACHE_WITHOUT_REDIS"):
        return compute()
    version = catalogue_version(app)
    if version is None:
        return compute()
    kept: dict[tuple[str, str, str], Any] = app.extensions.setdefault(REMEMBERED, {})
    key = (version, f"{now:%Y%m%d%H%M}", name)
    if key in kept:
        return cast(T, kept[key])
    value = compute()
    if len(kept) >= REMEMBERED_KEPT:
        kept.pop(next(iter(kept)))
    kept[key] = value
    return value


def bump_catalogue_version(app: Flask | None = None) -> None:
    """Move the version on: every cached page of the old one is no longer served. Needs an app context."""
    app = app or current_app
    app.extensions[EXTENSION].bump()
    client = redis_client(app)
    if client is not None:
        try:
            client.incr(version_key())
        except Exception:  # noqa: BLE001 - pages stay at most a minute old (page_cache.py)
            log.warning("catalogue version: Redis unavailable for incr", exc_info=True)


def changes_public_pages(statement: str) -> bool:
    """Could this SQL statement change what a catalogue, course or session page shows?"""
    first = _FIRST_WORD.match(statement)
    if first is None or first.group(1).upper() in READS:
        return False
    written = _WRITTEN_TABLE.match(statement)
    return not (written and written.group(1).lower() in NOT_SHOWN)


@event.listens_for(Engine, "before_cursor_execute")
def _note_change(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if not conn.info.get(_CHANGED) and changes_public_pages(statement):
        conn.info[_CHANGED] = True


@event.listens_for(Engine, "commit")
def _committing(conn: Connection) -> None:
    # Called just before the database commits: the version moves after it (below).
    if conn.info.pop(_CHANGED, False):
        _pending.changed = True


@event.listens_for(Engine, "rollback")
def _rolled_back(conn: Connection) -> None:
    # A dropped connection (invalidated) has no info to clear: its replacement starts with none.
    if not conn.invalidated:
        conn.info.pop(_CHANGED, None)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if has_app_context():
        _bump_if_pending(current_app._get_current_object())  # type: ignore[attr-defined]


def _bump_if_pending(app: Flask) -> None:
    if getattr(_pending, "changed", False) and EXTENSION in app.extensions:
        _pending.changed = False
        bump_catalogue_version(app)
