"""Benchmark: certificates of attendance rendered per second, beside a floor measured in the same run.

    python bench/certificates_bench.py [N] [--processes P]   # N per measurement (default 100)

Builds a SQLite database through the migrations in a temporary folder, with N delegates who attended
an ended session of a course with four learning outcomes (released at once). Then, one after another
on one core:
  floor        a one-line PDF through the same training_app.pdf.html_to_pdf (WeasyPrint's fixed cost)
  render       certificate_pdf for N certificates already issued (the template and the PDF)
  download     GET /bookings/<id>/certificate.pdf for N other bookings as their delegates: the first
               download, so each issues the certificate (row, code, audit) and renders it
  parallel     with --processes P (P > 1): the same N renders split over P forked processes at once, as
               gunicorn's workers would serve them: certificates a second for the whole machine
Target: at least 20 certificates a second. The machine's speed drifts between days, so compare the
certificate figures with the floor of the same run.
"""

import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training_app import clock, create_app  # noqa: E402
from training_app.certificates.document import certificate_pdf  # noqa: E402
from training_app.certificates.services import issue_certificate  # noqa: E402
from training_app.extensions import db  # noqa: E402
from training_app.models import Agency, Booking, Course, CourseSession, Partnership, User  # noqa: E402
from training_app.models.vocabulary import BookingStatus, CertificateRelease  # noqa: E402
from training_app.pdf import html_to_pdf  # noqa: E402

NOW = datetime(2027, 3, 10, 12, 0)
TARGET = 20


def build(n):
    hscp = Partnership(code="HSCP", name="Hampshire Safeguarding Children Partnership")
    agency = Agency(name="Hampshire Constabulary", sector="Police", partnership=hscp)
    course = Course(
        slug="child-neglect",
        title="Child Neglect: Recognising and Responding",
        summary="",
        learning_outcomes=[
            "Recognise the signs and indicators of neglect",
            "Understand the impact of neglect on children's development",
            "Use the Hampshire neglect toolkit and graded care profile",
            "Know when and how to make a referral to children's services",
        ],
        level=3,
        level_kind="core",
        format="face_to_face",
        owner_partnership=hscp,
        certificate_release=CertificateRelease.IMMEDIATE,
    )
    course_session = CourseSession(
        course=course,
        partnership=hscp,
        starts_at=NOW - timedelta(days=1, hours=3),
        ends_at=NOW - timedelta(days=1),
        capacity=2 * n + 10,
    )
    db.session.add_all([hscp, agency, course, course_session])
    bookings = []
    for i in range(2 * n):
        user = User(
            name=f"Delegate Number {i}",
            email=f"d{i}@example.org",
            password_hash="x",
            role="practitioner",
            agency=agency,
        )
        bookings.append(Booking(session=course_session, user=user, status=BookingStatus.ATTENDED, agency=agency))
    db.session.add_all(bookings)
    db.session.commit()
    return bookings


class Timer:
    """Wall time and this process's CPU time: on a machine shared with other jobs the CPU time says
    what one free core would do (wall time includes waiting for a core)."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def done(self):
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def rate(label, n, timer, floor=None):
    seconds, cpu = timer.done()
    per_second, per_cpu_second = n / seconds, n / cpu
    extra = f", {per_second / floor:.2f} of the floor" if floor else ""
    flag = "" if floor is None else (" (target 20/s: OK)" if per_second >= TARGET else " (target 20/s: NOT MET)")
    print(
        f"{label:<10} {n} in {seconds:.2f} s = {per_second:.1f}/s, {seconds / n * 1000:.1f} ms each{extra}{flag}; "
        f"CPU {cpu / n * 1000:.1f} ms each = {per_cpu_second:.1f}/s on one free core"
    )
    return per_second


def render_share(app, ids):
    """In a forked process: render the certificates `ids` (a fresh connection, as a worker has)."""
    from training_app.models import Certificate

    with app.app_context(), app.test_request_context():
        db.engine.dispose(close=False)
        for certificate in db.session.scalars(db.select(Certificate).where(Certificate.id.in_(ids))):
            assert certificate_pdf(certificate)[:5] == b"%PDF-"


def parallel(app, ids, processes):
    import multiprocessing

    context = multiprocessing.get_context("fork")
    shares = [ids[p::processes] for p in range(processes)]
    timer = Timer()
    workers = [context.Process(target=render_share, args=(app, share)) for share in shares]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    seconds, _ = timer.done()
    per_second = len(ids) / seconds
    flag = "OK" if per_second >= TARGET else "NOT MET"
    print(
        f"parallel   {len(ids)} over {processes} processes in {seconds:.2f} s = {per_second:.1f}/s "
        f"for the machine (target 20/s: {flag})"
    )


def run(uri, n, processes=1):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": uri, "SERVER_NAME": "localhost"})
    from flask_migrate import upgrade

    clock.freeze(NOW)
    with app.app_context(), app.test_request_context():
        upgrade()
        bookings = build(n)
        issued = [issue_certificate(b.user, b, NOW) for b in bookings[:n]]
        db.session.commit()
        download_ids = [(b.id, b.user.get_id()) for b in bookings[n:]]
        # Warm up: fonts, the template cache and WeasyPrint's first-use imports.
        html_to_pdf("<p>Warm up</p>")
        certificate_pdf(issued[0])

        timer = Timer()
        for _ in range(n):
            html_to_pdf("<!DOCTYPE html><html lang='en'><body><p>One line.</p></body></html>")
        floor = rate("floor", n, timer)

        timer = Timer()
        for certificate in issued:
            assert certificate_pdf(certificate)[:5] == b"%PDF-"
        rate("render", n, timer, floor)
        issued_ids = [c.id for c in issued]
        db.session.remove()
    if processes > 1:
        parallel(app, issued_ids, processes)

    client = app.test_client()
    timer = Timer()
    for booking_id, login_id in download_ids:
        with client.session_transaction() as session:
            session["_user_id"] = login_id
            session["_fresh"] = True
        response = client.get(f"/bookings/{booking_id}/certificate.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    rate("download", n, timer, floor)
    clock.freeze(None)
    with app.app_context():
        db.engine.dispose()


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100, help="certificates per measurement")
    parser.add_argument("--processes", type=int, default=1, help="also render over this many processes at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite:///" + os.path.join(folder, "bench.db"), args.n, args.processes)


if __name__ == "__main__":
    main()
