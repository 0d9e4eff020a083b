"""Benchmark the public calendar feed: 5,000 upcoming sessions across about 200 courses.

    python bench/calendar_bench.py                       # SQLite (a throwaway file)
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python bench/calendar_bench.py
                                                         # SQLite, then PostgreSQL (own database, dropped)

The schema is built through the migrations. Targets: full feed < 0.5 s, 304 poll < 20 ms.
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import database_url  # noqa: E402

SESSIONS = 5000
COURSES = 200
TRAINERS = 40
RUNS = 7
CPU = []  # this process's CPU time per request (less disturbed by other work on the machine)
FULL_TARGET = 0.5
POLL_TARGET = 0.020


def seed(db):
    from training_app import clock
    from training_app.models import Course, CourseSession, Partnership, User
    from training_app.models.catalogue import session_trainers

    now = clock.now().replace(second=0, microsecond=0)
    codes = ["HSCP", "IOWSCP", "PSCP", "SSCP"]
    db.session.execute(
        insert(Partnership), [{"id": i + 1, "code": c, "name": f"{c} partnership"} for i, c in enumerate(codes)]
    )
    db.session.execute(
        insert(User),
        [
            {
                "id": i + 1,
                "name": f"Trainer {i + 1}",
                "email": f"trainer{i + 1}@example.org",
                "password_hash": "x",
                "role": "trainer",
                "calendar_token": uuid.uuid4().hex,
                "session_version": 1,
                "created_at": now,
            }
            for i in range(TRAINERS)
        ],
    )
    formats = ["face_to_face", "live_online", "blended"]
    db.session.execute(
        insert(Course),
        [
            {
                "id": i + 1,
                "slug": f"course-{i + 1}",
                "title": f"Safeguarding course {i + 1}, part {i % 3 + 1}",
                "summary": "Recognising and responding to abuse and neglect; working together. " * 3,
                "learning_outcomes": ["Recognise", "Respond"],
                "level": i % 3 + 1,
                "level_kind": "core",
                "format": formats[i % 3],
                "owner_partnership_id": i % 4 + 1,
                "is_hips": i % 5 == 0,
                "status": "published",
                "created_at": now,
            }
            for i in range(COURSES)
        ],
    )
    rows = []
    for i in range(SESSIONS):
        start = now + timedelta(days=1 + i % 365, hours=i % 7)
        online = i % 3 == 1
        rows.append(
            {
                "id": i + 1,
                "course_id": i % COURSES + 1,
                "partnership_id": (i % COURSES) % 4 + 1,  # the course's owner
                "starts_at": start,
                "ends_at": start + timedelta(hours=3),
                "venue": None if online else f"Room {i % 9}, Civic Centre; Floor {i % 4}",
                "online_platform": "Teams" if online else None,
                "join_url": f"https://meet.example.org/{i}" if online else None,
                "capacity": 20,
                "status": "cancelled" if i % 50 == 0 else "scheduled",
                "sequence": i % 3,
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(CourseSession), rows)
    db.session.execute(
        insert(session_trainers),
        [{"session_id": i + 1, "user_id": i % TRAINERS + 1} for i in range(SESSIONS)]
        + [{"session_id": i + 1, "user_id": (i + 7) % TRAINERS + 1} for i in range(0, SESSIONS, 4)],
    )
    db.session.commit()
    # Fresh planner statistics, as autovacuum (PostgreSQL) would have gathered by then.
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def timed(client, url, headers=None, expect=200):
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, headers=headers or {})
    elapsed = time.perf_counter() - started
    CPU.append(time.process_time() - cpu)
    assert response.status_code == expect, (response.status_code, response.get_data(as_text=True)[:300])
    return elapsed, response


def run(label, uri):
    from flask_migrate import upgrade

    from training_app import create_app
    from training_app.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": uri, "SERVER_NAME": "localhost"})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        seed(db)
        print(f"[{label}] seeded {SESSIONS} sessions / {COURSES} courses in {time.perf_counter() - started:.1f} s")
        db.session.remove()
    client = app.test_client()
    url = "/calendar/public.ics"
    _, first = timed(client, url)  # warm-up
    body = first.get_data()
    events = body.count(b"BEGIN:VEVENT")
    CPU.clear()
    full = [timed(client, url)[0] for _ in range(RUNS)]
    full_cpu = statistics.median(CPU)
    etag = first.headers["ETag"]
    CPU.clear()
    polls = [timed(client, url, {"If-None-Match": etag}, expect=304)[0] for _ in range(RUNS * 3)]
    poll_cpu = statistics.median(CPU)
    since = [
        timed(client, url, {"If-Modified-Since": first.headers["Last-Modified"]}, expect=304)[0] for _ in range(RUNS)
    ]
    filtered = [timed(client, url + "?partnership=PSCP&level=2")[0] for _ in range(RUNS)]
    full_median, poll_median = statistics.median(full), statistics.median(polls)
    print(
        f"[{label}] GET {url}: {events} events, {len(body) / 1e6:.2f} MB; "
        f"median {full_median * 1000:.0f} ms (min {min(full) * 1000:.0f}, max {max(full) * 1000:.0f}) "
        f"over {RUNS} runs, CPU {full_cpu * 1000:.0f} ms; "
        f"target < {FULL_TARGET * 1000:.0f} ms: {'OK' if full_median < FULL_TARGET else 'MISSED'}"
    )
    print(
        f"[{label}] If-None-Match -> 304: median {poll_median * 1000:.1f} ms "
        f"(min {min(polls) * 1000:.1f}, max {max(polls) * 1000:.1f}) over {len(polls)} runs, "
        f"CPU {poll_cpu * 1000:.1f} ms; "
        f"target < {POLL_TARGET * 1000:.0f} ms: {'OK' if poll_median < POLL_TARGET else 'MISSED'}"
    )
    print(f"[{label}] If-Modified-Since -> 304: median {statistics.median(since) * 1000:.1f} ms")
    print(f"[{label}] GET ?partnership=PSCP&level=2: median {statistics.median(filtered) * 1000:.0f} ms")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return full_median < FULL_TARGET and poll_median < POLL_TARGET


def main():
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        ok &= run("sqlite", "sqlite:///" + os.path.join(tmp, "bench.db"))
    server = database_url(os.environ.get("BENCH_DATABASE_URL"))
    if server:
        import psycopg

        base = make_url(server)
        name = f"calendar_bench_{uuid.uuid4().hex[:8]}"
        admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            ok &= run("postgresql", base.set(database=name).render_as_string(hide_password=False))
        finally:
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
