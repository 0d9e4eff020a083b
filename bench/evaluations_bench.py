"""Benchmark: evaluation summaries over 100,000 responses across 200 courses.

    python bench/evaluations_bench.py                      # SQLite (a temporary file)
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python bench/evaluations_bench.py

On PostgreSQL the benchmark creates a database of its own on that server and drops it at the end.
It times the rendered summary page (test client) for one course and for a whole partnership.
Target: under 1 s each.
"""

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import database_url  # noqa: E402
from training_app import create_app  # noqa: E402
from training_app.evaluations.questions import default_questions  # noqa: E402
from training_app.extensions import db  # noqa: E402
from training_app.models import Agency, Booking, Course, CourseSession, Partnership, User  # noqa: E402
from training_app.models.catalogue import session_trainers  # noqa: E402
from training_app.models.evaluations import EvaluationForm, EvaluationRating, EvaluationResponse  # noqa: E402

COURSES, SESSIONS_PER_COURSE, BOOKINGS_PER_SESSION, USERS = 200, 5, 50, 5000
RUNS = 5
# Every response of the dataset (its sessions run over the two years before June 2027), as a board asks.
FIVE_YEARS = "date_from=1/6/2022&date_to=31/5/2027"


def chunks(rows, size=10000):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def bulk(model_or_table, rows):
    table = getattr(model_or_table, "__table__", model_or_table)
    for chunk in chunks(rows):
        db.session.execute(insert(table), chunk)


