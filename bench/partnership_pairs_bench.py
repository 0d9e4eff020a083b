"""Does the reach report pay for "does this course count for this partnership" being one rule?

    python bench/partnership_pairs_bench.py [--scale 1] [--runs 5]

The rule is `Course.counts_for(partnership_id)`: owner OR HIPS OR EXISTS(joint). Before it, the
reports had their own copy, a UNION of (owner), (joint) and (HIPS x four partnerships) pairs. On the
reports_bench dataset (a million bookings at --scale 1) this times, as a system admin over every
year and as a partnership admin over this financial year, reach's attended_breakdowns and the
partnership-filtered course list with:

- "counts_for": the code as it is (training_app.reports.scope.partnership_courses and
  course_conditions, both built from Course.counts_for);
- "union": the old UNION pairs, substituted for this run only.

Prints the median wall time of --runs runs (after one warm-up) of each.
"""

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports_bench import scratch_database, seed  # noqa: E402
from sqlalchemy import select, text, true, union  # noqa: E402


def union_pairs():
    """The reports' old (course_id, partnership_id) pairs: a UNION of owned, joint and HIPS."""
    from training_app.models import Course, Partnership
    from training_app.models.catalogue import course_partnerships

    owned = select(Course.id.label("course_id"), Course.owner_partnership_id.label("partnership_id"))
    joint = select(course_partnerships.c.course_id, course_partnerships.c.partnership_id)
    hips = select(Course.id, Partnership.id).join(Partnership, true()).where(Course.is_hips.is_(True))
    return union(owned, joint, hips).subquery("partnership_courses")


def run(uri, scale, runs):
    from flask_migrate import upgrade

    from training_app import clock, create_app
    from training_app.extensions import db
    from training_app.models import Course
    from training_app.reports import reach, scope
    from training_app.reports.scope import ReportFilters, current_financial_year

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": uri, "SERVER_NAME": "localhost"})
    with app.app_context():
        upgrade()
        print("Seeding:")
        seed(db, clock.now(), scale)
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))

        counts_for_pairs, counts_for_conditions = scope.partnership_courses, scope.course_conditions

        def union_conditions(filters):
            conditions = [
                condition
                for condition in counts_for_conditions(
                    ReportFilters(filters.date_from, filters.date_to, None, filters.course_id, filters.level)
                )
            ]
            if filters.partnership_id is not None:
                pairs = union_pairs()
                conditions.append(
                    Course.id.in_(select(pairs.c.course_id).where(pairs.c.partnership_id == filters.partnership_id))
                )
            return conditions

        variants = {"counts_for": (counts_for_pairs, counts_for_conditions), "union": (union_pairs, union_conditions)}
        this_year = current_financial_year()
        cases = [
            ("system admin, every year", ReportFilters(date(2000, 1, 1), date(2100, 12, 31))),
            ("system admin, this year", ReportFilters(*this_year)),
            ("IOWSCP admin, every year", ReportFilters(date(2000, 1, 1), date(2100, 12, 31), 2)),
            ("IOWSCP admin, this year", ReportFilters(*this_year, 2)),
        ]
        print(f"\nreach attended_breakdowns, median of {runs} runs (ms):")
        results = {}
        for label, filters in cases:
            line = []
            answers = {}
            for name, (pairs, conditions) in variants.items():
                reach.partnership_courses, scope.course_conditions = pairs, conditions
                timings = []
                for _ in range(runs + 1):
                    db.session.execute(text("SET LOCAL jit = off"))
                    started = time.perf_counter()
                    answers[name] = reach.attended_breakdowns(filters)
                    timings.append(time.perf_counter() - started)
                    db.session.rollback()
                results[(label, name)] = statistics.median(timings[1:])
                line.append(f"{name} {results[(label, name)] * 1000:7.0f}")
            reach.partnership_courses, scope.course_conditions = counts_for_pairs, counts_for_conditions
            same = answers["counts_for"] == answers["union"]
            print(f"  {label:26} {'   '.join(line)}   same answer: {'yes' if same else 'NO'}")
        db.session.remove()
        db.engine.dispose()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="dataset size as in reports_bench (1: a million bookings)"
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (after one warm-up)")
    args = parser.parse_args()
    scratch_database(run, args.scale, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
