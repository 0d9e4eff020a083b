"""Benchmark the annual report pack document on PostgreSQL: a financial year with 1,000,000 bookings.

    python bench/annual_pack_bench.py [--scale 0.1]
    BENCH_DATABASE_URL=postgresql://postgres@host:5432/db python bench/annual_pack_bench.py

Creates its own database next to BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test,
see bench/reports_bench.scratch_database), builds the schema with the migrations, fills it with
INSERT ... SELECT generate_series, then, signed in on the test client, times the pack's PDF
(/reports/annual.pdf) and its CSV (/reports/annual-pack.csv) for the whole of HIPS and for one
partnership, and prints the time (target: under 5 s). The database is dropped at the end.

Dataset: 200,000 practitioners in 300 agencies; 300 courses (two learning outcomes each) run by the
four partnerships. Last financial year (the pack's year): 20,000 sessions with 50 bookings each
(1,000,000 bookings; capacity 20 to 49, so about 600,000 attended), a post-course evaluation from
every other attended delegate (two paired outcome ratings each) and a follow-up from one in ten.
The two years before: 5,000 sessions and 250,000 bookings each, evaluated the same way. Hampshire
has 5 case reviews of 5 recommendations, each answered by 3 courses (every other link naming an
outcome); there are 6 suites of 20 courses (4 Hampshire's, 2 HIPS-wide).
"""

import argparse
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.reports_bench import JOB_ROLES, scratch_database, sign_in  # noqa: E402
from training_app.models import SECTORS  # noqa: E402

PEOPLE = 200_000
AGENCIES = 300
COURSES = 300
BOOKINGS_PER_SESSION = 50
YEAR_SESSIONS = 20_000  # the pack's year: 1,000,000 bookings
EARLIER_SESSIONS = 5_000  # each of the two years before: 250,000 bookings
RUNS = 3
TARGET = 5.0


