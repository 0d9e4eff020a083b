"""Demo data: the real HIPS catalogue (training_app/data/catalogue.json) and demo accounts.

Idempotent: rows are found by natural key (partnership code, agency name, course slug,
email) and only created when missing, so running `seed-demo` twice changes nothing.
"""

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from . import clock
from .extensions import db
from .models import (
    Agency,
    AgencyLead,
    Course,
    CourseFormat,
    CourseSession,
    Partnership,
    Role,
    SessionStatus,
    User,
    Venue,
)
from .reference import course_from_item, course_slug

DATA_FILE = Path(__file__).parent / "data" / "catalogue.json"

DEMO_ACCOUNTS = [
    # email, name, role, partnership, password
    ("practitioner@demo.hips.test", "Priya Practitioner", Role.PRACTITIONER, None, "demo-practitioner-pass"),
    ("trainer@demo.hips.test", "Tom Trainer", Role.TRAINER, None, "demo-trainer-pass"),
    ("admin.hscp@demo.hips.test", "Hannah HSCP Admin", Role.PARTNERSHIP_ADMIN, "HSCP", "demo-hscp-admin-pass"),
    ("admin.iow@demo.hips.test", "Ian IOWSCP Admin", Role.PARTNERSHIP_ADMIN, "IOWSCP", "demo-iow-admin-pass"),
    ("sysadmin@demo.hips.test", "Sam System Admin", Role.SYSTEM_ADMIN, None, "demo-system-admin-pass"),
    # Leads the training of the practitioner's organisation (agency/).
    ("lead@demo.hips.test", "Lee Agency Lead", Role.AGENCY_LEAD, None, "demo-agency-lead-pass"),
]

# Made-up but plausible venues, one or two per partnership; the first is where that partnership's
# face-to-face sessions are held. name, address (lines), postcode, room size, access, parking.
VENUES = {
    "HSCP": [
        (
            "Castle Hill Training Suite",
            "Elizabeth II Court\nThe Castle\nWinchester",
            "SO23 8UJ",
            40,
            "Step-free entrance from Castle Avenue. Lift to all floors. Hearing loop in the main room.",
            "No public parking on site. Pay and display at Tower Street car park (5 minutes' walk).",
        ),
        (
            "Basingstoke Discovery Centre",
            "Festival Place\nBasingstoke",
            "RG21 7LJ",
            24,
            "Ground-floor meeting room; accessible toilet next door.",
            "Festival Place car parks (charged).",
        ),
    ],
    "IOWSCP": [
        (
            "County Hall",
            "High Street\nNewport\nIsle of Wight",
            "PO30 1UD",
            30,
            "Ramp at the Fairlee Road entrance. Lift to the first-floor training room.",
            "Limited visitor spaces; Church Litten car park is 3 minutes' walk.",
        ),
    ],
    "PSCP": [
        (
            "Civic Offices",
            "Guildhall Square\nPortsmouth",
            "PO1 2AL",
            35,
            "Step-free access from Guildhall Square. Lifts to all floors. Quiet room on request.",
            "Isambard Brunel multi-storey car park (charged), 5 minutes' walk. "
            "Blue badge bays on Winston Churchill Avenue.",
        ),
    ],
    "SSCP": [
        (
            "Civic Centre",
            "Civic Centre Road\nSouthampton",
            "SO14 7LY",
            50,
            "Level access from the Civic Centre Road entrance. Accessible toilets on every floor.",
            "Civic Centre car park on Commercial Road (charged). Central station is 10 minutes' walk.",
        ),
    ],
}

# Demo contact details: example.org addresses and Ofcom's drama numbers (01632 960xxx), clearly not real.
DEMO_CONTACTS = {
    "HSCP": ("hscp.training@example.org", "01632 960 101", "Monday to Friday, 9am to 5pm"),
    "IOWSCP": ("iowscp.training@example.org", "01632 960 202", "Monday to Thursday, 9am to 4:30pm"),
    "PSCP": ("pscp.training@example.org", "01632 960 303", "Monday to Friday, 8:30am to 4:30pm"),
    "SSCP": ("sscp.training@example.org", "01632 960 404", "Monday to Friday, 9am to 5pm"),
}

