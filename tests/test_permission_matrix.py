"""Every route, for every kind of person: the status they must get.

The world: a Hampshire (HSCP) course with a future session taught by one trainer, on which a
practitioner (the delegate) holds a confirmed booking and has answered the pre-course evaluation;
a Hampshire e-learning course. Two shared courses owned by the Isle of Wight (IOWSCP), a HIPS
course and one run jointly with HSCP, each with a session run by HSCP and one run by IOWSCP, the
delegate booked on each (SHARED below); the session's venue, managed by Hampshire. The people
asking are never that delegate or that trainer:
  anonymous      not signed in
  practitioner   another practitioner
  trainer        a trainer who does not teach the session
  other_admin    the Isle of Wight (IOWSCP) partnership administrator
  admin          the Hampshire (HSCP) partnership administrator
  system_admin   a system administrator

GET routes are fetched; POST-only routes get a valid CSRF token and no other data. A route that is not in
MATRIX fails test_every_route_has_an_entry, so a new page cannot escape this test.

SHARED asks the course and session routes again about the shared courses: only the owner (IOWSCP)
edits a course's text, every partnership it counts for schedules sessions, and each session is
managed by the partnership that runs it.
"""

from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import current_app
from werkzeug.security import generate_password_hash

from support import session_csrf_token, venue_named
from training_app.auth.changes import make_email_change_token
from training_app.auth.services import make_confirmation_token, make_reset_token
from training_app.bookings.approvals import make_approval_token
from training_app.bookings.non_attendance import make_reason_token
from training_app.bookings.promotion import make_offer_token
from training_app.evaluations.questions import default_questions
from training_app.models import (
    AgencyLead,
    Booking,
    Certificate,
    Course,
    CourseSession,
    ExternalTraining,
    OrganisationStatus,
    TrainingRequirement,
    User,
)
from training_app.models.evaluations import EvaluationForm, EvaluationResponse
from training_app.models.reviews import CaseReview, CourseSuite, RecommendationCourse, ReviewRecommendation

ROLES = ("anonymous", "practitioner", "trainer", "other_admin", "admin", "system_admin")
SIGN_IN = "302 to /sign-in"  # anonymous on a private page
REDIRECT = "302 elsewhere"  # a redirect to anywhere but the sign-in page
PASSWORD_HASH = generate_password_hash("correct-horse-battery", method="pbkdf2:sha256:1000")

# endpoint: (method, url(world), (anonymous, practitioner, trainer, other_admin, admin, system_admin))
PUBLIC = (200,) * 6
PRIVATE_OWN = (SIGN_IN, 200, 200, 200, 200, 200)  # any signed-in person, about themselves
ADMIN_AREA = (SIGN_IN, 403, 403, 200, 200, 200)  # the admin area, scoped inside
HSCP_ADMIN = (SIGN_IN, 403, 403, 403, 200, 200)  # one HSCP course or session
REPORTS = (SIGN_IN, 403, 403, 200, 200, 200)  # scoped to the admin's partnership inside
SUMMARIES = (SIGN_IN, 403, 200, 200, 200, 200)  # trainers see their own sessions' summaries
NOT_THEIRS = (SIGN_IN, 403, 403, 403, 403, 403)  # the delegate's own booking: nobody else's business
SYSTEM_ONLY = (SIGN_IN, 403, 403, 403, 403, 200)  # partnerships: system administrators only
LEADS_ONLY = (SIGN_IN, 403, 403, 403, 403, 403)  # an agency lead's staff pages (administrators have People)

