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
# Other stores made with init_store (their extension names), emptied with the feeds' in tests.
STORES = "hips_body_stores"
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
    """Empty this process's layers (tests: ids and frozen clocks repeat from one test to the next),
    the feeds' and every other store made by `init_store` (the pages', training_app/page_cache.py)."""
    for extension in (EXTENSION, *app.extensions.get(STORES, ())):
        app.extensions[extension] = LocalBodies(app.extensions[extension].budget)


def init_store(app: Flask, extension: str, budget: int) -> None:
    """Another in-process layer under `extension`, emptied with the feeds' by `forget_local_bodies`."""
    app.extensions[extension] = LocalBodies(budget)
    app.extensions.setdefault(STORES, []).append(extension)


def installation_key(kind: str) -> str:
    """The start of a store key: CACHE_KEY_PREFIX keeps installations (or test runs) that share one
    Redis apart, and bodies hold absolute links, so PUBLIC_BASE_URL is part of it too."""
    config = current_app.config
    base = hashlib.sha256(config["PUBLIC_BASE_URL"].encode("utf-8")).hexdigest()[:8]
    return f"{config['CACHE_KEY_PREFIX']}{kind}:{base}"


def feed_key(feed: str, etag: str) -> str:
    """The store key of one version of one feed (`feed` names it: "public?level=3", "bookings:42")."""
    return f"{installation_key('feed')}:{feed}:{etag}"


def stored_body(key: str, extension: str = EXTENSION) -> tuple[bytes | None, str]:
    """(body, how) for `key`: from this process ("local"), from Redis ("shared"), or (None, "missed")."""
    local: LocalBodies = current_app.extensions[extension]
    body = local.get(key)
    if body is not None:
        return body, "local"
    shared = redis_client()
    if shared is not None:
        try:
            stored = shared.get(key)
        except Exception:  # noqa: BLE001 - a cache that cannot answer is a miss, not an error page
            log.warning("body cache: Redis unavailable for get", exc_info=True)
            stored = None
        if isinstance(stored, bytes):
            local.put(key, stored)
            return stored, "shared"
    return None, "missed"


def store_body(key: str, body: bytes, extension: str = EXTENSION, ttl: int = TTL_SECONDS) -> None:
    """Keep `body` under `key` in this process and, when there is one, in Redis for `ttl` seconds."""
    current_app.extensions[extension].put(key, body)
    shared = redis_client()
    if shared is not None:
        try:
            shared.set(key, body, ex=ttl)
        except Exception:  # noqa: BLE001
            log.warning("body cache: Redis unavailable for set", exc_info=True)


def cached_body(key: str, render: Callable[[], bytes]) -> tuple[bytes, str]:
    """(body, how) for `key`: from this process ("local"), from Redis ("shared"), or rendered now and
    stored in both ("rendered")."""
    body, how = stored_body(key)
    if body is not None:
        return body, how
    body = render()
    store_body(key, body)
    return body, "rendered"
