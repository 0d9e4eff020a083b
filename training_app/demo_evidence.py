"""Demo evidence for the board (issue 16): a delivered trainer-of-trainers course, so the demand report,
the quotes page and the annual pack show something in the demo.

`seed-demo` runs it after the catalogue (training_app.demo.seed_demo), whose partnerships, agencies,
venues and demo accounts it uses. It adds:
- a Hampshire trainer-of-trainers course, "Graded Care Profile 2: train the trainer", delivered once
  about ten weeks ago and with no dates to come;
- eight demo delegates, who attended; each answered the pre- and post-course evaluations (so distance
  travelled has pairs), each in their own words; six agreed to be quoted and the team picked three;
- one onward delivery (the cascade): a delegate ran the training for their own team;
- four requests to be told when the course has new dates ("tell me when dates are available").

Idempotent like the catalogue: people are found by email, the course by slug, and the delivery,
evaluations and cascade are only made with the course's first session, so a second run adds nothing.
Everything goes through the services the pages use (submit_evaluation, pick_quote,
record_onward_delivery, register_interest), so the demo keeps their rules.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from . import clock
from .cascade.services import record_onward_delivery
from .evaluations.questions import questions_for
from .evaluations.quotes import pick_quote
from .evaluations.services import booking_opening, submit_evaluation
from .extensions import db
from .interest.services import register_interest
from .models import (
    Agency,
    Booking,
    BookingStatus,
    Course,
    CourseFormat,
    CourseInterest,
    CourseSession,
    EvaluationStage,
    LevelKind,
    Partnership,
    Role,
    SessionStatus,
    User,
    Venue,
)
from .reference import course_slug

COURSE_TITLE = "Graded Care Profile 2: train the trainer"
COURSE_OUTCOMES = [
    "Explain how the Graded Care Profile 2 measures the care a child receives",
    "Coach colleagues to complete a GCP2 assessment with a family",
    "Plan and deliver a GCP2 briefing to your own team",
]
COURSE_SUMMARY = (
    "For practitioners who will train colleagues in their own agency to use the Graded Care Profile 2 "
    "(GCP2) when neglect is a concern. Those trained record the sessions they run afterwards."
)
VENUE = "Castle Hill Training Suite"

# email, name, organisation, job role, pre ratings, post ratings, "How will you use this learning?",
# agreed to be quoted, picked for the pack. Distinct words: the pack shows each quote once.
DELEGATES = [
    (
        "aisha.khan@demo.hips.test",
        "Aisha Khan",
        "Hampshire County Council Children's Services",
        "Social worker",
        (4, 3, 2),
        (8, 7, 7),
        "I will use the GCP2 scoring with families on my caseload before every core group, so the plan "
        "rests on what the child experiences rather than on how the home looks on the day.",
        True,
        True,
    ),
    (
        "ben.oduya@demo.hips.test",
        "Ben Oduya",
        "Hampshire Constabulary",
        "Police officer",
        (3, 2, 2),
        (7, 6, 6),
        "Officers attending domestic incidents will now note the child's basic care, and I will brief my "
        "shift on what to pass to children's services.",
        True,
        True,
    ),
    (
        "carys.morgan@demo.hips.test",
        "Carys Morgan",
        "Hampshire Hospitals NHS Foundation Trust",
        "Midwife",
        (5, 4, 3),
        (8, 8, 7),
        "Antenatal visits are where I first see a family's circumstances: I will start the conversation "
        "about care and safety earlier, and record it.",
        True,
        True,
    ),
    (
        "dan.whitlock@demo.hips.test",
        "Dan Whitlock",
        "Schools and colleges",
        "Designated safeguarding lead",
        (4, 4, 3),
        (7, 7, 8),
        "Our pastoral team will use the same language as social care when we refer a concern about neglect.",
        True,
        False,
    ),
    (
        "ella.price@demo.hips.test",
        "Ella Price",
        "Early years settings",
        "Nursery manager",
        (3, 3, 2),
        (6, 7, 6),
        "I will run a short session for my key workers and add the GCP2 prompts to our daily observations.",
        True,
        False,
    ),
    (
        "farid.hassan@demo.hips.test",
        "Farid Hassan",
        "Stop Domestic Abuse",
        "Family support worker",
        (5, 3, 3),
        (8, 6, 7),
        "Supporting parents to see the gaps in care themselves, with the scale, rather than telling them.",
        True,
        False,
    ),
    (
        "grace.liu@demo.hips.test",
        "Grace Liu",
        "Southern Health NHS Foundation Trust",
        "Health visitor",
        (6, 4, 4),
        (8, 7, 8),
        "Home visits: assess nutrition, housing and supervision together, and share the scores with the GP.",
        False,
        False,
    ),
    (
        "harry.stone@demo.hips.test",
        "Harry Stone",
        "Hampshire and Isle of Wight Fire and Rescue Service",
        "Community safety officer",
        (2, 2, 1),
        (6, 5, 5),
        "Home fire safety visits will include a look at the child's living conditions and when to refer.",
        False,
        False,
    ),
]
# Asked to be told when the course has new dates: the demo practitioner and agency lead, and two more.
INTERESTED = [
    "practitioner@demo.hips.test",
    "lead@demo.hips.test",
    ("isla.brennan@demo.hips.test", "Isla Brennan", "Isle of Wight Council", "Family practitioner"),
    ("jon.mensah@demo.hips.test", "Jon Mensah", "Portsmouth City Council", "Youth worker"),
]
LIKERT = {"useful": 5, "trainer": 5, "format": 4}


def seed_evidence(today: date | None = None) -> list[str]:
    """Create whatever is missing of the demo's evidence (module docstring); seed_demo must have run.
    Returns report lines."""
    today = today or clock.to_london(clock.now()).date()
    hscp = db.session.scalars(select(Partnership).where(Partnership.code == "HSCP")).one()
    agencies = {agency.name: agency for agency in db.session.scalars(select(Agency))}
    trainer = _user("trainer@demo.hips.test")
    admin = _user("admin.hscp@demo.hips.test")
    course = db.session.scalars(select(Course).where(Course.slug == course_slug(COURSE_TITLE))).first()
    if course is None:
        course = Course(
            slug=course_slug(COURSE_TITLE),
            title=COURSE_TITLE,
            summary=COURSE_SUMMARY,
            learning_outcomes=list(COURSE_OUTCOMES),
            level=3,
            level_kind=LevelKind.SUBJECT_SPECIFIC,
            format=CourseFormat.FACE_TO_FACE,
            audience="Practitioners who will train colleagues in their own agency",
            duration_minutes=390,
            owner_partnership=hscp,
            is_trainer_of_trainers=True,
        )
        db.session.add(course)
    delegates = [_person(email, name, agencies[agency], job_role) for email, name, agency, job_role, *_ in DELEGATES]
    db.session.flush()
    delivered = 0
    if not course.sessions:
        delivered = _deliver(course, delegates, trainer, admin, today)
    for entry in INTERESTED:
        person = _user(entry) if isinstance(entry, str) else _person(entry[0], entry[1], agencies[entry[2]], entry[3])
        db.session.flush()
        register_interest(person, course)  # asking again while waiting changes nothing
    db.session.flush()
    interested = db.session.scalar(
        select(func.count(CourseInterest.id)).where(
            CourseInterest.course_id == course.id, CourseInterest.notified_at.is_(None)
        )
    )
    return [
        f"Demo evidence: {COURSE_TITLE} ({'delivered now' if delivered else 'already delivered'}; "
        f"{len(delegates)} delegates, {interested} waiting to hear of new dates)."
    ]


@cache
def _unusable_password_hash() -> str:
    """One hash of a random secret nobody is told, shared by the demo delegates: hashing is deliberately
    slow (about 0.25 s each), and these accounts are never signed in to."""
    return generate_password_hash(secrets.token_urlsafe(24))


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(func.lower(User.email) == email)).one()


def _person(email: str, name: str, agency: Agency, job_role: str) -> User:
    """The demo person with this email, created (with an unusable password) when missing."""
    user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
    if user is None:
        user = User(
            name=name,
            email=email,
            role=Role.PRACTITIONER,
            job_role=job_role,
            agency=agency,
            external_level_completed=3,
            email_confirmed_at=clock.now(),
        )
        user.password_hash = _unusable_password_hash()  # demo delegates are not for signing in
        db.session.add(user)
    return user


def _deliver(course: Course, delegates: list[User], trainer: User, admin: User, today: date) -> int:
    """The course's one delivered session, about ten weeks ago on a weekday: the register, both
    evaluations of every delegate, the quotes the team picked and one onward delivery. Returns 1."""
    day = today - timedelta(weeks=10)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    starts = clock.from_london(datetime.combine(day, time(9, 30)))
    ends = clock.from_london(datetime.combine(day, time(16, 0)))
    venue = db.session.scalars(select(Venue).where(Venue.name == VENUE)).one()
    session = CourseSession(
        course=course,
        partnership=course.owner_partnership,
        starts_at=starts,
        ends_at=ends,
        venue=venue,
        capacity=12,
        status=SessionStatus.SCHEDULED,
        booking_opens_at=starts - timedelta(weeks=8),
        booking_closes_at=starts - timedelta(days=1),
    )
    session.trainers.append(trainer)
    db.session.add(session)
    booked_at = starts - timedelta(weeks=4)
    bookings = [
        Booking(
            session=session,
            user=person,
            status=BookingStatus.CONFIRMED,
            requested_at=booked_at,
            confirmed_at=booked_at,
            agency=person.agency,
            job_role=person.job_role,
        )
        for person in delegates
    ]
    db.session.add_all(bookings)
    db.session.flush()
    for booking, (*_, pre, _post, _text, _consent, _picked) in zip(bookings, DELEGATES, strict=True):
        form_id, _questions = questions_for(course, EvaluationStage.PRE)
        opening = booking_opening(booking, EvaluationStage.PRE, starts - timedelta(days=2))
        ratings = {f"outcome_{i}": value for i, value in enumerate(pre)}
        submit_evaluation(booking.user, opening, form_id, ratings, {}, starts - timedelta(days=2))
    for booking in bookings:
        booking.status = BookingStatus.ATTENDED
        booking.attendance_recorded_at = ends
    session.status = SessionStatus.COMPLETED
    db.session.flush()
    answered = ends + timedelta(hours=3)
    for booking, (*_, post, text, consent, picked) in zip(bookings, DELEGATES, strict=True):
        form_id, _questions = questions_for(course, EvaluationStage.POST)
        opening = booking_opening(booking, EvaluationStage.POST, answered)
        ratings = {f"outcome_{i}": value for i, value in enumerate(post)} | LIKERT
        response = submit_evaluation(
            booking.user, opening, form_id, ratings, {"practice_text": text}, answered, quote_consent=consent
        )
        if picked:
            pick_quote(admin, response, True, answered + timedelta(days=7))
    first = bookings[0]
    record_onward_delivery(
        first.user,
        first,
        delivered_on=day + timedelta(weeks=3),
        sessions_run=2,
        people_reached=26,
        organisation="Hampshire County Council Children's Services",
    )
    return 1
