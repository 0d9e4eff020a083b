"""Benchmark compliance by organisation on PostgreSQL: an organisation of 5,000 staff in a partnership
area of 200,000 people with 1,000,000 completions.

    python bench/compliance_bench.py [--scale 0.1]
    BENCH_DATABASE_URL=postgresql://postgres@host:5432/db python bench/compliance_bench.py

Creates its own database next to BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test),
builds the schema with the migrations, bulk-loads the rows with COPY, rebuilds the compliance summary (timed:
what `flask rebuild-compliance-summary` costs at this size), then, signed in on the test client,
times the compliance page (target < 1 s) for the organisation, the partnership's area (as a system
admin and as that partnership's admin), a drill-down page, and streams the organisation's CSV. The
database is dropped at the end.

Dataset (scale 1): 200,000 people in Hampshire's area, 5,000 of them in Hampshire Constabulary and the
rest spread over 199 other organisations; four requirements (Level 1, Level 2 for 36 months, Level 3 for
36 months, a DSL refresher course for 12 months); 1,000,000 completions: 400,000 attended bookings on
4,000 past sessions of 16 face-to-face courses, 400,000 e-learning completions of two modules, and
200,000 pieces of training recorded from elsewhere. Completions are spread over the last five years.
"""

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reports_bench import scratch_database, sign_in, stream_csv, time_page  # noqa: E402
from sqlalchemy import text  # noqa: E402

PEOPLE = 200_000
ORGANISATION = 5_000
AGENCIES = 200
SESSIONS = 4_000
BOOKINGS = 400_000
ELEARNING = 400_000
EXTERNAL = 200_000
PAGE_TARGET = 1.0
DAYS = 5 * 365


def copy(conn, table, columns, rows):
    """Bulk-load `rows` into `table` with COPY (psycopg 3), one round trip per batch."""
    started = time.perf_counter()
    count = 0
    with conn.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
            for row in rows:
                out.write_row(row)
                count += 1
    conn.commit()
    print(f"  copied {count:,} rows into {table} in {time.perf_counter() - started:.1f} s")


