"""Benchmark the reports on PostgreSQL: 20,000 sessions, 200,000 practitioners, 1,000,000 bookings.

    python bench/reports_bench.py [--scale 0.1]
    BENCH_DATABASE_URL=postgresql://postgres@host:5432/db python bench/reports_bench.py

Creates its own database next to BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test),
builds the schema with the migrations (flask_migrate.upgrade), fills it with INSERT ... SELECT
generate_series, then, as a signed-in system admin (and a partnership admin) on the test client:
times each report page (target < 1 s), and streams the CSV of every booking while sampling the
process's resident memory, to show that memory stays flat as rows go by. The database is dropped
at the end.

Dataset: sessions spread over four years (three past, one to come) on 270 face-to-face courses
(30 more are e-learning, with 50,000 completions); each session has 50 bookings, a capacity of 20
to 49, so past sessions have attended / no-show / cancelled bookings and future ones confirmed /
waitlisted / cancelled.
"""

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from config import database_url  # noqa: E402
from training_app.models import SECTORS  # noqa: E402  (the sectors people choose from)

SESSIONS = 20_000
PRACTITIONERS = 200_000
BOOKINGS = 1_000_000
COURSES = 300  # every 10th is e-learning
AGENCIES = 300
COMPLETIONS = 50_000
RUNS = 5
PAGE_TARGET = 1.0
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
JOB_ROLES = [
    "Social worker",
    "Police officer",
    "GP",
    "Midwife",
    "Health visitor",
    "Teacher",
    "Designated safeguarding lead",
    "Early years practitioner",
    "Housing officer",
    "Probation officer",
    "Firefighter",
    "Volunteer",
]


def sizes(scale=1.0):
    """Row counts for the dataset: the module's full sizes times `scale` (courses and agencies stay)."""
    return {
        "sessions": max(1, int(SESSIONS * scale)),
        "people": max(1, int(PRACTITIONERS * scale)),
        "bookings": max(1, int(BOOKINGS * scale)),
        "completions": max(1, int(COMPLETIONS * scale)),
    }