GENERIC_OUTCOMES = [
    "Recognise the signs that a child may be at risk of harm in this area",
    "Understand your role and responsibilities, and those of partner agencies",
    "Know how to respond, record and refer concerns in line with HIPS procedures",
]

# Demo courses are found again by slug, as loaded reference courses are.
slugify = course_slug


def load_catalogue():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def shift_weeks(published_dates, today):
    """Whole weeks that move the earliest published date to at least two weeks from today."""
    earliest = min(published_dates)
    target = today + timedelta(days=14)
    return max(0, -(-(target - earliest).days // 7))


def seed_demo(today=None):
    """Create whatever is missing of the demo catalogue and accounts. Returns report lines."""
    data = load_catalogue()
    today = today or clock.to_london(clock.now()).date()
    report = []
    created = {"partnerships": 0, "agencies": 0, "venues": 0, "courses": 0, "sessions": 0, "accounts": 0}

    partnerships = {p.code: p for p in db.session.scalars(select(Partnership))}
    for item in data["partnerships"]:
        if item["code"] not in partnerships:
            partnerships[item["code"]] = Partnership(code=item["code"], name=item["name"])
            db.session.add(partnerships[item["code"]])
            created["partnerships"] += 1
        partnership = partnerships[item["code"]]
        if not partnership.contact_email and item["code"] in DEMO_CONTACTS:
            email, phone, hours = DEMO_CONTACTS[item["code"]]
            partnership.contact_email, partnership.contact_phone, partnership.opening_hours = email, phone, hours

    agencies = {a.name: a for a in db.session.scalars(select(Agency))}
    for item in data["agencies_seen"]:
        if item["name"] not in agencies:
            agencies[item["name"]] = Agency(
                name=item["name"], sector=item["sector"], partnership=partnerships.get(item.get("partnership"))
            )
            db.session.add(agencies[item["name"]])
            created["agencies"] += 1
    db.session.flush()

    venues = {v.name: v for v in db.session.scalars(select(Venue))}
    home_venue = {}
    for code, listed in VENUES.items():
        for name, address, postcode, room, access, parking in listed:
            if name not in venues:
                venues[name] = Venue(
                    name=name,
                    address=address,
                    postcode=postcode,
                    room_capacity=room,
                    accessibility_notes=access,
                    parking_notes=parking,
                    partnership=partnerships[code],
                )
                db.session.add(venues[name])
                created["venues"] += 1
        home_venue[code] = venues[listed[0][0]]
    db.session.flush()

    users = {}
    for email, name, role, partnership_code, password in DEMO_ACCOUNTS:
        user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
        if user is None:
            user = User(
                name=name,
                email=email,
                role=role,
                job_role=_demo_job_role(role),
                partnership=partnerships.get(partnership_code) if partnership_code else None,
                agency=agencies["Hampshire and Isle of Wight Integrated Care Board"],
                external_level_completed=2 if role == Role.PRACTITIONER else 3,
                email_confirmed_at=clock.now(),
            )
            user.set_password(password)
            db.session.add(user)
            created["accounts"] += 1
        users[role] = user
        report.append(f"  {ROLE_NAMES[role]:<28} {email:<32} password: {password}")
    db.session.flush()
    lead = users[Role.AGENCY_LEAD]
    if lead.agency_id is not None and db.session.get(AgencyLead, (lead.id, lead.agency_id)) is None:
        db.session.add(AgencyLead(user_id=lead.id, agency_id=lead.agency_id))

    labels = data["level_labels_seen"]
    dated = [date.fromisoformat(s["date"]) for c in data["courses"] for s in c.get("sessions", [])]
    weeks = shift_weeks(dated, today)
    undated_index = 0
    for item in data["courses"]:
        if db.session.scalars(select(Course.id).where(Course.slug == course_slug(item["title"]))).first():
            continue
        course = course_from_item(item, labels, partnerships, default_outcomes=GENERIC_OUTCOMES)
        db.session.add(course)
        created["courses"] += 1
        partner = _partner(item)
        for published in item.get("sessions", []):
            day = date.fromisoformat(published["date"]) + timedelta(weeks=weeks)
            created["sessions"] += _add_session(
                course,
                day,
                published["start"],
                published["end"],
                None,
                published.get("platform"),
                40,
                users[Role.TRAINER],
            )
        if partner and item.get("sessions"):
            # A shared course is run by its partners too: one more run, a fortnight after the last.
            last = max(item["sessions"], key=lambda published: published["date"])
            created["sessions"] += _add_session(
                course,
                date.fromisoformat(last["date"]) + timedelta(weeks=weeks + 2),
                last["start"],
                last["end"],
                None,
                last.get("platform"),
                40,
                users[Role.TRAINER],
                partnerships[partner],
            )
        if not item.get("sessions") and item["format"] == CourseFormat.FACE_TO_FACE:
            # Undated courses get two sessions, a month apart, on a weekday that rotates.
            minutes = item.get("duration_minutes") or 180
            first = today + timedelta(days=21 + undated_index % 5)
            if "Wednesday" in item["title"]:
                first += timedelta(days=(2 - first.weekday()) % 7)
            while first.weekday() >= 5:
                first += timedelta(days=1)
            start = datetime.combine(first, time(9, 30))
            end = start + timedelta(minutes=minutes)
            # A shared course's second run is its partner's, at the partner's venue.
            for offset, runner in ((0, item["owner"]), (28, partner or item["owner"])):
                day = first + timedelta(days=offset)
                created["sessions"] += _add_session(
                    course,
                    day,
                    start.strftime("%H:%M"),
                    end.strftime("%H:%M"),
                    home_venue[runner],
                    None,
                    25,
                    users[Role.TRAINER],
                    partnerships[runner],
                )
            undated_index += 1
    db.session.flush()
    summary = ", ".join(f"{n} {name}" for name, n in created.items())
    return [f"Demo data loaded (created: {summary}).", "Demo accounts:"] + report


ROLE_NAMES = {
    Role.PRACTITIONER: "Practitioner",
    Role.TRAINER: "Trainer",
    Role.PARTNERSHIP_ADMIN: "Partnership admin",
    Role.SYSTEM_ADMIN: "System admin",
    Role.AGENCY_LEAD: "Agency training lead",
}


def _partner(item):
    """The partnership that also runs a shared course in the demo: its joint partner, or for a HIPS
    course Hampshire (Portsmouth for Hampshire's own), so the demo admins see sessions of courses
    they do not own. None for a course only its owner runs."""
    if item.get("joint_with"):
        return item["joint_with"][0]
    if item.get("hips"):
        return "PSCP" if item["owner"] == "HSCP" else "HSCP"
    return None


def _demo_job_role(role):
    return {Role.PRACTITIONER: "Health visitor", Role.TRAINER: "Safeguarding trainer"}.get(role, "Training coordinator")


def _add_session(course, day, start, end, venue, platform, capacity, trainer, partnership=None):
    """Add one scheduled session, run by `partnership` (None: the course's owner). Returns 1."""
    starts = clock.from_london(datetime.combine(day, time.fromisoformat(start)))
    ends = clock.from_london(datetime.combine(day, time.fromisoformat(end)))
    session = CourseSession(
        course=course,
        partnership=partnership or course.owner_partnership,
        starts_at=starts,
        ends_at=ends,
        venue=venue,
        online_platform=None if venue else platform,
        join_url=(
            "https://teams.microsoft.com/l/meetup-join/demo"
            if platform == "Microsoft Teams"
            else "https://zoom.us/j/0000000000"
            if platform == "Zoom"
            else None
        ),
        capacity=capacity,
        status=SessionStatus.SCHEDULED,
        booking_closes_at=starts - timedelta(days=1),
    )
    session.trainers.append(trainer)
    db.session.add(session)
    return 1