MATRIX = {
    # Public pages.
    "catalogue.index": ("GET", lambda w: "/", PUBLIC),
    "catalogue.course": ("GET", lambda w: f"/courses/{w.course.slug}", PUBLIC),
    "catalogue.session_detail": ("GET", lambda w: f"/sessions/{w.session.id}", PUBLIC),
    "catalogue.page": ("GET", lambda w: "/help/privacy", PUBLIC),
    "catalogue.help": ("GET", lambda w: "/help", PUBLIC),
    "health.healthz": ("GET", lambda w: "/healthz", PUBLIC),
    "health.readyz": ("GET", lambda w: "/readyz", PUBLIC),
    "calendar.session_ics": ("GET", lambda w: f"/sessions/{w.session.id}/calendar.ics", PUBLIC),
    "calendar.public_feed": ("GET", lambda w: "/calendar/public.ics", PUBLIC),
    # The secret token is the credential: whoever holds it reads the feed, nobody needs to sign in.
    "calendar.personal_feed": ("GET", lambda w: f"/calendar/{w.delegate.calendar_token}/bookings.ics", PUBLIC),
    "calendar.trainer_feed": ("GET", lambda w: f"/calendar/{w.session_trainer.calendar_token}/teaching.ics", PUBLIC),
    # Accounts.
    "auth.sign_in": ("GET", lambda w: "/sign-in", (200,) + (REDIRECT,) * 5),
    "auth.register": ("GET", lambda w: "/register", (200,) + (REDIRECT,) * 5),
    "auth.sign_out": ("GET", lambda w: "/sign-out", (REDIRECT,) * 6),
    "auth.forgot_password": ("GET", lambda w: "/forgot-password", PUBLIC),
    "auth.reset_password_page": ("GET", lambda w: f"/reset-password/{w.reset_token}", PUBLIC),
    # The emailed link is the credential: it confirms the address and signs its owner in.
    "auth.confirm_email_page": ("GET", lambda w: f"/confirm-email/{w.confirm_token}", (REDIRECT,) * 6),
    "auth.account": ("GET", lambda w: "/account", PRIVATE_OWN),
    "auth.change_password": ("GET", lambda w: "/account/password", PRIVATE_OWN),
    "auth.change_email": ("GET", lambda w: "/account/email", PRIVATE_OWN),
    # The emailed link is the credential (it changes the delegate's address, then sends anyone but the
    # delegate to the sign-in page); it needs no sign-in.
    "auth.confirm_email_change": ("GET", lambda w: f"/account/email/confirm/{w.email_change_token}", (SIGN_IN,) * 6),
    # Signed-in people are signed out everywhere and sent to the sign-in page too.
    "auth.sign_out_everywhere": ("POST", lambda w: "/account/sign-out-everywhere", (SIGN_IN,) * 6),
    "calendar.regenerate_token": ("POST", lambda w: "/account/calendar-token", (SIGN_IN,) + (REDIRECT,) * 5),
    # A delegate's own training.
    "bookings.my_training": ("GET", lambda w: "/my-training", PRIVATE_OWN),
    # Booking with no data: the booking page's form is posted by people; an empty one is refused or booked.
    "bookings.book": ("POST", lambda w: f"/sessions/{w.session.id}/book", (SIGN_IN,) + (REDIRECT,) * 5),
    "bookings.cancel": ("GET", lambda w: f"/bookings/{w.booking.id}/cancel", NOT_THEIRS),
    # Answering a waiting-list offer on My training: only the delegate (the world's booking is confirmed,
    # so even they would be told "no longer open"); the emailed link's signed token is its own credential.
    "bookings.answer_offer": ("POST", lambda w: f"/bookings/{w.booking.id}/offer", NOT_THEIRS),
    "bookings.offer": ("GET", lambda w: f"/offers/{w.offer_token}", PUBLIC),
    # The line manager's link: the signed token is the credential (no account, no sign-in).
    "bookings.manager_approval": ("GET", lambda w: f"/approvals/{w.approval_token}", PUBLIC),
    # Why someone did not attend: the emailed link's signed token is the credential.
    "bookings.no_show_reason": ("GET", lambda w: f"/no-show/{w.no_show_token}", PUBLIC),
    "bookings.line_manager": ("GET", lambda w: "/account/line-manager", PRIVATE_OWN),
    "bookings.complete_elearning": (
        "POST",
        lambda w: f"/courses/{w.elearning.slug}/complete",
        (SIGN_IN,) + (REDIRECT,) * 5,
    ),
    "evaluations.booking_evaluation": ("GET", lambda w: f"/evaluations/bookings/{w.booking.id}/pre", NOT_THEIRS),
    # The pre-course questions come before the e-learning: anyone signed in answers their own.
    "evaluations.elearning_evaluation": ("GET", lambda w: f"/evaluations/elearning/{w.elearning.id}/pre", PRIVATE_OWN),
    "evaluations.my_evaluations": ("GET", lambda w: "/evaluations/mine", PRIVATE_OWN),
    "evaluations.response_detail": ("GET", lambda w: f"/evaluations/responses/{w.response.id}", HSCP_ADMIN),
    # Trainers: "Sessions I deliver" lists only the sessions the viewer teaches (empty for a practitioner,
    # so nothing leaks); the register is for that session's trainers and the admins of the partnership running it.
    "bookings.trainer_sessions": ("GET", lambda w: "/trainer/sessions", PRIVATE_OWN),
    "bookings.register": ("GET", lambda w: f"/trainer/sessions/{w.session.id}/register", HSCP_ADMIN),
    "bookings.register_csv": ("GET", lambda w: f"/trainer/sessions/{w.session.id}/register.csv", HSCP_ADMIN),
    "bookings.sign_in_sheet": ("GET", lambda w: f"/trainer/sessions/{w.session.id}/sign-in-sheet", HSCP_ADMIN),
    "bookings.sign_in_sheet_pdf": ("GET", lambda w: f"/trainer/sessions/{w.session.id}/sign-in-sheet.pdf", HSCP_ADMIN),
    # Certificates: the delegate's own (an attended past session; the course releases it at once), and the
    # admins of the partnership that ran the session; the check by code is public (rate limited).
    "certificates.download": ("GET", lambda w: f"/bookings/{w.attended.id}/certificate.pdf", HSCP_ADMIN),
    "certificates.verify": ("GET", lambda w: f"/certificates/verify?code={w.certificate.code}", PUBLIC),
    "certificates.admin_list": ("GET", lambda w: "/admin/certificates", ADMIN_AREA),
    "certificates.reissue": (
        "POST",
        lambda w: f"/admin/certificates/{w.certificate.id}/reissue",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    # Evaluation summaries.
    "evaluations.summary": ("GET", lambda w: "/evaluations/summary", SUMMARIES),
    "evaluations.summary_csv": ("GET", lambda w: "/evaluations/summary/stages.csv", SUMMARIES),
    "evaluations.responses_csv": ("GET", lambda w: "/evaluations/responses.csv", SUMMARIES),
    "evaluations.edit_questions": ("GET", lambda w: f"/evaluations/courses/{w.course.id}/questions", HSCP_ADMIN),
    # Running the programme.
    "admin.index": ("GET", lambda w: "/admin/", ADMIN_AREA),
    "admin.course_new": ("GET", lambda w: "/admin/courses/new", ADMIN_AREA),
    "admin.course_edit": ("GET", lambda w: f"/admin/courses/{w.course.id}/edit", HSCP_ADMIN),
    "admin.course_sessions": ("GET", lambda w: f"/admin/courses/{w.course.id}/sessions", HSCP_ADMIN),
    "admin.session_new": ("GET", lambda w: f"/admin/courses/{w.course.id}/sessions/new", HSCP_ADMIN),
    "admin.session_edit": ("GET", lambda w: f"/admin/sessions/{w.session.id}/edit", HSCP_ADMIN),
    "admin.session_copy": ("GET", lambda w: f"/admin/sessions/{w.session.id}/copy", HSCP_ADMIN),
    "admin.course_archive": (
        "POST",
        lambda w: f"/admin/courses/{w.course.id}/archive",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    "admin.course_restore": (
        "POST",
        lambda w: f"/admin/courses/{w.course.id}/restore",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    # Venues: any administrator lists (their own) and adds; the HSCP venue is HSCP's to change.
    "admin.venues": ("GET", lambda w: "/admin/venues", ADMIN_AREA),
    "admin.venue_new": ("GET", lambda w: "/admin/venues/new", ADMIN_AREA),
    "admin.venue_edit": ("GET", lambda w: f"/admin/venues/{w.venue.id}/edit", HSCP_ADMIN),
    "admin.venue_retire": (
        "POST",
        lambda w: f"/admin/venues/{w.venue.id}/retire",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    "admin.venue_reinstate": (
        "POST",
        lambda w: f"/admin/venues/{w.venue.id}/reinstate",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    # Case reviews (issue 16): any administrator lists (their own) and adds; the HSCP review is HSCP's.
    "admin.reviews": ("GET", lambda w: "/admin/reviews", ADMIN_AREA),
    "admin.review_new": ("GET", lambda w: "/admin/reviews/new", ADMIN_AREA),
    "admin.review": ("GET", lambda w: f"/admin/reviews/{w.review.id}", HSCP_ADMIN),
    "admin.review_edit": ("GET", lambda w: f"/admin/reviews/{w.review.id}/edit", HSCP_ADMIN),
    # Deleting asks first (GET: the confirmation page, naming the links to courses that go with it).
    "admin.review_delete": ("GET", lambda w: f"/admin/reviews/{w.review.id}/delete", HSCP_ADMIN),
    "admin.recommendation_edit": ("GET", lambda w: f"/admin/recommendations/{w.recommendation.id}/edit", HSCP_ADMIN),
    "admin.recommendation_delete": (
        "GET",
        lambda w: f"/admin/recommendations/{w.recommendation.id}/delete",
        HSCP_ADMIN,
    ),
    # An empty recommendation or link is refused with the form again (400).
    "admin.recommendation_add": (
        "POST",
        lambda w: f"/admin/reviews/{w.review.id}/recommendations",
        (SIGN_IN, 403, 403, 403, 400, 400),
    ),
    "admin.recommendation_link": (
        "POST",
        lambda w: f"/admin/recommendations/{w.recommendation.id}/courses",
        (SIGN_IN, 403, 403, 403, 400, 400),
    ),
    "admin.recommendation_unlink": (
        "POST",
        lambda w: f"/admin/recommendations/{w.recommendation.id}/courses/{w.course.id}/remove",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    # Suites: any administrator lists (their own) and adds; the HSCP suite is HSCP's to change.
    "admin.suites": ("GET", lambda w: "/admin/suites", ADMIN_AREA),
    "admin.suite_new": ("GET", lambda w: "/admin/suites/new", ADMIN_AREA),
    "admin.suite_edit": ("GET", lambda w: f"/admin/suites/{w.suite.id}/edit", HSCP_ADMIN),
    "bookings.admin_session_bookings": ("GET", lambda w: f"/admin/sessions/{w.session.id}/bookings", HSCP_ADMIN),
    "bookings.admin_cancel_session": ("GET", lambda w: f"/admin/sessions/{w.session.id}/cancel", HSCP_ADMIN),
    "bookings.book_someone": ("GET", lambda w: f"/admin/sessions/{w.session.id}/book-someone", HSCP_ADMIN),
    "bookings.email_delegates": ("GET", lambda w: f"/admin/sessions/{w.session.id}/email", HSCP_ADMIN),
    "bookings.admin_postpone_session": ("GET", lambda w: f"/admin/sessions/{w.session.id}/postpone", HSCP_ADMIN),
    "bookings.admin_capacity": (
        "POST",
        lambda w: f"/admin/sessions/{w.session.id}/capacity",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    # The confirmation page asking for the reason (its POST: tests/test_booking_state_rules.py).
    "bookings.admin_cancel_booking": ("GET", lambda w: f"/admin/bookings/{w.booking.id}/cancel", HSCP_ADMIN),
    "bookings.admin_move_booking": ("GET", lambda w: f"/admin/bookings/{w.booking.id}/move", HSCP_ADMIN),
    # A partnership's contact details: its own admins and system admins (Hampshire's here).
    "admin.partnership_contact": ("GET", lambda w: f"/admin/partnerships/{w.partnership.id}/contact", HSCP_ADMIN),
    "admin.partnership_non_attendance": (
        "GET",
        lambda w: f"/admin/partnerships/{w.partnership.id}/non-attendance",
        HSCP_ADMIN,
    ),
    # Data-protection rights and the audit log.
    # People: any administrator may search (among the people of their area); the delegate works for a
    # Hampshire organisation, so only Hampshire's admins and system admins see or change them.
    "admin.users": ("GET", lambda w: "/admin/users", ADMIN_AREA),
    "admin.user_role": ("GET", lambda w: f"/admin/users/{w.delegate.id}/role", HSCP_ADMIN),
    "admin.person": ("GET", lambda w: f"/admin/users/{w.delegate.id}", HSCP_ADMIN),
    "admin.person_edit": ("GET", lambda w: f"/admin/users/{w.delegate.id}/edit", HSCP_ADMIN),
    "admin.person_deactivate": ("GET", lambda w: f"/admin/users/{w.delegate.id}/deactivate", HSCP_ADMIN),
    "admin.person_reactivate": ("GET", lambda w: f"/admin/users/{w.delegate.id}/reactivate", HSCP_ADMIN),
    "admin.person_resend_confirmation": (
        "POST",
        lambda w: f"/admin/users/{w.delegate.id}/resend-confirmation",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    # Reference data: organisations in Hampshire's area are Hampshire's admins' (and system admins').
    "admin.organisations": ("GET", lambda w: "/admin/organisations", ADMIN_AREA),
    "admin.organisation_new": ("GET", lambda w: "/admin/organisations/new", ADMIN_AREA),
    "admin.organisation_edit": ("GET", lambda w: f"/admin/organisations/{w.agency.id}/edit", HSCP_ADMIN),
    "admin.organisation_approve": ("GET", lambda w: f"/admin/organisations/{w.pending.id}/approve", HSCP_ADMIN),
    "admin.organisation_merge": ("GET", lambda w: f"/admin/organisations/{w.pending.id}/merge", HSCP_ADMIN),
    "admin.organisation_retire": ("GET", lambda w: f"/admin/organisations/{w.agency.id}/retire", HSCP_ADMIN),
    # Not retired, so there is nothing to reinstate: 404 once the permission check has passed.
    "admin.organisation_reinstate": (
        "GET",
        lambda w: f"/admin/organisations/{w.agency.id}/reinstate",
        (SIGN_IN, 403, 403, 403, 404, 404),
    ),
    "admin.partnerships": ("GET", lambda w: "/admin/partnerships", SYSTEM_ONLY),
    "admin.partnership_new": ("GET", lambda w: "/admin/partnerships/new", SYSTEM_ONLY),
    "admin.partnership_edit": ("GET", lambda w: f"/admin/partnerships/{w.partnership.id}/edit", SYSTEM_ONLY),
    "admin.partnership_retire": ("GET", lambda w: f"/admin/partnerships/{w.partnership.id}/retire", SYSTEM_ONLY),
    "admin.partnership_reinstate": (
        "GET",
        lambda w: f"/admin/partnerships/{w.partnership.id}/reinstate",
        (SIGN_IN, 403, 403, 403, 403, 404),
    ),
    "privacy.export_data": ("GET", lambda w: "/account/data.json", PRIVATE_OWN),
    "privacy.close_account": ("GET", lambda w: "/account/close", PRIVATE_OWN),
    "privacy.audit_log": ("GET", lambda w: "/admin/audit", (SIGN_IN, 403, 403, 403, 403, 200)),
    # Reports.
    "reports.index": ("GET", lambda w: "/reports/", REPORTS),
    "reports.capacity": ("GET", lambda w: "/reports/capacity", REPORTS),
    "reports.capacity_csv": ("GET", lambda w: "/reports/capacity.csv", REPORTS),
    "reports.reach": ("GET", lambda w: "/reports/reach", REPORTS),
    "reports.non_attendance": ("GET", lambda w: "/reports/non-attendance", REPORTS),
    "reports.non_attendance_csv": ("GET", lambda w: "/reports/non-attendance.csv", REPORTS),
    "reports.reach_csv": ("GET", lambda w: "/reports/reach.csv", REPORTS),
    "reports.annual": ("GET", lambda w: "/reports/annual", REPORTS),
    "reports.annual_csv": ("GET", lambda w: "/reports/annual.csv", REPORTS),
    "reports.bookings_csv": ("GET", lambda w: "/reports/bookings.csv", REPORTS),
    # The training record: one's own for everyone; the delegate's (a Hampshire organisation's) for
    # Hampshire's admins and system admins, every view audited; their certificate likewise.
    "records.my_record": ("GET", lambda w: "/my-record", PRIVATE_OWN),
    "records.my_record_csv": ("GET", lambda w: "/my-record.csv", PRIVATE_OWN),
    "records.my_record_pdf": ("GET", lambda w: "/my-record.pdf", PRIVATE_OWN),
    "records.add_external": ("GET", lambda w: "/my-record/external/new", PRIVATE_OWN),
    "records.person_record": ("GET", lambda w: f"/records/people/{w.delegate.id}", HSCP_ADMIN),
    "records.person_record_csv": ("GET", lambda w: f"/records/people/{w.delegate.id}/record.csv", HSCP_ADMIN),
    "records.person_record_pdf": ("GET", lambda w: f"/records/people/{w.delegate.id}/record.pdf", HSCP_ADMIN),
    "records.certificate": ("GET", lambda w: f"/records/external/{w.external.id}/certificate", HSCP_ADMIN),
    "records.verify_external": (
        "POST",
        lambda w: f"/records/external/{w.external.id}/verify",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    "records.import_elearning_page": ("GET", lambda w: "/records/import-elearning", ADMIN_AREA),
    "records.requirements_page": ("GET", lambda w: "/records/requirements", SYSTEM_ONLY),
    "records.edit_requirement": ("GET", lambda w: f"/records/requirements/{w.requirement.id}/edit", SYSTEM_ONLY),
    "records.delete_requirement_page": (
        "GET",
        lambda w: f"/records/requirements/{w.requirement.id}/delete",
        SYSTEM_ONLY,
    ),
    # Compliance: administrators, each over the people of their area.
    "records.compliance": ("GET", lambda w: "/records/compliance", REPORTS),
    "records.compliance_csv": ("GET", lambda w: "/records/compliance.csv", REPORTS),
    "records.compliance_people": (
        "GET",
        lambda w: f"/records/compliance/requirements/{w.requirement.id}/people",
        REPORTS,
    ),
    # Agency training leads: appointed on the person page by the admins of the organisation's area (the
    # delegate's organisation is Hampshire's) and system admins; the lead's pages are for leads only
    # (test_agency_lead_answers_as_a_practitioner_except_on_their_pages signs in as the world's lead).
    "admin.person_lead": ("GET", lambda w: f"/admin/users/{w.delegate.id}/lead", HSCP_ADMIN),
    "admin.person_lead_remove": (
        "POST",
        lambda w: f"/admin/users/{w.lead.id}/lead/{w.agency.id}/remove",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    "agency.staff": ("GET", lambda w: "/agency/staff", LEADS_ONLY),
    "agency.staff_csv": ("GET", lambda w: "/agency/staff.csv", LEADS_ONLY),
    "agency.person": ("GET", lambda w: f"/agency/staff/{w.delegate.id}", LEADS_ONLY),
    "agency.book": ("GET", lambda w: f"/agency/staff/{w.delegate.id}/book", LEADS_ONLY),
    "agency.approvals": ("GET", lambda w: "/agency/approvals", LEADS_ONLY),
    "agency.approval": ("GET", lambda w: f"/agency/approvals/{w.booking.id}", LEADS_ONLY),
    "reports.demand": ("GET", lambda w: "/reports/demand", REPORTS),
    "reports.demand_csv": ("GET", lambda w: "/reports/demand.csv", REPORTS),
    "reports.quotes": ("GET", lambda w: "/reports/quotes", REPORTS),
    # Choosing a comment for the pack: admins of the partnership that ran the session (then a redirect).
    "reports.pick": (
        "POST",
        lambda w: f"/reports/quotes/{w.response.id}",
        (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT),
    ),
    # Onward delivery: only the delegate, on an attended trainer-of-trainers place (none of the askers).
    "cascade.record": ("GET", lambda w: f"/my-training/{w.attended.id}/onward-delivery", NOT_THEIRS),
    # Interest in a course: any signed-in person, about themselves.
    "interest.register": ("POST", lambda w: f"/courses/{w.course.id}/interest", (SIGN_IN,) + (REDIRECT,) * 5),
    "interest.withdraw": ("POST", lambda w: f"/courses/{w.course.id}/interest/stop", (SIGN_IN,) + (REDIRECT,) * 5),
    "reports.annual_pdf": ("GET", lambda w: "/reports/annual.pdf", REPORTS),
    "reports.annual_pack_csv": ("GET", lambda w: "/reports/annual-pack.csv", REPORTS),
    "reports.reviews": ("GET", lambda w: "/reports/reviews", REPORTS),
    # Traceability of the HSCP review: HSCP's administrators and system administrators.
    "reports.traceability": ("GET", lambda w: f"/reports/reviews/{w.review.id}", HSCP_ADMIN),
    "reports.traceability_csv": ("GET", lambda w: f"/reports/reviews/{w.review.id}.csv", HSCP_ADMIN),
}

# The world's agency lead (of the delegate's organisation) answers every route as a practitioner does,
# except these.
LEAD_OVERRIDES = {
    "agency.staff": 200,
    "agency.staff_csv": 200,
    "agency.person": 200,
    "agency.book": 200,
    "agency.approvals": 200,
    "agency.approval": 200,
    # The full training record of their organisation's staff (the world's delegate), audited.
    "records.person_record": 200,
    "records.person_record_csv": 200,
    "records.person_record_pdf": 200,
    "records.certificate": 200,
    # Compliance over their organisations' staff.
    "records.compliance": 200,
    "records.compliance_csv": 200,
    "records.compliance_people": 200,
}


# Shared courses (owned by IOWSCP: `other_admin`; HSCP is `admin`), for each of "hips" and "joint".
OWNER_IOWSCP = (SIGN_IN, 403, 403, 200, 403, 200)  # the course's text: its owner only
OWNER_IOWSCP_POST = (SIGN_IN, 403, 403, REDIRECT, 403, REDIRECT)
RUNNERS = (SIGN_IN, 403, 403, 200, 200, 200)  # its sessions: every partnership it counts for
RUN_BY_HSCP, RUN_BY_HSCP_POST = HSCP_ADMIN, (SIGN_IN, 403, 403, 403, REDIRECT, REDIRECT)
RUN_BY_IOWSCP, RUN_BY_IOWSCP_POST = OWNER_IOWSCP, OWNER_IOWSCP_POST


def shared_course_rows(kind):
    """(label, method, url(world), expected) for the shared course `kind` and its two sessions."""

    def course(w):
        return w.shared[kind]

    rows = [
        ("admin.course_edit", "GET", lambda w: f"/admin/courses/{course(w).id}/edit", OWNER_IOWSCP),
        ("evaluations.edit_questions", "GET", lambda w: f"/evaluations/courses/{course(w).id}/questions", OWNER_IOWSCP),
        ("admin.course_archive", "POST", lambda w: f"/admin/courses/{course(w).id}/archive", OWNER_IOWSCP_POST),
        ("admin.course_restore", "POST", lambda w: f"/admin/courses/{course(w).id}/restore", OWNER_IOWSCP_POST),
        ("admin.course_sessions", "GET", lambda w: f"/admin/courses/{course(w).id}/sessions", RUNNERS),
        ("admin.session_new", "GET", lambda w: f"/admin/courses/{course(w).id}/sessions/new", RUNNERS),
    ]
    for runner, get, post in (("HSCP", RUN_BY_HSCP, RUN_BY_HSCP_POST), ("IOWSCP", RUN_BY_IOWSCP, RUN_BY_IOWSCP_POST)):

        def session_id(w, runner=runner):
            return w.shared_sessions[kind, runner].id

        def booking_id(w, runner=runner):
            return w.shared_bookings[kind, runner].id

        rows += [
            (f"admin.session_edit run by {runner}", "GET", lambda w, s=session_id: f"/admin/sessions/{s(w)}/edit", get),
            # Every partnership that runs the course may copy any of its sessions (the copy is its own).
            (
                f"admin.session_copy run by {runner}",
                "GET",
                lambda w, s=session_id: f"/admin/sessions/{s(w)}/copy",
                RUNNERS,
            ),
            (
                f"bookings.register run by {runner}",
                "GET",
                lambda w, s=session_id: f"/trainer/sessions/{s(w)}/register",
                get,
            ),
            (
                f"bookings.sign_in_sheet run by {runner}",
                "GET",
                lambda w, s=session_id: f"/trainer/sessions/{s(w)}/sign-in-sheet",
                get,
            ),
            (
                f"bookings.sign_in_sheet_pdf run by {runner}",
                "GET",
                lambda w, s=session_id: f"/trainer/sessions/{s(w)}/sign-in-sheet.pdf",
                get,
            ),
            (
                f"bookings.admin_session_bookings run by {runner}",
                "GET",
                lambda w, s=session_id: f"/admin/sessions/{s(w)}/bookings",
                get,
            ),
            (
                f"bookings.admin_postpone_session run by {runner}",
                "GET",
                lambda w, s=session_id: f"/admin/sessions/{s(w)}/postpone",
                get,
            ),
            (
                f"bookings.admin_capacity run by {runner}",
                "POST",
                lambda w, s=session_id: f"/admin/sessions/{s(w)}/capacity",
                post,
            ),
            (
                f"bookings.admin_move_booking run by {runner}",
                "GET",
                lambda w, b=booking_id: f"/admin/bookings/{b(w)}/move",
                get,
            ),
            (
                f"bookings.admin_cancel_booking run by {runner}",
                "GET",  # the confirmation page asking for the reason
                lambda w, b=booking_id: f"/admin/bookings/{b(w)}/cancel",
                get,
            ),
        ]
    return {f"{kind}: {label}": (method, url, expected) for label, method, url, expected in rows}


SHARED = {**shared_course_rows("hips"), **shared_course_rows("joint")}


def person(db, role, partnership=None, agency=None, name=None):
    user = User(
        name=name or role,
        email=f"{name or role}@example.org",
        role=role,
        partnership=partnership,
        agency=agency,
        job_role="Social worker",
        password_hash=PASSWORD_HASH,
    )
    db.session.add(user)
    return user


@pytest.fixture
def world(db, partnerships, make_agency, frozen_clock):
    from datetime import datetime

    frozen_clock(datetime(2027, 3, 1, 10, 0))
    agency = make_agency("Hampshire County Council", "Children's social care", partnerships["HSCP"])
    pending = make_agency("Hampshire Youth Sailing Club", "Voluntary and community", partnerships["HSCP"])
    pending.status = OrganisationStatus.PENDING
    hscp = partnerships["HSCP"]
    people = {
        "practitioner": person(db, "practitioner", agency=agency),
        "trainer": person(db, "trainer", agency=agency),
        "other_admin": person(db, "partnership_admin", partnerships["IOWSCP"], agency, name="iow-admin"),
        "admin": person(db, "partnership_admin", hscp, agency, name="hscp-admin"),
        "system_admin": person(db, "system_admin", agency=agency),
    }
    delegate = person(db, "practitioner", agency=agency, name="delegate")
    lead = person(db, "agency_lead", agency=agency, name="agency-lead")
    db.session.add(AgencyLead(user=lead, agency=agency))
    session_trainer = person(db, "trainer", agency=agency, name="session-trainer")
    course = Course(
        slug="working-together",
        title="Working Together",
        summary="Multi-agency working.",
        learning_outcomes=["Know the duties", "Share information"],
        level=3,
        level_kind="core",
        format="face_to_face",
        owner_partnership=hscp,
        status="published",
    )
    elearning = Course(
        slug="level-1-online",
        title="Level 1 online",
        summary="Basics.",
        learning_outcomes=[],
        level=1,
        level_kind="core",
        format="elearning",
        owner_partnership=hscp,
        elearning_url="https://learning.example.org/level-1",
        status="published",
    )
    start = datetime(2027, 3, 15, 9, 30)
    course_session = CourseSession(
        course=course,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=20,
        venue=venue_named("Castle Hill, Winchester"),
    )
    course_session.venue.partnership = hscp
    course_session.trainers.append(session_trainer)
    db.session.add_all([course, elearning, course_session])
    db.session.flush()
    booking = Booking(
        session=course_session,
        user=delegate,
        status="confirmed",
        agency=agency,
        confirmed_at=datetime(2027, 2, 1, 12, 0),
        requested_at=datetime(2027, 2, 1, 12, 0),
        # Approved by their line manager (whose emailed link shows it to whoever holds it).
        manager_name="Manny Manager",
        manager_email="manny@example.org",
        approval_requested_at=datetime(2027, 2, 1, 12, 0),
        no_show_asked_at=datetime(2027, 2, 1, 12, 0),  # as if once marked absent (the reason link opens)
    )
    # Someone offered a freed place (the offer link's page shows it to whoever holds the link).
    offered = Booking(
        session=course_session,
        user=person(db, "practitioner", agency=agency, name="offered"),
        status="offered",
        agency=agency,
        requested_at=datetime(2027, 2, 2, 12, 0),
        offer_expires_at=datetime(2027, 3, 3, 10, 0),
    )
    db.session.add_all([booking, offered])
    db.session.flush()
    form = EvaluationForm(course=course, stage="pre", version=1, questions=default_questions(course, "pre"))
    response = EvaluationResponse(
        form=form,
        course=course,
        session=course_session,
        booking=booking,
        user=delegate,
        pair_key=f"booking:{booking.id}",
        stage="pre",
        agency_id=agency.id,
        sector=agency.sector,
    )
    db.session.add_all([form, response])
    # A past session of the course the delegate attended, and its certificate (a HSCP session).
    course.certificate_release = "immediate"
    past = CourseSession(
        course=course,
        starts_at=datetime(2027, 2, 15, 9, 30),
        ends_at=datetime(2027, 2, 15, 12, 30),
        capacity=20,
        venue=course_session.venue,
    )
    attended = Booking(session=past, user=delegate, status="attended", agency=agency)
    db.session.add_all([past, attended])
    db.session.flush()
    certificate = Certificate(
        code="ABCD-EFGH-JKMN-PQRS",
        booking_id=attended.id,
        user_id=delegate.id,
        holder_name=delegate.name,
        course_title=course.title,
        attended_at=past.starts_at,
        duration_minutes=180,
        learning_outcomes=course.learning_outcomes,
        partnership_name=hscp.name,
    )
    db.session.add(certificate)
    shared, shared_sessions, shared_bookings = {}, {}, {}
    for kind in ("hips", "joint"):
        shared[kind] = Course(
            slug=f"shared-{kind}",
            title=f"Shared {kind}",
            summary="Run by more than one partnership.",
            learning_outcomes=["Work together"],
            format="face_to_face",
            owner_partnership=partnerships["IOWSCP"],
            is_hips=kind == "hips",
            joint_partnerships=[hscp] if kind == "joint" else [],
            status="published",
        )
        for runner in ("HSCP", "IOWSCP"):
            shared_sessions[kind, runner] = CourseSession(
                course=shared[kind],
                partnership=partnerships[runner],
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                capacity=20,
                venue=venue_named("Riverside Centre, Newport"),
            )
            shared_bookings[kind, runner] = Booking(
                session=shared_sessions[kind, runner],
                user=delegate,
                status="confirmed",
                agency=agency,
                confirmed_at=datetime(2027, 2, 1, 12, 0),
                requested_at=datetime(2027, 2, 1, 12, 0),
            )
    db.session.add_all([*shared.values(), *shared_sessions.values(), *shared_bookings.values()])
    # Training the delegate did elsewhere, with a certificate on disk.
    certificate_file = Path(current_app.config["UPLOAD_FOLDER"]) / "matrix-certificate.pdf"
    certificate_file.write_bytes(b"%PDF-1.7 matrix")
    external = ExternalTraining(
        user=delegate,
        title="Employer's safeguarding day",
        completed_at=datetime(2027, 1, 10),
        level=2,
        certificate_file=certificate_file.name,
        certificate_name="certificate.pdf",
        certificate_type="application/pdf",
    )
    requirement = TrainingRequirement(name="Level 3", level=3, validity_months=36)
    db.session.add_all([external, requirement])
    # A Hampshire case review whose recommendation the Hampshire course answers; a Hampshire suite.
    review = CaseReview(partnership=hscp, kind="lcspr", title="Child A", published_on=date(2026, 9, 1))
    recommendation = ReviewRecommendation(review=review, number=1, text="Share information early.")
    recommendation.links.append(RecommendationCourse(course=course, outcome_indexes=[1]))
    suite = CourseSuite(name="Neglect", partnership=hscp, courses=[course])
    db.session.add_all([review, recommendation, suite])
    db.session.commit()
    return SimpleNamespace(
        shared=shared,
        external=external,
        requirement=requirement,
        shared_sessions=shared_sessions,
        shared_bookings=shared_bookings,
        agency=agency,
        pending=pending,
        people=people,
        partnership=hscp,
        delegate=delegate,
        lead=lead,
        session_trainer=session_trainer,
        course=course,
        elearning=elearning,
        session=course_session,
        venue=course_session.venue,
        booking=booking,
        attended=attended,
        certificate=certificate,
        response=response,
        reset_token=make_reset_token(delegate),
        confirm_token=make_confirmation_token(delegate),
        email_change_token=make_email_change_token(delegate, "delegate.new@example.org"),
        offer_token=make_offer_token(offered),
        approval_token=make_approval_token(booking),
        no_show_token=make_reason_token(booking),
        review=review,
        recommendation=recommendation,
        suite=suite,
    )


def outcome(response):
    if response.status_code == 302:
        return SIGN_IN if response.headers["Location"].split("?")[0].endswith("/sign-in") else REDIRECT
    return response.status_code


def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints - set(MATRIX) == set(), "routes without an entry in the permission matrix"
    assert set(MATRIX) - endpoints == set(), "entries for routes that no longer exist"


def test_every_entry_names_its_route(app):
    adapter = app.url_map.bind("localhost")
    for endpoint, (method, url, expected) in MATRIX.items():
        assert len(expected) == len(ROLES), endpoint
        world = SimpleNamespace(
            course=SimpleNamespace(id=1, slug="c"),
            elearning=SimpleNamespace(id=2, slug="e"),
            session=SimpleNamespace(id=3),
            venue=SimpleNamespace(id=7),
            booking=SimpleNamespace(id=4),
            attended=SimpleNamespace(id=10),
            certificate=SimpleNamespace(id=11, code="ABCD-EFGH-JKMN-PQRS"),
            response=SimpleNamespace(id=5),
            reset_token="t",
            confirm_token="c",
            email_change_token="e",
            offer_token="o",
            approval_token="a",
            no_show_token="n",
            delegate=SimpleNamespace(calendar_token="d", id=6),
            lead=SimpleNamespace(id=12),
            session_trainer=SimpleNamespace(calendar_token="s"),
            agency=SimpleNamespace(id=7),
            pending=SimpleNamespace(id=8),
            partnership=SimpleNamespace(id=9),
            external=SimpleNamespace(id=10),
            requirement=SimpleNamespace(id=11),
            review=SimpleNamespace(id=12),
            recommendation=SimpleNamespace(id=13),
            suite=SimpleNamespace(id=14),
        )
        matched, _ = adapter.match(url(world).split("?")[0], method=method)
        assert matched == endpoint, (endpoint, url(world))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_each_role_as_the_product_requires(client, login, world, endpoint, role):
    method, url, expected = MATRIX[endpoint]
    if role != "anonymous":
        login(world.people[role])
    if method == "GET":
        response = client.get(url(world))
    else:
        response = client.post(url(world), data={"csrf_token": session_csrf_token(client)})
    assert outcome(response) == expected[ROLES.index(role)], f"{role} {method} {url(world)}"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_agency_lead_answers_as_a_practitioner_except_on_their_pages(client, login, world, endpoint):
    method, url, expected = MATRIX[endpoint]
    want = LEAD_OVERRIDES.get(endpoint, expected[ROLES.index("practitioner")])
    login(world.lead)
    if method == "GET":
        response = client.get(url(world))
    else:
        response = client.post(url(world), data={"csrf_token": session_csrf_token(client)})
    assert outcome(response) == want, f"agency lead {method} {url(world)}"


def test_lead_overrides_name_routes_in_the_matrix():
    assert set(LEAD_OVERRIDES) <= set(MATRIX)


def test_shared_course_rows_name_their_routes(app):
    adapter = app.url_map.bind("localhost")
    ids = iter(range(1, 10**6))
    world = SimpleNamespace(
        shared={kind: SimpleNamespace(id=next(ids)) for kind in ("hips", "joint")},
        shared_sessions={(k, r): SimpleNamespace(id=next(ids)) for k in ("hips", "joint") for r in ("HSCP", "IOWSCP")},
        shared_bookings={(k, r): SimpleNamespace(id=next(ids)) for k in ("hips", "joint") for r in ("HSCP", "IOWSCP")},
    )
    for label, (method, url, expected) in SHARED.items():
        assert len(expected) == len(ROLES), label
        matched, _ = adapter.match(url(world), method=method)
        assert matched == label.split(": ")[1].split(" ")[0], (label, url(world))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", sorted(SHARED))
def test_shared_courses_answer_each_role_as_the_product_requires(client, login, world, case, role):
    method, url, expected = SHARED[case]
    if role != "anonymous":
        login(world.people[role])
    if method == "GET":
        response = client.get(url(world))
    else:
        response = client.post(url(world), data={"csrf_token": session_csrf_token(client)})
    assert outcome(response) == expected[ROLES.index(role)], f"{role} {method} {url(world)}"