def seed(db, now, scale=1.0):
    """Fill the database with set-based SQL (seconds, not minutes)."""
    start = (now - timedelta(days=3 * 365)).replace(hour=9, minute=30, second=0, microsecond=0)
    steps = [
        (
            "partnerships",
            """
            INSERT INTO partnerships (id, code, name) VALUES
            (1, 'HSCP', 'Hampshire'), (2, 'IOWSCP', 'Isle of Wight'), (3, 'PSCP', 'Portsmouth'),
            (4, 'SSCP', 'Southampton')""",
        ),
        (
            "agencies",
            """
            INSERT INTO agencies (id, name, sector, partnership_id, status, created_at)
            SELECT g, 'Agency ' || g, (CAST(:sectors AS text[]))[1 + g % 12], 1 + g % 4, 'approved', :now
            FROM generate_series(1, :agencies) g""",
        ),
        (
            "venues",
            """
            INSERT INTO venues (id, name, address, accessibility_notes, parking_notes, partnership_id,
                                created_at, updated_at)
            SELECT g, 'Civic Centre ' || g, g || ' High Street, Southampton', 'Step-free access', '', 1 + g % 4,
                   :now, :now
            FROM generate_series(1, 40) g""",
        ),
        (
            "users",
            """
            INSERT INTO users (id, name, email, password_hash, agency_id, job_role, role, calendar_token,
                               session_version, created_at, calendar_changed_at)
            SELECT g, 'Practitioner ' || g, 'p' || g || '@example.org', 'x', 1 + g % :agencies,
                   (CAST(:roles AS text[]))[1 + g % 12], 'practitioner', md5(g::text), 1, :now, :now
            FROM generate_series(1, :people) g""",
        ),
        (
            "admins",
            """
            INSERT INTO users (id, name, email, password_hash, role, partnership_id, calendar_token,
                               session_version, created_at, calendar_changed_at) VALUES
            (:people + 1, 'System admin', 'admin@example.org', 'x', 'system_admin', NULL, 'admin-token', 1, :now, :now),
            (:people + 2, 'IOW admin', 'iow@example.org', 'x', 'partnership_admin', 2, 'iow-token', 1, :now, :now)""",
        ),
        (
            "courses",
            """
            INSERT INTO courses (id, slug, title, summary, learning_outcomes, level, level_kind, format,
                                 owner_partnership_id, is_hips, status, created_at, updated_at)
            SELECT g, 'course-' || g, 'Safeguarding course ' || g, 'Summary', '["Recognise", "Respond"]',
                   1 + g % 3, CASE WHEN g % 4 = 0 THEN 'subject_specific' ELSE 'core' END,
                   CASE WHEN g % 10 = 0 THEN 'elearning' ELSE 'face_to_face' END,
                   1 + g % 4, g % 7 = 0, 'published', :now, :now
            FROM generate_series(1, :courses) g""",
        ),
        (
            "joint courses",
            """
            INSERT INTO course_partnerships (course_id, partnership_id)
            SELECT g, 1 + (g + 1) % 4 FROM generate_series(1, :courses) g WHERE g % 11 = 0""",
        ),
        (
            "sessions",
            """
            INSERT INTO course_sessions (id, course_id, partnership_id, starts_at, ends_at, venue_id, capacity, status,
                                         sequence, created_at, updated_at)
            SELECT g, c + c / 9 + 1,
                   -- the owner (1 + id % 4) runs it, except HIPS courses' (id % 7 = 0): each partnership in turn
                   CASE WHEN (c + c / 9 + 1) % 7 = 0 THEN 1 + g % 4 ELSE 1 + (c + c / 9 + 1) % 4 END,
                   t, t + interval '3 hours', 1 + g % 40, 20 + g % 30,
                   CASE WHEN g % 50 = 0 THEN 'cancelled' WHEN g % 97 = 0 THEN 'postponed'
                        WHEN t < :now THEN 'completed' ELSE 'scheduled' END, 0, :now, :now
            FROM (SELECT g, (g * 7) % 270 AS c,
                         CAST(:start AS timestamp) + make_interval(days => (g * 37) % 1461) AS t
                  FROM generate_series(1, :sessions) g) s""",
        ),
        (
            "bookings",
            """
            INSERT INTO bookings (id, session_id, user_id, status, requested_at, confirmed_at, cancelled_at,
                                  late_cancellation, agency_id, job_role)
            SELECT b.g + 1, s.id, b.u, st.status, s.starts_at - interval '30 days',
                   CASE WHEN st.status <> 'waitlisted' THEN s.starts_at - interval '30 days' END,
                   CASE WHEN st.status = 'cancelled' THEN s.starts_at - interval '3 days' END,
                   st.status = 'cancelled' AND b.k % 20 = 19, 1 + b.u % :agencies,
                   (CAST(:roles AS text[]))[1 + b.u % 12]
            FROM (SELECT g, g / :sessions AS k, g % :sessions + 1 AS sid,
                         ((g % :sessions + 1) * 97 + (g / :sessions) * 4001) % :people + 1 AS u
                  FROM generate_series(0, :bookings - 1) g) b
            JOIN course_sessions s ON s.id = b.sid
            CROSS JOIN LATERAL (SELECT CASE
                WHEN b.k % 10 = 9 OR s.status = 'cancelled' THEN 'cancelled'
                WHEN s.starts_at < :now AND b.k < s.capacity THEN
                     CASE WHEN b.k % 7 = 3 THEN 'no_show' ELSE 'attended' END
                WHEN s.starts_at < :now THEN 'cancelled'
                WHEN b.k < s.capacity THEN 'confirmed'
                ELSE 'waitlisted' END AS status) st""",
        ),
        (
            "e-learning completions",
            """
            INSERT INTO elearning_completions (id, user_id, course_id, completed_at)
            SELECT g, g, 10 * (1 + g % 30), CAST(:start AS timestamp) + make_interval(days => g % 1461)
            FROM generate_series(1, :completions) g""",
        ),
    ]
    params = {
        "sectors": SECTORS,
        "roles": JOB_ROLES,
        "agencies": AGENCIES,
        "courses": COURSES,
        **sizes(scale),
        "now": now,
        "start": start,
    }
    for label, sql in steps:
        started = time.perf_counter()
        db.session.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
        db.session.commit()
        print(f"  seeded {label} in {time.perf_counter() - started:.1f} s")
    counts = db.session.execute(
        text(
            "SELECT (SELECT count(*) FROM course_sessions), (SELECT count(*) FROM users WHERE role = 'practitioner'),"
            " (SELECT count(*) FROM bookings), (SELECT count(*) FROM bookings WHERE status = 'attended')"
        )
    ).one()
    print(f"  rows: {counts[0]} sessions, {counts[1]} practitioners, {counts[2]} bookings ({counts[3]} attended)")