def seed(engine, now, scale):
    people = max(ORGANISATION // 10, int(PEOPLE * scale))
    organisation = min(ORGANISATION, people // 2)
    sessions = max(10, int(SESSIONS * scale))
    per_session = BOOKINGS // SESSIONS  # 100 delegates a session
    elearning, external = int(ELEARNING * scale), int(EXTERNAL * scale)
    start = now - timedelta(days=DAYS)
    raw = engine.raw_connection()
    conn = raw.driver_connection
    try:
        copy(conn, "partnerships", ("id", "code", "name"), [(1, "HSCP", "Hampshire"), (2, "IOWSCP", "Isle of Wight")])
        copy(
            conn,
            "agencies",
            ("id", "name", "sector", "partnership_id", "status", "created_at"),
            [
                (1, "Hampshire Constabulary", "Police", 1, "approved", now),
                *(
                    (a, f"Agency {a}", "Health" if a % 2 else "Education", 1, "approved", now)
                    for a in range(2, AGENCIES + 1)
                ),
            ],
        )

        def users():
            for u in range(1, people + 1):
                agency = 1 if u <= organisation else 2 + u % (AGENCIES - 1)
                yield (u, f"Person {u}", f"p{u}@example.org", "x", agency, "practitioner", None, f"t{u}", 1, now, now)
            yield (people + 1, "System admin", "admin@example.org", "x", None, "system_admin", None, "ta", 1, now, now)
            yield (people + 2, "HSCP admin", "hscp@example.org", "x", None, "partnership_admin", 1, "th", 1, now, now)

        copy(
            conn,
            "users",
            (
                "id",
                "name",
                "email",
                "password_hash",
                "agency_id",
                "role",
                "partnership_id",
                "calendar_token",
                "session_version",
                "created_at",
                "calendar_changed_at",
            ),
            users(),
        )
        courses = [(c, f"course-{c}", f"Course {c}", 1 + c % 3, "core", "face_to_face") for c in range(1, 17)]
        courses += [(17, "level-2-online", "Level 2 online", 2, "core", "elearning")]
        courses += [(18, "dsl-refresher", "DSL refresher", 3, "subject_specific", "elearning")]
        copy(
            conn,
            "courses",
            (
                "id",
                "slug",
                "title",
                "summary",
                "learning_outcomes",
                "level",
                "level_kind",
                "format",
                "owner_partnership_id",
                "is_hips",
                "status",
                "created_at",
                "updated_at",
                "allow_repeat_bookings",
            ),
            ((*c[:3], "", "[]", *c[3:], 1, False, "published", now, now, False) for c in courses),
        )
        copy(
            conn,
            "course_sessions",
            (
                "id",
                "course_id",
                "partnership_id",
                "starts_at",
                "ends_at",
                "capacity",
                "status",
                "sequence",
                "created_at",
                "updated_at",
            ),
            (
                (s, 1 + s % 16, 1, t, t + timedelta(hours=3), 100, "completed", 0, now, now)
                for s in range(1, sessions + 1)
                for t in [start + timedelta(days=(s * 37) % DAYS, hours=9)]
            ),
        )
        bookings = sessions * per_session
        copy(
            conn,
            "bookings",
            (
                "id",
                "session_id",
                "user_id",
                "status",
                "requested_at",
                "late_cancellation",
                "agency_id",
                "calendar_sequence",
            ),
            # Session s's k-th delegate: people // per_session apart, so distinct within a session.
            (
                (
                    b + 1,
                    b % sessions + 1,
                    ((b % sessions) * 7919 + (b // sessions) * (people // per_session)) % people + 1,
                    "attended",
                    now,
                    False,
                    None,
                    0,
                )
                for b in range(bookings)
            ),
        )
        copy(
            conn,
            "elearning_completions",
            ("id", "user_id", "course_id", "completed_at"),
            (
                (e + 1, e % people + 1, 17 if e < people else 18, start + timedelta(days=(e * 13) % DAYS))
                for e in range(min(elearning, 2 * people))
            ),
        )
        copy(
            conn,
            "external_trainings",
            ("id", "user_id", "title", "completed_at", "level", "created_at"),
            (
                (
                    x + 1,
                    (x * 31) % people + 1,
                    "Employer's course",
                    start + timedelta(days=(x * 11) % DAYS),
                    1 + x % 3,
                    now,
                )
                for x in range(external)
            ),
        )
        copy(
            conn,
            "training_requirements",
            ("id", "name", "level", "course_id", "validity_months", "created_at"),
            [
                (1, "Level 1", 1, None, None, now),
                (2, "Level 2", 2, None, 36, now),
                (3, "Level 3", 3, None, 36, now),
                (4, "DSL refresher", None, 18, 12, now),
            ],
        )
        total = conn.execute(
            "SELECT (SELECT count(*) FROM bookings) + (SELECT count(*) FROM elearning_completions)"
            " + (SELECT count(*) FROM external_trainings)"
        ).fetchone()[0]
        print(f"  {people:,} people ({organisation:,} in Hampshire Constabulary), {total:,} completions")
    finally:
        raw.close()
    return people


def run(uri, scale=1.0):
    from flask_migrate import upgrade

    from training_app import clock, create_app
    from training_app.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": uri, "SERVER_NAME": "localhost"})
    now = clock.now()
    with app.app_context():
        upgrade()
        print("Seeding:")
        people = seed(db.engine, now, scale)
        # COPY bypasses the ORM, so fill the compliance summary as an existing installation does
        # (`flask rebuild-compliance-summary` calls the same function).
        from training_app.records.summary import rebuild_requirements

        started = time.perf_counter()
        rows = rebuild_requirements(db.session.connection())
        db.session.commit()
        print(f"  compliance summary rebuilt ({rows:,} rows) in {time.perf_counter() - started:.1f} s")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            started = time.perf_counter()
            conn.execute(text("VACUUM ANALYZE"))
            print(f"  VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    system_admin, hscp_admin = people + 1, people + 2
    pages = [
        ("system admin", system_admin, "/records/compliance?organisation=1"),
        ("system admin", system_admin, "/records/compliance?partnership=1"),
        ("system admin", system_admin, "/records/compliance"),
        ("HSCP admin", hscp_admin, "/records/compliance"),
        ("HSCP admin", hscp_admin, "/records/compliance?organisation=1"),
        ("HSCP admin", hscp_admin, "/records/compliance?sector=Health"),
        ("HSCP admin", hscp_admin, "/records/compliance/requirements/3/people?status=expired&organisation=1"),
        ("HSCP admin", hscp_admin, "/records/compliance/requirements/3/people?status=expired&page=100"),
    ]
    print(f"\nPages (median and max of 5 runs after one warm-up; target < {PAGE_TARGET:.0f} s):")
    ok = True
    for who, user_id, url in pages:
        sign_in(client, user_id)
        median, worst, size = time_page(client, url)
        ok &= median < PAGE_TARGET
        print(
            f"  {who:12} GET {url:75} {median * 1000:6.0f} ms (max {worst * 1000:5.0f}) "
            f"{size / 1000:5.0f} kB {'OK' if median < PAGE_TARGET else 'MISSED'}"
        )
    print("\nCSV (streamed):")
    sign_in(client, hscp_admin)
    stream_csv(client, "/records/compliance.csv?organisation=1", "compliance.csv (Hampshire Constabulary)")
    stream_csv(client, "/records/compliance.csv", "compliance.csv (Hampshire's area)")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply people and completions (0.1: a quick run)")
    args = parser.parse_args()
    ok = scratch_database(run, args.scale)
    print("All targets met" if ok else "Some targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