def seed(db, years, scale):
    """Fill the database; `years` is [(first day, sessions)], oldest first."""
    people = max(100, int(PEOPLE * scale))
    common = [
        (
            "partnerships",
            """INSERT INTO partnerships (id, code, name) VALUES
            (1, 'HSCP', 'Hampshire Safeguarding Children Partnership'),
            (2, 'IOWSCP', 'Isle of Wight Safeguarding Children Partnership'),
            (3, 'PSCP', 'Portsmouth Safeguarding Children Partnership'),
            (4, 'SSCP', 'Southampton Safeguarding Children Partnership')""",
        ),
        (
            "agencies",
            """INSERT INTO agencies (id, name, sector, partnership_id, status, created_at)
            SELECT g, 'Agency ' || g, (CAST(:sectors AS text[]))[1 + g % 12], 1 + g % 4, 'approved', :now
            FROM generate_series(1, :agencies) g""",
        ),
        (
            "users",
            """INSERT INTO users (id, name, email, password_hash, agency_id, job_role, role, calendar_token,
                               session_version, created_at, calendar_changed_at)
            SELECT g, 'Practitioner ' || g, 'p' || g || '@example.org', 'x', 1 + g % :agencies,
                   (CAST(:roles AS text[]))[1 + g % 12], 'practitioner', md5(g::text), 1, :now, :now
            FROM generate_series(1, :people) g""",
        ),
        (
            "admins",
            """INSERT INTO users (id, name, email, password_hash, role, partnership_id, calendar_token,
                               session_version, created_at, calendar_changed_at) VALUES
            (:people + 1, 'System admin', 'admin@example.org', 'x', 'system_admin', NULL, 'admin-token', 1, :now, :now),
            (:people + 2, 'HSCP admin', 'hscp@example.org', 'x', 'partnership_admin', 1, 'hscp-token', 1,
             :now, :now)""",
        ),
        (
            "courses",
            """INSERT INTO courses (id, slug, title, summary, learning_outcomes, level, level_kind, format,
                                 owner_partnership_id, is_hips, status, created_at, updated_at)
            SELECT g, 'course-' || g, 'Safeguarding course ' || g, 'Summary', '["Recognise", "Respond"]',
                   1 + g % 3, 'core', 'face_to_face', 1 + g % 4, g % 7 = 0, 'published', :now, :now
            FROM generate_series(1, :courses) g""",
        ),
        (
            "evaluation forms",
            """INSERT INTO evaluation_forms (id, course_id, stage, version, questions, created_at)
            SELECT g * 2 + s, g, CASE s WHEN 0 THEN 'post' ELSE 'follow_up' END, 1,
                   '{"outcomes": ["Recognise", "Respond"], "likert": []}', :now
            FROM generate_series(1, :courses) g, generate_series(0, 1) s""",
        ),
    ]
    params = {
        "sectors": SECTORS,
        "roles": JOB_ROLES,
        "agencies": AGENCIES,
        "courses": COURSES,
        "people": people,
        "now": datetime.now(),
        "per": BOOKINGS_PER_SESSION,
    }

    def execute(label, sql, extra=None):
        started = time.perf_counter()
        values = {**params, **(extra or {})}
        db.session.execute(text(sql), {k: v for k, v in values.items() if f":{k}" in sql})
        db.session.commit()
        print(f"  seeded {label} in {time.perf_counter() - started:.1f} s")

    for label, sql in common:
        execute(label, sql)
    first_session = 1
    for start, sessions in years:
        sessions = max(10, int(sessions * scale))
        span = {"start": start, "first": first_session, "last": first_session + sessions - 1}
        execute(
            f"sessions from {start}",
            """INSERT INTO course_sessions (id, course_id, partnership_id, starts_at, ends_at, capacity, status,
                                         online_platform, sequence, created_at, updated_at)
            SELECT g, 1 + g % :courses,
                   -- the owner runs it, except HIPS courses' sessions (course id % 7 = 0): each partnership in turn
                   CASE WHEN (1 + g % :courses) % 7 = 0 THEN 1 + g % 4 ELSE 1 + (1 + g % :courses) % 4 END,
                   CAST(:start AS timestamp) + make_interval(days => g % 364, hours => 9),
                   CAST(:start AS timestamp) + make_interval(days => g % 364, hours => 12),
                   20 + g % 30, CASE WHEN g % 50 = 0 THEN 'cancelled' ELSE 'completed' END, 'Teams', 0, :now, :now
            FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) g""",
            span,
        )
        execute(
            f"bookings from {start}",
            """INSERT INTO bookings (id, session_id, user_id, status, requested_at, confirmed_at, late_cancellation,
                                  agency_id, job_role, calendar_sequence)
            SELECT s.id * :per + k, s.id, 1 + (s.id * 97 + k * 4001) % :people,
                   CASE WHEN s.status = 'cancelled' OR k % 10 = 9 OR k >= s.capacity THEN 'cancelled'
                        WHEN k % 7 = 3 THEN 'no_show' ELSE 'attended' END,
                   s.starts_at - interval '30 days', s.starts_at - interval '30 days', false,
                   1 + (1 + (s.id * 97 + k * 4001) % :people) % :agencies,
                   (CAST(:roles AS text[]))[1 + k % 12], 0
            FROM course_sessions s, generate_series(0, :per - 1) k
            WHERE s.id BETWEEN :first AND :last""",
            span,
        )
        execute(
            f"post-course evaluations from {start}",
            """INSERT INTO evaluation_responses (id, form_id, course_id, session_id, booking_id, user_id, pair_key,
                                              stage, submitted_at, agency_id, practice_text)
            SELECT b.id * 2, s.course_id * 2, s.course_id, s.id, b.id, b.user_id, 'booking:' || b.id, 'post',
                   s.ends_at + interval '1 day', b.agency_id,
                   CASE WHEN b.id % 50 = 0 THEN 'I will use this with families.' END
            FROM bookings b JOIN course_sessions s ON s.id = b.session_id
            WHERE b.status = 'attended' AND b.id % 2 = 0 AND s.id BETWEEN :first AND :last""",
            span,
        )
        execute(
            f"outcome ratings from {start}",
            """INSERT INTO evaluation_ratings (response_id, question_key, outcome_index, value, pre_value)
            SELECT r.id, 'outcome', o, 1 + (r.id / 2 + o * 3) % 10, 1 + (r.id / 2 + o * 3 + 7) % 8
            FROM evaluation_responses r, generate_series(0, 1) o
            WHERE r.stage = 'post' AND r.session_id BETWEEN :first AND :last""",
            span,
        )
        execute(
            f"follow-ups from {start}",
            """INSERT INTO evaluation_responses (id, form_id, course_id, session_id, booking_id, user_id, pair_key,
                                              stage, submitted_at, agency_id, changed_text)
            SELECT r.id + 1, r.course_id * 2 + 1, r.course_id, r.session_id, r.booking_id, r.user_id, r.pair_key,
                   'follow_up', r.submitted_at + interval '90 days', r.agency_id, NULL
            FROM evaluation_responses r
            WHERE r.stage = 'post' AND r.booking_id % 10 = 0 AND r.session_id BETWEEN :first AND :last""",
            span,
        )
        execute(
            f"follow-up impact ratings from {start}",
            """INSERT INTO evaluation_ratings (response_id, question_key, value)
            SELECT r.id, 'impact', 1 + r.id % 5 FROM evaluation_responses r
            WHERE r.stage = 'follow_up' AND r.session_id BETWEEN :first AND :last""",
            span,
        )
        first_session += sessions
    for sql in (
        """INSERT INTO case_reviews (id, partnership_id, kind, title, published_on, public, created_at)
        SELECT g, 1, 'lcspr', 'Review ' || g, DATE '2024-01-01' + g * 30, g % 2 = 0, :now
        FROM generate_series(1, 5) g""",
        """INSERT INTO review_recommendations (id, review_id, number, text)
        SELECT (r - 1) * 5 + n, r, n, 'Recommendation ' || n FROM generate_series(1, 5) r, generate_series(1, 5) n""",
        """INSERT INTO recommendation_courses (recommendation_id, course_id, outcome_indexes)
        SELECT rec, 1 + (rec * 7 + c * 101) % :courses, CAST(CASE WHEN c % 2 = 0 THEN '[0]' ELSE '[]' END AS json)
        FROM generate_series(1, 25) rec, generate_series(0, 2) c""",
        """INSERT INTO course_suites (id, name, description, partnership_id, created_at)
        SELECT g, 'Suite ' || g, '', CASE WHEN g <= 4 THEN 1 END, :now FROM generate_series(1, 6) g""",
        """INSERT INTO suite_courses (suite_id, course_id)
        SELECT g, 1 + (g * 20 + c) % :courses FROM generate_series(1, 6) g, generate_series(0, 19) c""",
    ):
        execute("reviews and suites", sql)
    counts = db.session.execute(
        text(
            "SELECT (SELECT count(*) FROM bookings), (SELECT count(*) FROM bookings WHERE status = 'attended'),"
            " (SELECT count(*) FROM evaluation_responses), (SELECT count(*) FROM evaluation_ratings)"
        )
    ).one()
    print(f"  rows: {counts[0]:,} bookings ({counts[1]:,} attended), {counts[2]:,} responses, {counts[3]:,} ratings")