def rss_mb():
    """Current resident set size of this process, in MB (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def sign_in(client, user_id):
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:1"
        session["_fresh"] = True


def time_page(client, url):
    timings = []
    for _ in range(RUNS + 1):
        started = time.perf_counter()
        response = client.get(url)
        body = response.get_data()
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code, body[:300])
        assert b"govuk-error-summary" not in body, url
    timings = timings[1:]  # the first request warms caches
    return statistics.median(timings), max(timings), len(body)


def stream_csv(client, url, label, trace=False):
    """Stream a CSV through the test client, sampling memory every 200 chunks (about 13 MB).

    With trace=True, tracemalloc also follows the Python heap (it slows Python down several times,
    so the timing of a traced run is not the real speed).
    """
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200 and response.is_streamed, url
    rows = total = chunks = 0
    samples = []
    if trace:
        tracemalloc.start()
    for chunk in response.response:
        chunks += 1
        total += len(chunk)
        rows += chunk.count(b"\n")
        if chunks % 200 == 0:
            samples.append((rows, rss_mb(), tracemalloc.get_traced_memory()[0] / 1e6 if trace else 0))
    traced_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    response.close()
    elapsed = time.perf_counter() - started
    print(
        f"  {label}: {rows - 1:,} rows, {total / 1e6:.0f} MB in {elapsed:.1f} s "
        f"({(rows - 1) / elapsed:,.0f} rows/s{', slowed by tracemalloc' if trace else ''})"
        + (f"; Python heap peak while streaming {traced_peak / 1e6:.1f} MB" if trace else "")
    )
    if samples:
        picks = [
            samples[0],
            samples[len(samples) // 4],
            samples[len(samples) // 2],
            samples[3 * len(samples) // 4],
            samples[-1],
        ]
        print("    RSS as rows go by: " + ", ".join(f"{r:,} rows {m:.0f} MB" for r, m, _ in picks))
        if trace:
            print("    traced Python heap: " + ", ".join(f"{r:,} rows {h:.1f} MB" for r, _, h in picks))
        growth = samples[-1][1] - samples[0][1]
        print(f"    RSS growth from first sample to last: {growth:+.1f} MB; process peak RSS {peak_rss_mb():.0f} MB")
        return growth
    return 0.0


def run(uri, scale=1.0, seeded=False):
    from flask_migrate import upgrade

    from training_app import clock, create_app
    from training_app.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": uri, "SERVER_NAME": "localhost"})
    now = clock.now()
    if not seeded:
        with app.app_context():
            upgrade()
            print("Seeding:")
            seed(db, now, scale)
            db.session.remove()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                started = time.perf_counter()
                conn.execute(text("VACUUM ANALYZE"))
                print(f"  VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    client = app.test_client()
    system_admin, iow_admin = sizes(scale)["people"] + 1, sizes(scale)["people"] + 2
    # Every session of the dataset (six calendar years around its four), and three financial years.
    everything = "date_from=2023-01-01&date_to=2028-12-31"
    three_years = f"date_from={now.year - 3}-04-01&date_to={now.year}-03-31"
    pages = [
        ("system admin", system_admin, "/reports/"),
        ("system admin", system_admin, "/reports/capacity"),
        ("system admin", system_admin, "/reports/capacity?page=50"),
        ("system admin", system_admin, "/reports/capacity?partnership=PSCP&level=2"),
        ("system admin", system_admin, f"/reports/capacity?{everything}"),
        ("system admin", system_admin, "/reports/reach"),
        ("system admin", system_admin, f"/reports/reach?{everything}"),
        ("system admin", system_admin, "/reports/annual"),
        ("system admin", system_admin, f"/reports/annual?{everything}"),
        ("system admin", system_admin, "/reports/annual?print=1"),
        ("system admin", system_admin, f"/reports/capacity?{three_years}"),
        ("system admin", system_admin, f"/reports/reach?{three_years}"),
        ("system admin", system_admin, f"/reports/annual?{three_years}"),
        ("system admin", system_admin, f"/reports/demand?{everything}"),
        ("system admin", system_admin, f"/reports/non-attendance?{everything}"),
        ("system admin", system_admin, f"/reports/capacity.csv?{everything}"),
        ("system admin", system_admin, f"/reports/reach.csv?{everything}"),
        ("system admin", system_admin, f"/reports/annual.csv?{everything}"),
        ("system admin", system_admin, f"/reports/demand.csv?{everything}"),
        ("system admin", system_admin, f"/reports/non-attendance.csv?{everything}"),
        ("IOWSCP admin", iow_admin, "/reports/capacity"),
        ("IOWSCP admin", iow_admin, "/reports/reach"),
        ("IOWSCP admin", iow_admin, "/reports/annual"),
        ("IOWSCP admin", iow_admin, f"/reports/annual?{everything}"),
        ("IOWSCP admin", iow_admin, f"/reports/reach?{everything}"),
    ]
    print(f"\nPages (median and max of {RUNS} runs after one warm-up; target < {PAGE_TARGET:.0f} s):")
    ok = True
    for who, user_id, url in pages:
        sign_in(client, user_id)
        median, worst, size = time_page(client, url)
        ok &= median < PAGE_TARGET
        print(
            f"  {who:13} GET {url:58} {median * 1000:6.0f} ms (max {worst * 1000:5.0f}) "
            f"{size / 1000:6.0f} kB {'OK' if median < PAGE_TARGET else 'MISSED'}"
        )

    print("\nCSV downloads (streamed):")
    sign_in(client, system_admin)
    stream_csv(client, "/reports/capacity.csv", "capacity.csv (this financial year)")
    stream_csv(client, "/reports/bookings.csv", "bookings.csv (this financial year, traced)", trace=True)
    growth = stream_csv(client, f"/reports/bookings.csv?{everything}", "bookings.csv (every booking)")
    ok &= growth < 50
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return ok


def scratch_database(run_in, *args, kept=None):
    """Create a database of our own next to BENCH_DATABASE_URL, call run_in(its url, *args), drop it.
    With `kept` (a database filled by this script's seed, e.g. pages_bench.py --keep), use that one
    as it is and leave it."""
    server = database_url(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL)
    import psycopg

    base = make_url(server)
    if kept:
        return run_in(base.set(database=kept).render_as_string(hide_password=False), *args, True)
    name = f"reports_bench_{uuid.uuid4().hex[:8]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    print(f"Database {name} on {base.host}:{base.port}")
    try:
        return run_in(base.set(database=name).render_as_string(hide_password=False), *args)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"Dropped {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the sessions, practitioners, bookings and completions (default 1: "
        "a million bookings; 0.1 is a quick run)",
    )
    parser.add_argument("--database", help="a database filled earlier (pages_bench.py --keep): skip the seeding")
    args = parser.parse_args()
    ok = scratch_database(run, args.scale, kept=args.database)
    print("All targets met" if ok else "Some targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
