"""Booking rush benchmark: 500 distinct users book one 300-place session at once, over HTTP,
against gunicorn on PostgreSQL.

    python bench/booking_bench.py [--users 500] [--capacity 300] [--workers 2] [--threads 1] [--warm-up 40]

BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) names the server; the script
creates a database of its own there, builds it with the migrations, and drops it at the end.

The workers are first warmed by --warm-up bookings onto another session (a server in service has
configured its mappers and compiled its queries and templates long before a launch event). Then every
user opens a connection and POSTs at the same moment (asyncio, one process: the load generator's own
CPU is printed, since it shares the machine's cores with the server). Prints bookings per second,
p50/p99 latency, the CPU each part used, how long each booking held the session's lock (bench/lock_timing.py),
and checks exactly `capacity` confirmed, the rest waitlisted
and one email queued per booking.
"""

import argparse
import asyncio
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database(server_url):
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"bench_booking_{uuid.uuid4().hex[:8]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin, name, base.set(database=name).render_as_string(hide_password=False)


def prepare(url, users, capacity):
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from training_app import clock, create_app
    from training_app.extensions import db
    from training_app.models import Agency, Course, CourseSession, Partnership, User, Venue

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        hscp = Partnership(code="HSCP", name="Hampshire Safeguarding Children Partnership")
        agency = Agency(name="Hampshire Constabulary", sector="Police", partnership=hscp)
        course = Course(
            slug="every-sleep-counts",
            title="Every Sleep Counts launch",
            summary="Launch event",
            format="face_to_face",
            owner_partnership=hscp,
            learning_outcomes=["Safe sleep"],
        )
        start = clock.now() + timedelta(days=30)
        session = CourseSession(
            course=course,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            capacity=capacity,
            venue=Venue(name="Winchester Guildhall", address="The Broadway, Winchester", partnership=hscp),
        )
        db.session.add_all([hscp, agency, course, session])
        db.session.flush()
        password_hash = generate_password_hash("bench-password-1")
        db.session.execute(
            insert(User),
            [
                {
                    "name": f"Delegate {n}",
                    "email": f"delegate{n}@bench.test",
                    "password_hash": password_hash,
                    "agency_id": agency.id,
                    "job_role": "Police constable",
                    "role": "practitioner",
                    "calendar_token": uuid.uuid4().hex,
                    "session_version": 1,
                    "created_at": clock.now(),
                }
                for n in range(users)
            ],
        )
        db.session.commit()
        return session.id, db.session.scalars(select(User.id).order_by(User.id)).all()


USER_AGENT = "hips-booking-bench"


def signed_in_clients(url, user_ids):
    """A cookie and CSRF token per user, made as the app makes them at sign-in, with Flask-Login's
    session identifier for this client (a real sign-in per user would measure password hashing and
    the sign-in rate limit rather than booking)."""
    import hashlib

    from flask_login.utils import _create_identifier
    from itsdangerous import URLSafeTimedSerializer

    from training_app import create_app

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})
    cookies = app.session_interface.get_signing_serializer(app)
    tokens = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": USER_AGENT}):
        identifier = _create_identifier()
    clients = []
    for user_id in user_ids:
        raw = hashlib.sha1(os.urandom(64)).hexdigest()
        cookie = cookies.dumps({"_user_id": f"{user_id}:1", "_fresh": True, "_id": identifier, "csrf_token": raw})
        clients.append((f"session={cookie}", tokens.dumps(raw)))
    return clients


def add_session(url, like_session_id, capacity):
    """Another session of the same course (the warm-up books onto it, not onto the measured one)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute(
            "INSERT INTO course_sessions (course_id, partnership_id, starts_at, ends_at, venue_id, capacity, status, "
            "sequence, created_at, updated_at) SELECT course_id, partnership_id, starts_at, ends_at, venue_id, %s, "
            "status, 0, created_at, updated_at FROM course_sessions WHERE id = %s RETURNING id",
            (capacity, like_session_id),
        ).fetchone()[0]


ENDPOINTS = {"book": "/sessions/{}/book", "signed-in-noop": "/bench/signed-in-noop/{}", "noop": "/bench/noop/{}"}


async def post_booking(port, path, client, start):
    """One user's booking: a new connection, one POST, the whole response. Returns (status, seconds)."""
    cookie, token = client
    body = urllib.parse.urlencode({"csrf_token": token, "access_needs": ""}).encode()
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: {USER_AGENT}\r\n"
        f"Cookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    await start.wait()
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        status_line = await asyncio.wait_for(reader.readline(), 60)
        await reader.read()
        writer.close()
        status = int(status_line.split()[1])
    except (TimeoutError, OSError, IndexError, ValueError) as error:
        status = repr(error)
    return status, time.perf_counter() - started


async def rush(port, path, clients):
    """Every client POSTs at the same moment; returns [(status, seconds)], wall seconds, load-generator CPU."""
    start = asyncio.Event()
    tasks = [asyncio.create_task(post_booking(port, path, client, start)) for client in clients]
    await asyncio.sleep(0.2)  # every task is waiting on the start line
    cpu_before, wall_start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks)
    wall = time.perf_counter() - wall_start
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return results, wall, client_cpu