def generate():
    rng = random.Random(4)
    now = datetime(2027, 6, 1)
    bulk(
        Partnership,
        [{"id": i + 1, "code": code, "name": code} for i, code in enumerate(["HSCP", "IOWSCP", "PSCP", "SSCP"])],
    )
    sectors = ["Health", "Police", "Education", "Children's social care", "Early years"]
    bulk(
        Agency,
        [
            {"id": i + 1, "name": f"Agency {i}", "sector": sectors[i % 5], "partnership_id": i % 4 + 1}
            for i in range(20)
        ],
    )
    password = "pbkdf2:sha256:600000$x$" + "0" * 64
    users = [
        {
            "id": i + 1,
            "name": f"Delegate {i}",
            "email": f"d{i}@example.org",
            "password_hash": password,
            "role": "practitioner",
            "agency_id": i % 20 + 1,
            "partnership_id": None,
            "calendar_token": uuid.uuid4().hex,
            "session_version": 1,
            "created_at": now,
        }
        for i in range(USERS)
    ]
    users += [
        {
            "id": USERS + 1 + i,
            "name": f"Trainer {i}",
            "email": f"t{i}@example.org",
            "password_hash": password,
            "role": "trainer",
            "agency_id": None,
            "partnership_id": None,
            "calendar_token": uuid.uuid4().hex,
            "session_version": 1,
            "created_at": now,
        }
        for i in range(20)
    ]
    users.append(
        {
            "id": USERS + 100,
            "name": "Admin",
            "email": "admin@example.org",
            "password_hash": password,
            "role": "partnership_admin",
            "agency_id": None,
            "partnership_id": 1,
            "calendar_token": uuid.uuid4().hex,
            "session_version": 1,
            "created_at": now,
        }
    )
    users.append(
        {
            "id": USERS + 101,
            "name": "System admin",
            "email": "sys@example.org",
            "password_hash": password,
            "role": "system_admin",
            "agency_id": None,
            "partnership_id": None,
            "calendar_token": uuid.uuid4().hex,
            "session_version": 1,
            "created_at": now,
        }
    )
    bulk(User, users)
    courses, forms, sessions, trainers = [], [], [], []
    for c in range(COURSES):
        outcomes = [f"Outcome {k + 1} of course {c + 1}" for k in range(3)]
        courses.append(
            {
                "id": c + 1,
                "slug": f"course-{c + 1}",
                "title": f"Course {c + 1:03d}",
                "summary": "",
                "learning_outcomes": outcomes,
                "level": 3,
                "level_kind": "core",
                "format": "face_to_face",
                "owner_partnership_id": c % 4 + 1,
                "is_hips": c % 10 == 0,
                "status": "published",
                "created_at": now,
            }
        )
        for stage in ("pre", "post"):
            fake = type("C", (), {"learning_outcomes": outcomes})
            forms.append(
                {
                    "id": len(forms) + 1,
                    "course_id": c + 1,
                    "stage": stage,
                    "version": 1,
                    "questions": default_questions(fake, stage),
                    "created_at": now,
                }
            )
        for s in range(SESSIONS_PER_COURSE):
            sid = c * SESSIONS_PER_COURSE + s + 1
            start = now - timedelta(days=rng.randint(10, 700))
            sessions.append(
                {
                    "id": sid,
                    "course_id": c + 1,
                    "partnership_id": c % 4 + 1,  # the course's owner
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=3),
                    "capacity": 60,
                    "status": "completed",
                    "sequence": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            trainers.append({"session_id": sid, "user_id": USERS + 1 + sid % 20})
    bulk(Course, courses)
    bulk(EvaluationForm, forms)
    bulk(CourseSession, sessions)
    bulk(session_trainers, trainers)
    bookings, responses, ratings = [], [], []
    for session in sessions:
        course_id = session["course_id"]
        for user_id in rng.sample(range(1, USERS + 1), BOOKINGS_PER_SESSION):
            booking_id = len(bookings) + 1
            bookings.append(
                {
                    "id": booking_id,
                    "session_id": session["id"],
                    "user_id": user_id,
                    "status": "attended",
                    "requested_at": now,
                    "late_cancellation": False,
                    "agency_id": (user_id - 1) % 20 + 1,
                }
            )
            pre_values = {}
            for stage, form_offset in (("pre", 1), ("post", 2)):
                response_id = len(responses) + 1
                submitted = session["starts_at"] + (timedelta(days=-1) if stage == "pre" else timedelta(days=1))
                responses.append(
                    {
                        "id": response_id,
                        "form_id": (course_id - 1) * 2 + form_offset,
                        "course_id": course_id,
                        "session_id": session["id"],
                        "booking_id": booking_id,
                        "user_id": user_id,
                        "pair_key": f"booking:{booking_id}",
                        "stage": stage,
                        "submitted_at": submitted,
                        "agency_id": (user_id - 1) % 20 + 1,
                        "sector": sectors[(user_id - 1) % 20 % 5],
                        "practice_text": "I will use the referral pathway"
                        if stage == "post" and rng.random() < 0.3
                        else None,
                    }
                )
                for k in range(3):
                    value = rng.randint(2, 6) if stage == "pre" else rng.randint(5, 10)
                    if stage == "pre":
                        pre_values[k] = value
                    # As link_pair() does on submission: the post rating carries the pre rating.
                    ratings.append(
                        {
                            "response_id": response_id,
                            "question_key": "outcome",
                            "outcome_index": k,
                            "value": value,
                            "pre_value": pre_values[k] if stage == "post" else None,
                        }
                    )
                if stage == "post":
                    for key in ("useful", "trainer", "format"):
                        ratings.append(
                            {
                                "response_id": response_id,
                                "question_key": key,
                                "outcome_index": None,
                                "value": rng.randint(3, 5),
                                "pre_value": None,
                            }
                        )
    bulk(Booking, bookings)
    bulk(EvaluationResponse, responses)
    bulk(EvaluationRating, ratings)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            for table in (
                "users",
                "courses",
                "course_sessions",
                "bookings",
                "evaluation_forms",
                "evaluation_responses",
                "evaluation_ratings",
                "agencies",
                "partnerships",
            ):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
            conn.execute(text("ANALYZE"))
            conn.commit()
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return len(responses), len(ratings)


def timed(client, url):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        page = client.get(url)
        times.append(time.perf_counter() - start)
        assert page.status_code == 200, (url, page.status_code)
    return min(times), statistics.median(times)


def run(uri, label):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": uri, "SERVER_NAME": "localhost"})
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        start = time.perf_counter()
        n_responses, n_ratings = generate()
        print(
            f"[{label}] generated {n_responses:,} responses and {n_ratings:,} ratings "
            f"across {COURSES} courses in {time.perf_counter() - start:.1f} s"
        )
        login_ids = [db.session.get(User, USERS + n).get_id() for n in (100, 101)]
        db.session.remove()
    client = app.test_client()

    def sign_in(login_id):
        with client.session_transaction() as session:
            session["_user_id"] = login_id
            session["_fresh"] = True

    sign_in(login_ids[0])
    for name, url in [
        ("course summary", "/evaluations/summary?course=1"),
        ("session summary", "/evaluations/summary?session=1"),
        ("partnership-wide summary (HSCP admin: HSCP and HIPS courses)", "/evaluations/summary"),
        (
            "partnership-wide, one sector and a year",
            "/evaluations/summary?sector=Health&date_from=1/6/2026&date_to=31/5/2027",
        ),
        ("partnership-wide, five years", f"/evaluations/summary?{FIVE_YEARS}"),
    ]:
        best, median = timed(client, url)
        flag = "OK" if median < 1 else "SLOW"
        print(f"[{label}] {name}: best {best * 1000:.0f} ms, median {median * 1000:.0f} ms ({flag})")
    sign_in(login_ids[1])
    for name, url in [
        ("all four partnerships (system admin, all 100,000 responses)", "/evaluations/summary"),
        ("all four partnerships, five years", f"/evaluations/summary?{FIVE_YEARS}"),
        (
            "all four partnerships, five years, distance-travelled CSV",
            f"/evaluations/summary/outcomes.csv?{FIVE_YEARS}",
        ),
        ("all four partnerships, five years, comments CSV", f"/evaluations/summary/comments.csv?{FIVE_YEARS}"),
    ]:
        best, median = timed(client, url)
        print(
            f"[{label}] {name}: best {best * 1000:.0f} ms, "
            f"median {median * 1000:.0f} ms ({'OK' if median < 1 else 'SLOW'})"
        )
    with app.app_context():
        db.engine.dispose()


def main():
    server = database_url(os.environ.get("BENCH_DATABASE_URL"))
    if not server:
        with tempfile.TemporaryDirectory() as folder:
            run("sqlite:///" + os.path.join(folder, "bench.db"), "SQLite")
        return
    import psycopg

    base = make_url(server)
    name = f"evaluations_bench_{uuid.uuid4().hex[:8]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        run(base.set(database=name).render_as_string(hide_password=False), "PostgreSQL")
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
