"""Two app nodes (separate gunicorn processes on different ports) on one PostgreSQL and one Redis, as
two machines behind a load balancer would be (issue 17): a booking rush split across both gives exact
counts, sign-in rate limits hold across both, and a feed cached by one is never served stale by the
other after a change.

Runs when the suite runs on PostgreSQL (TEST_DATABASE_URL) and Redis answers on REDIS_URL (default
redis://127.0.0.1:6379/0), as in CI (.ci/run); skipped otherwise.
"""

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from training_app import clock, create_app
from training_app.models import Booking, BookingStatus

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
NODES_BASE_URL = "http://127.0.0.1"
SECRET = "two-nodes-" + uuid.uuid4().hex


def redis_answers():
    from redis import Redis

    try:
        return bool(Redis.from_url(REDIS_URL, socket_timeout=0.3).ping())
    except Exception:  # noqa: BLE001
        return False


pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL") or not redis_answers(),
    reason="two nodes need PostgreSQL (TEST_DATABASE_URL) and Redis",
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Node:
    """One gunicorn process serving the app on its own port."""

    def __init__(self, port, env, log):
        self.port = port
        self.cache_prefix = env["CACHE_KEY_PREFIX"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )

    def request(self, method, path, body=None, cookie=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": "127.0.0.1"}
        if cookie:
            headers["Cookie"] = f"session={cookie}"
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(body)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), data

    def wait_until_ready(self):
        for _ in range(150):
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"node on port {self.port} did not become ready")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def nodes(app, db, tmp_path):
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "APP_ENV": "production",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": SECRET,  # shared: a session signed by one node is valid on the other
        "PUBLIC_BASE_URL": NODES_BASE_URL,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"{prefix}:",
        "RATELIMIT_KEY_PREFIX": f"{prefix}-limits",
        "RATELIMIT_STORAGE_URI": "",
        "MAIL_BACKEND": "console",
    }
    env.pop("TEST_DATABASE_URL", None)
    started = []
    with open(tmp_path / "nodes.log", "w") as log:
        try:
            for port in ports:
                started.append(Node(port, env, log))
            for node in started:
                node.wait_until_ready()
            yield started
        finally:
            for node in started:
                node.stop()
            from redis import Redis

            shared = Redis.from_url(REDIS_URL)
            for key in shared.scan_iter(f"{prefix}*"):
                shared.delete(key)
            shared.close()


@pytest.fixture(scope="module")
def signer():
    """An app with the nodes' SECRET_KEY, to make their session cookies (as signing in would)."""
    return create_app("testing", {"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def session_cookie(signer, user=None):
    """(cookie, CSRF token) of a browser session, signed in as `user` if given."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    login_id = user.get_id() if user is not None else None  # read here, on the test's database
    with signer.test_request_context("/"):
        if login_id is not None:
            session["_user_id"] = login_id
            session["_fresh"] = True
        token = generate_csrf()
        cookie = signer.session_interface.get_signing_serializer(signer).dumps(dict(session))
    return cookie, token


def test_a_booking_rush_split_across_two_nodes_gives_exact_counts(nodes, db, signer, make_session, make_user):
    capacity, people = 6, 24
    course_session = make_session(capacity=capacity)
    delegates = [make_user() for _ in range(people)]
    sessions = [session_cookie(signer, person) for person in delegates]
    url = f"/sessions/{course_session.id}/book"  # read before the threads, which have no app context
    go = threading.Barrier(people)
    statuses = [None] * people

    def book(index):
        cookie, token = sessions[index]
        go.wait()
        node = nodes[index % 2]
        statuses[index] = node.request("POST", url, {"csrf_token": token}, cookie=cookie)[0]

    threads = [threading.Thread(target=book, args=(i,)) for i in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * people
    db.session.expire_all()
    counts = dict(
        db.session.execute(
            select(Booking.status, func.count()).where(Booking.session_id == course_session.id).group_by(Booking.status)
        ).all()
    )
    assert counts == {BookingStatus.CONFIRMED: capacity, BookingStatus.WAITLISTED: people - capacity}


def test_sign_in_rate_limits_hold_across_nodes(nodes, signer):
    cookie, token = session_cookie(signer)
    form = {"csrf_token": token, "email": "nobody@example.org", "password": "wrong password"}
    answers = [nodes[i % 2].request("POST", "/sign-in", form, cookie=cookie)[0] for i in range(11)]
    # Ten a minute in all: five on each node would never reach a per-node limit of ten.
    assert 429 not in answers[:10] and answers[10] == 429


@pytest.fixture
def as_a_node(app, nodes, monkeypatch):
    """This test process writes as a third node would: with the nodes' Redis and key prefix, so its
    commits move the catalogue version they share (README, "Running on several machines": every
    process of an installation, commands included, is given the same REDIS_URL)."""
    from training_app.redis_store import init_redis

    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "CACHE_KEY_PREFIX", nodes[0].cache_prefix)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", NODES_BASE_URL)
    init_redis(app)
    yield
    monkeypatch.undo()
    init_redis(app)


def test_a_feed_cached_on_one_node_is_renewed_on_both_after_a_change(nodes, as_a_node, db, make_session):
    course_session = make_session()
    first_status, first_headers, first = nodes[0].request("GET", "/calendar/public.ics")
    assert first_status == 200 and first_headers["X-Feed-Cache"] == "rendered"
    status, headers, body = nodes[1].request("GET", "/calendar/public.ics")
    assert headers["X-Feed-Cache"] == "shared" and body == first

    clock.freeze(clock.now())  # the change is stamped now; the nodes read the real clock
    course_session.course.title = "Renamed on another machine"
    db.session.commit()
    for node in nodes:
        status, headers, body = node.request("GET", "/calendar/public.ics")
        assert status == 200 and b"SUMMARY:Renamed on another machine" in body
        assert headers["ETag"] != first_headers["ETag"]
