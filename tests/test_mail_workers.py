"""Several `flask send-mail` workers, as real processes, against one database and a real SMTP server
(aiosmtpd): every email arrives exactly once while a worker is stopped mid-batch (SIGTERM: it finishes
the message in hand and exits 0), and none is lost when one is killed outright (SIGKILL: at most the one
message in flight arrives twice, with the same Message-ID). Runs on SQLite and PostgreSQL."""

import asyncio
import email
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from training_app.mail import message_id, queue_email
from training_app.models import OutboxMessage

ROOT = Path(__file__).resolve().parent.parent


class CountingServer:
    """An aiosmtpd handler that records each message's Message-ID and takes `delay` seconds to accept
    it; `receiving` is set while a message's DATA is being accepted (so a test can signal mid-send)."""

    def __init__(self, delay):
        self.delay = delay
        self.ids = []
        self.receiving = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        self.receiving.set()
        await asyncio.sleep(self.delay)
        with self.lock:
            self.ids.append(email.message_from_bytes(envelope.content)["Message-ID"])
        self.receiving.clear()
        return "250 OK"

    def count(self):
        with self.lock:
            return len(self.ids)


@pytest.fixture
def smtp(app):
    from aiosmtpd.controller import Controller

    servers = []

    def start(delay):
        handler = CountingServer(delay)
        controller = Controller(handler, hostname="127.0.0.1", port=app.config["SMTP_PORT"])
        controller.start()
        servers.append(controller)
        return handler

    yield start
    for controller in servers:
        controller.stop()


@pytest.fixture
def workers(app):
    """start() runs one `flask send-mail --loop` worker on the test's database and SMTP server."""
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "mail-workers-test",
        "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
        "MAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(app.config["SMTP_PORT"]),
    }
    env.pop("TEST_DATABASE_URL", None)
    started = []

    def start():
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "send-mail", "--loop", "--interval", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        process.stderr.close()


def queue(db, user, count):
    """`count` emails in the outbox; returns their Message-IDs."""
    messages = [
        queue_email(user.email, "password_reset", f"Message {n}", user=user, reset_url="https://x/y", minutes=60)
        for n in range(count)
    ]
    db.session.commit()
    ids = {message_id(message) for message in messages}
    db.session.rollback()  # on SQLite every transaction holds the write lock (BEGIN IMMEDIATE): end it
    return ids


def output_of(process):
    """What a worker printed on stderr (stopping it first), for a failing assertion's message."""
    process.kill()
    return process.stderr.read().decode()


def wait_until(condition, seconds=40):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def unsent(db):
    db.session.rollback()  # a new snapshot: the workers commit in other processes
    count = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
    db.session.rollback()  # and no lock kept from the workers (SQLite)
    return count


def test_a_worker_stopped_mid_message_finishes_it_and_another_sends_the_rest_once(db, smtp, workers, make_user):
    expected = queue(db, make_user(), 12)
    server = smtp(delay=0.3)
    first = workers()
    assert wait_until(lambda: server.count() >= 2 and server.receiving.is_set()), output_of(first)
    first.send_signal(signal.SIGTERM)  # while the server is still accepting one of its messages
    assert first.wait(15) == 0, first.stderr.read().decode()
    delivered_by_first = server.count()
    assert 0 < delivered_by_first < len(expected)
    assert unsent(db) == len(expected) - delivered_by_first  # the one in flight was marked sent

    server.delay = 0.01
    workers()
    assert wait_until(lambda: unsent(db) == 0)
    assert sorted(server.ids) == sorted(expected)  # each exactly once


def test_three_workers_deliver_everything_once_while_one_is_stopped_and_one_killed(db, smtp, workers, make_user):
    expected = queue(db, make_user(), 60)
    server = smtp(delay=0.04)
    stopped, killed, steady = workers(), workers(), workers()
    assert wait_until(lambda: server.count() >= 10)
    stopped.send_signal(signal.SIGTERM)
    assert wait_until(lambda: server.count() >= 25)
    killed.send_signal(signal.SIGKILL)
    assert stopped.wait(15) == 0, stopped.stderr.read().decode()
    assert killed.wait(15) == -signal.SIGKILL
    assert wait_until(lambda: unsent(db) == 0)
    assert steady.poll() is None
    assert set(server.ids) == expected  # none lost
    # At most the message the killed worker had in flight arrives twice (the server had accepted it,
    # the worker died before its commit): no SMTP client can close that window.
    assert len(server.ids) - len(set(server.ids)) <= 1