def time_get(client, url):
    timings = []
    for _ in range(RUNS + 1):
        started = time.perf_counter()
        response = client.get(url)
        body = response.get_data()
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code, body[:300])
    return statistics.median(timings[1:]), max(timings[1:]), len(body)


def run(uri, scale=1.0):
    from flask_migrate import upgrade

    from training_app import create_app
    from training_app.extensions import db
    from training_app.reports.scope import financial_year_start

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": uri, "SERVER_NAME": "localhost"})
    this_year = financial_year_start(date.today())
    pack_year = date(this_year.year - 1, 4, 1)  # the last complete financial year
    years = [
        (date(pack_year.year - 2, 4, 1), EARLIER_SESSIONS),
        (date(pack_year.year - 1, 4, 1), EARLIER_SESSIONS),
        (pack_year, YEAR_SESSIONS),
    ]
    with app.app_context():
        upgrade()
        print("Seeding:")
        seed(db, years, scale)
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    people = max(100, int(PEOPLE * scale))
    client = app.test_client()
    period = f"date_from={pack_year.isoformat()}&date_to={date(pack_year.year + 1, 3, 31).isoformat()}"
    cases = [
        ("system admin", people + 1, f"/reports/annual.pdf?{period}"),
        ("system admin", people + 1, f"/reports/annual-pack.csv?{period}"),
        ("system admin", people + 1, f"/reports/annual.pdf?{period}&partnership=HSCP"),
        ("HSCP admin", people + 2, f"/reports/annual.pdf?{period}"),
        ("HSCP admin", people + 2, "/reports/reviews/1?" + period),
    ]
    print(f"\nThe pack (median and max of {RUNS} runs after one warm-up; target < {TARGET:.0f} s):")
    ok = True
    for who, user_id, url in cases:
        sign_in(client, user_id)
        median, worst, size = time_get(client, url)
        ok &= median < TARGET
        print(
            f"  {who:13} GET {url:80} {median:5.2f} s (max {worst:5.2f}) {size / 1000:6.0f} kB "
            f"{'OK' if median < TARGET else 'MISSED'}"
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply sessions and people (0.05: a quick run)")
    args = parser.parse_args()
    ok = scratch_database(run, args.scale)
    print("Target met" if ok else "Target MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
