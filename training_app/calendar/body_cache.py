"""Rendered feed bodies kept by ETag, so a repeat request for an unchanged feed renders nothing.

Issue 17 measured the public feed (5,069 events, 2.1 MB) at 148 ms of Python a request, spent
re-rendering identical bytes. A feed's ETag already digests everything its body shows (services.py,
`plan_from`), so the body is stored under the ETag: any change that alters a feed changes its ETag,
and the next request, on any worker or machine, misses and renders the new version. Nothing has to
be deleted; old versions age out (`TTL_SECONDS`).

Two layers: a small in-process store (no network for the hottest feeds) in front of Redis (shared by
every worker and machine, when REDIS_URL is set). Redis failing only costs a render.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, current_app

from ..redis_store import redis_client

log = logging.getLogger(__name__)

EXTENSION = "hips_feed_bodies"
# Old versions are never read again once the ETag moves on; this only bounds the memory they hold.
TTL_SECONDS = 6 * 3600
# The in-process layer's budget (bytes per process): a few public feeds of a couple of MB each.
LOCAL_BUDGET_BYTES = 24 * 1024 * 1024


class LocalBodies:
    """Least recently used bodies in this process, within a byte budget."""

    def __init__(self, budget: int = LOCAL_BUDGET_BYTES) -> None:
        self.budget = budget
        self.size = 0
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            body = self.items.get(key)
            if body is not None:
                self.items.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.budget:
            return
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self.items[key] = body
            self.size += len(body)
            while self.size > self.budget:
                _, dropped = self.items.popitem(last=False)
                self.size -= len(dropped)


def init_body_cache(app: Flask) -> None:
    app.extensions[EXTENSION] = LocalBodies()


def forget_local_bodies(app: Flask) -> None:
    """Empty this process's layer (tests: ids and frozen clocks repeat from one test to the next)."""
    app.extensions[EXTENSION] = LocalBodies()


def feed_key(feed: str, etag: str) -> str:
    """The store key of one version of one feed (`feed` names it: "public?level=3", "bookings:42").

    Bodies hold absolute links, so PUBLIC_BASE_URL is part of the key too; CACHE_KEY_PREFIX keeps
    installations (or test runs) that share one Redis apart."""
    config = current_app.config
    base = hashlib.sha256(config["PUBLIC_BASE_URL"].encode("utf-8")).hexdigest()[:8]
    return f"{config['CACHE_KEY_PREFIX']}feed:{base}:{feed}:{etag}"


def cached_body(key: str, render: Callable[[], bytes]) -> tuple[bytes, str]:
    """(body, how) for `key`: from this process ("local"), from Redis ("shared"), or rendered now and
    stored in both ("rendered")."""
    local: LocalBodies = current_app.extensions[EXTENSION]
    body = local.get(key)
    if body is not None:
        return body, "local"
    shared = redis_client()
    if shared is not None:
        try:
            stored = shared.get(key)
        except Exception:  # noqa: BLE001 - a cache that cannot answer is a miss, not an error page
            log.warning("feed cache: Redis unavailable for get", exc_info=True)
            stored = None
        if isinstance(stored, bytes):
            local.put(key, stored)
            return stored, "shared"
    body = render()
    local.put(key, body)
    if shared is not None:
        try:
            shared.set(key, body, ex=TTL_SECONDS)
        except Exception:  # noqa: BLE001
            log.warning("feed cache: Redis unavailable for set", exc_info=True)
    return body, "rendered"
