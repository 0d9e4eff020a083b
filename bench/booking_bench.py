"""Booking rush benchmark: 500 distinct users book one 300-place session at once, over HTTP,
against gunicorn on PostgreSQL.

    python bench/booking_bench.py [--users 500] [--capacity 300] [--workers 4] [--threads 2]

BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) names the server; the script
creates a database of its own there, builds it with the migrations, and drops it at the end.
Prints bookings per second, p50/p99 latency and checks exactly `capacity` confirmed.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


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
    from training_app.models import Agency, Course, CourseSession, Partnership, User
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        hscp = Partnership(code="HSCP", name="Hampshire Safeguarding Children Partnership")
        agency = Agency(name="Hampshire Constabulary", sector="Police", partnership=hscp)
        course = Course(slug="every-sleep-counts", title="Every Sleep Counts launch", summary="Launch event",
                        format="face_to_face", owner_partnership=hscp, learning_outcomes=["Safe sleep"])
        start = clock.now() + timedelta(days=30)
        session = CourseSession(course=course, starts_at=start, ends_at=start + timedelta(hours=3),
                                capacity=capacity, venue="Winchester Guildhall")
        db.session.add_all([hscp, agency, course, session])
        db.session.flush()
        password_hash = generate_password_hash("bench-password-1")
        db.session.execute(insert(User), [
            {"name": f"Delegate {n}", "email": f"delegate{n}@bench.test", "password_hash": password_hash,
             "agency_id": agency.id, "job_role": "Police constable", "role": "practitioner",
             "calendar_token": uuid.uuid4().hex, "session_version": 1, "created_at": clock.now()}
            for n in range(users)])
        db.session.commit()
        return session.id, db.session.scalars(select(User.id).order_by(User.id)).all()


def signed_in_clients(url, user_ids):
    """A cookie and CSRF token per user, made as the app makes them (a real sign-in per user would
    measure password hashing and the sign-in rate limit rather than booking)."""
    import hashlib
    from itsdangerous import URLSafeTimedSerializer
    from training_app import create_app
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})
    cookies = app.session_interface.get_signing_serializer(app)
    tokens = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    clients = []
    for user_id in user_ids:
        raw = hashlib.sha1(os.urandom(64)).hexdigest()
        cookie = cookies.dumps({"_user_id": f"{user_id}:1", "_fresh": True, "csrf_token": raw})
        clients.append((f"session={cookie}", tokens.dumps(raw)))
    return clients


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--capacity", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin, name, url = create_database(server)
    port = free_port()
    gunicorn = None
    try:
        session_id, user_ids = prepare(url, args.users, args.capacity)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "APP_ENV": "development",
               "MAIL_BACKEND": "console"}
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--threads", str(args.threads),
             "--backlog", "2048", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/help/cookies", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        clients = signed_in_clients(url, user_ids)

        latencies, statuses = [None] * args.users, [None] * args.users
        barrier = threading.Barrier(args.users + 1)

        def book(n):
            cookie, token = clients[n]
            data = urllib.parse.urlencode({"csrf_token": token, "access_needs": ""}).encode()
            request = urllib.request.Request(f"{base}/sessions/{session_id}/book", data, headers={"Cookie": cookie})
            client = urllib.request.build_opener(NoRedirect)
            barrier.wait()
            started = time.perf_counter()
            try:
                client.open(request, timeout=60)
                statuses[n] = 200
            except urllib.error.HTTPError as error:
                statuses[n] = error.code
            except OSError as error:
                statuses[n] = repr(error)
            latencies[n] = time.perf_counter() - started

        threads = [threading.Thread(target=book, args=(n,)) for n in range(args.users)]
        for t in threads:
            t.start()
        import resource
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        barrier.wait()
        wall_start = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - wall_start
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)

        import psycopg
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            counts = dict(conn.execute("SELECT status, count(*) FROM bookings GROUP BY status").fetchall())
            waitlist_ok = conn.execute(
                "SELECT count(*) = count(DISTINCT (requested_at, id)) FROM bookings WHERE status = 'waitlisted'"
            ).fetchone()[0]
        errors = [s for s in statuses if s != 302]
        ordered = sorted(latencies)
        p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
        print(f"gunicorn: {args.workers} workers x {args.threads} threads; {args.users} users, capacity {args.capacity}")
        print(f"wall time {wall:.2f} s; {args.users / wall:.0f} bookings/s; the load generator itself used "
              f"{client_cpu:.2f} s of CPU on this machine")
        print(f"latency p50 {p(0.50) * 1000:.0f} ms, p99 {p(0.99) * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms, "
              f"mean {statistics.mean(ordered) * 1000:.0f} ms")
        print(f"errors (non-302 responses): {len(errors)} {sorted(set(map(str, errors)))[:5]}")
        print(f"bookings: {counts}; waiting list ordered: {waitlist_ok}")
        ok = (not errors and counts.get("confirmed") == args.capacity
              and counts.get("waitlisted") == args.users - args.capacity)
        print("RESULT:", "OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait(10)
        import psycopg
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
