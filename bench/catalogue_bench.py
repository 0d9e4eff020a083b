"""Benchmark the public catalogue with thousands of sessions.

    python bench/catalogue_bench.py                        # SQLite (a throwaway file)
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python bench/catalogue_bench.py
                                                           # then PostgreSQL too (own database, dropped)

Seeds 500 courses, 10,000 upcoming sessions and 100,000 bookings through the migrations' schema,
then prints the median time of each catalogue page (test client, no network).
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

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import database_url  # noqa: E402

COURSES, SESSIONS, BOOKINGS, USERS = 500, 10_000, 100_000, 5_000
RUNS = 7
PAGES = [
    "/",
    "/?page=10",
    "/?q=neglect",
    "/?level=3&format=live_online",
    "/?partnership=IOWSCP",
    "/?has_places=y",
    "/?date_from=2027-01-01&date_to=2027-01-31",
    "/courses/course-7",
]


def seed(db):
    from training_app import clock
    from training_app.models import Booking, Course, CourseSession, Partnership, User

    now = clock.now().replace(second=0, microsecond=0)
    codes = ["HSCP", "IOWSCP", "PSCP", "SSCP"]
    db.session.execute(insert(Partnership), [{"id": i + 1, "code": c, "name": c} for i, c in enumerate(codes)])
    topics = ["neglect", "exploitation", "domestic abuse", "online safety", "disguised compliance"]
    db.session.execute(
        insert(Course),
        [
            {
                "id": i + 1,
                "slug": f"course-{i + 1}",
                "title": f"Safeguarding and {topics[i % 5]} {i + 1}",
                "summary": f"Recognising and responding to {topics[i % 5]}.",
                "learning_outcomes": ["Recognise"],
                "level": i % 3 + 1,
                "level_kind": "core",
                "format": ["face_to_face", "live_online", "blended"][i % 3],
                "owner_partnership_id": i % 4 + 1,
                "is_hips": i % 7 == 0,
                "status": "published",
                "created_at": now,
            }
            for i in range(COURSES)
        ],
    )
    db.session.execute(
        insert(CourseSession),
        [
            {
                "id": i + 1,
                "course_id": i % COURSES + 1,
                "partnership_id": (i % COURSES) % 4 + 1,  # the course's owner
                "starts_at": now + timedelta(days=1 + i % 400, hours=i % 8),
                "ends_at": now + timedelta(days=1 + i % 400, hours=i % 8 + 3),
                "venue": "Civic Centre",
                "capacity": 20,
                "status": "scheduled",
                "sequence": 0,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(SESSIONS)
        ],
    )
    db.session.execute(
        insert(User),
        [
            {
                "id": i + 1,
                "name": f"Delegate {i}",
                "email": f"d{i}@example.org",
                "password_hash": "x",
                "role": "practitioner",
                "calendar_token": uuid.uuid4().hex,
                "session_version": 1,
                "created_at": now,
            }
            for i in range(USERS)
        ],
    )
    for start in range(0, BOOKINGS, 20_000):
        db.session.execute(
            insert(Booking),
            [
                {
                    "session_id": i % SESSIONS + 1,
                    "user_id": i // SESSIONS + 1,
                    "status": "confirmed",
                    "requested_at": now,
                    "late_cancellation": False,
                }
                for i in range(start, start + 20_000)
            ],
        )
    db.session.commit()


def run(url):
    from flask_migrate import upgrade

    from training_app import create_app
    from training_app.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        seed(db)
        db.session.remove()
    client = app.test_client()
    print(f"{make_url(url).get_backend_name()}: {COURSES} courses, {SESSIONS} sessions, {BOOKINGS} bookings")
    for page in PAGES:
        assert client.get(page).status_code == 200, page
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(page)
            times.append(time.perf_counter() - started)
        print(f"  {page:<48} median {statistics.median(times) * 1000:7.1f} ms")
    with app.app_context():
        db.engine.dispose()


def main():
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite:///" + os.path.join(folder, "bench.db"))
    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        return
    import psycopg

    base = make_url(database_url(server))
    name = f"bench_catalogue_{uuid.uuid4().hex[:8]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        run(base.set(database=name).render_as_string(hide_password=False))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