def cpu_of(pids):
    """CPU seconds used so far by each of `pids` (those that still run), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals = {}
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        totals[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return totals


def children_of(parent):
    """The pids whose parent is `parent` (gunicorn's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        if int(raw[raw.rindex(")") + 2 :].split()[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def backends_of(url):
    """The pids of the PostgreSQL backends serving the benchmark's database (the machine may be running
    other databases' work, which the figures must not count)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]


def used_cpu(before, after):
    return sum(after[pid] - before.get(pid, 0) for pid in after)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--capacity", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--warm-up",
        type=int,
        default=40,
        help="bookings onto another session first, so the workers are warm as in service",
    )
    parser.add_argument(
        "--endpoint",
        choices=sorted(ENDPOINTS),
        default="book",
        help="book (the real thing), or a route that does no booking work (bench/floor_app.py), "
        "to show what the rest of a request costs",
    )
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin, name, url = create_database(server)
    port = free_port()
    gunicorn = None
    lock_file = Path(tempfile.mkstemp(prefix="booking-lock-", suffix=".txt")[1])
    try:
        session_id, user_ids = prepare(url, args.users + args.warm_up, args.capacity)
        warm_session_id = add_session(url, session_id, args.warm_up)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret",
            "APP_ENV": "development",
            "MAIL_BACKEND": "console",
            "LOCK_TIMING_FILE": str(lock_file),
        }
        gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--backlog",
                "2048",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--pythonpath",
                "bench",
                "lock_timing:app" if args.endpoint == "book" else "floor_app:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/help/cookies", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        clients = signed_in_clients(url, user_ids)
        warm_clients, clients = clients[: args.warm_up], clients[args.warm_up :]
        if warm_clients:
            asyncio.run(rush(port, ENDPOINTS[args.endpoint].format(warm_session_id), warm_clients))
        lock_file.write_text("")  # the warm-up's locks are not the rush's

        # Only the benchmark's own processes: the gunicorn workers and the backends of its database.
        app_pids, pg_pids = [gunicorn.pid, *children_of(gunicorn.pid)], backends_of(url)
        app_before, pg_before = cpu_of(app_pids), cpu_of(pg_pids)
        results, wall, client_cpu = asyncio.run(rush(port, ENDPOINTS[args.endpoint].format(session_id), clients))
        app_cpu, pg_cpu = used_cpu(app_before, cpu_of(app_pids)), used_cpu(pg_before, cpu_of(pg_pids))

        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            counts = dict(
                conn.execute(
                    "SELECT status, count(*) FROM bookings WHERE session_id = %s GROUP BY status", (session_id,)
                ).fetchall()
            )
            waiting = [
                row[0]
                for row in conn.execute(
                    "SELECT u.email FROM bookings b JOIN users u ON u.id = b.user_id WHERE b.session_id = %s "
                    "AND b.status = 'waitlisted' ORDER BY b.requested_at, b.id",
                    (session_id,),
                ).fetchall()
            ]
            # The position each person was told by email ("You are number N").
            told = {
                to: int(re.search(r"You are number (\d+)", body).group(1))
                for to, body in conn.execute(
                    "SELECT to_address, body_text FROM outbox_messages "
                    "WHERE subject LIKE 'You are on the waiting list%'"
                )
            }
            # Every warm-up booking was confirmed (that session has a place each) and queued one email.
            emails = conn.execute("SELECT count(*) FROM outbox_messages").fetchone()[0] - len(warm_clients)
        statuses = [status for status, _ in results]
        latencies = sorted(seconds for _, seconds in results)
        errors = [s for s in statuses if s != 302]
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
        print(
            f"gunicorn: {args.workers} workers x {args.threads} threads; {args.users} users, capacity "
            f"{args.capacity}; {len(warm_clients)} warm-up bookings on another session first"
        )
        print(f"wall time {wall:.2f} s; {args.users / wall:.0f} bookings/s")
        print(
            f"latency p50 {p(0.50) * 1000:.0f} ms, p99 {p(0.99) * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms, "
            f"mean {statistics.mean(latencies) * 1000:.0f} ms"
        )
        print(
            f"CPU during the rush: load generator {client_cpu:.2f} s; app workers "
            f"{app_cpu:.2f} s ({app_cpu / args.users * 1000:.1f} ms a booking); PostgreSQL (this database's "
            f"backends) {pg_cpu:.2f} s; 2 cores x wall = {2 * wall:.2f} s; load average {os.getloadavg()[0]:.1f}"
        )
        print(f"errors (non-302 responses): {len(errors)} {sorted(set(map(str, errors)))[:5]}")
        if args.endpoint != "book":
            print("RESULT:", "OK (a route that books nothing)" if not errors else "FAILED")
            return 1 if errors else 0
        held = sorted(float(line) for line in lock_file.read_text().split())
        if held:
            q = lambda f: held[min(len(held) - 1, int(f * len(held)))]  # noqa: E731
            print(
                f"session lock held (lock statement returned to commit returned), {len(held)} bookings: "
                f"median {statistics.median(held):.2f} ms, p90 {q(0.9):.2f} ms, max {held[-1]:.2f} ms; "
                f"sum {sum(held) / 1000:.2f} s = {sum(held) / 1000 / wall:.0%} of the wall time"
            )
        told_right = [told.get(email) for email in waiting] == list(range(1, len(waiting) + 1))
        print(
            f"bookings: {counts}; emails queued: {emails}; waiting list of {len(waiting)}, each told their "
            f"true position: {told_right}"
        )
        ok = (
            not errors
            and counts.get("confirmed") == args.capacity
            and counts.get("waitlisted") == args.users - args.capacity
            and emails == args.users
            and told_right
        )
        print("RESULT:", "OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait(10)
        lock_file.unlink(missing_ok=True)
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
