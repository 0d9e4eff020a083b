"""The app as gunicorn serves it, with the course session's lock timed: from the moment the statement
that locks the session row (SELECT ... FROM course_sessions ... FOR UPDATE) returns to the moment the
transaction's commit returns, which is how long every other booking of that session waits behind it.

`booking_bench.py` serves this module instead of wsgi.py and reads the figures back: each worker appends
one line of milliseconds per booking to LOCK_TIMING_FILE (after the commit, outside the lock). Used by
the benchmark only; never imported by the application.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from wsgi import app  # noqa: E402, F401

TIMINGS = os.environ.get("LOCK_TIMING_FILE")
_locked_at: list[float] = []  # sync workers: one request at a time per process


@event.listens_for(Engine, "after_cursor_execute")
def _note_lock(conn, cursor, statement, parameters, context, executemany):
    if not _locked_at and "FOR UPDATE" in statement and "FROM course_sessions" in statement:
        _locked_at.append(time.perf_counter())


@event.listens_for(Session, "after_commit")
def _note_commit(session):
    if _locked_at:
        held = (time.perf_counter() - _locked_at.pop()) * 1000
        if TIMINGS:
            with open(TIMINGS, "a") as out:
                out.write(f"{held:.3f}\n")


@event.listens_for(Session, "after_rollback")
def _forget(session):
    _locked_at.clear()
