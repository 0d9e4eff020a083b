"""Independent report reads run at once, each on its own connection (PostgreSQL only).

The annual pack's figures are reads that do not depend on one another: the chosen year's breakdowns,
its distance travelled, and each earlier year's trend figures. PostgreSQL runs each statement on one
core, so on a machine with two or more cores running them side by side shortens the time the pack waits
for the database (bench/annual_pack_bench.py, README "The annual report document").

Each read after the first runs in a thread with its own application context, so its own session,
connection and transaction (reading committed rows, as any other request would). So a read must be a
pure read that takes and returns plain values, never objects of the caller's session. The first read
runs in the caller's thread and session. On SQLite (one connection in the tests, and no gain from
threads) or with REPORT_READS_SIDE_BY_SIDE off, the reads run one after another, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app

from ..extensions import db
from .scope import without_jit


def side_by_side(*reads: Callable[[], Any]) -> list[Any]:
    """Each read's result, in order; the reads run at once where the database allows it."""
    if (
        len(reads) < 2
        or db.session.get_bind().dialect.name != "postgresql"
        or not current_app.config.get("REPORT_READS_SIDE_BY_SIDE", True)
    ):
        return [read() for read in reads]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with ThreadPoolExecutor(max_workers=len(reads) - 1, thread_name_prefix="report-read") as pool:
        others = [pool.submit(_in_own_session, app, read) for read in reads[1:]]
        first = reads[0]()
        return [first, *(other.result() for other in others)]


def _in_own_session(app: Flask, read: Callable[[], Any]) -> Any:
    with app.app_context():
        try:
            without_jit()
            return read()
        finally:
            db.session.remove()
