"""Reports for the partnership team: capacity, reach and the annual report pack.

Every figure is computed from the booking tables on each request (no cached counters), so the
reports are live: a booking made a second ago is counted. The counting is done by the database
with GROUP BY; only the roll-ups of per-session rows into courses, levels, partnerships, months
and financial years are summed in Python, because months and financial years are London dates
(a 00:30 BST start belongs to the London day, not the UTC one) and SQLite has no time zones.

Definitions (the same words appear in the help text on each page):

- **Period**: a session belongs to the period when its start, as a London date, falls between
  "from" and "to" inclusive. An e-learning completion belongs when its completion date does.
- **Sessions run**: sessions whose status is scheduled or completed. Cancelled and postponed
  sessions, and their bookings, are left out of every capacity figure.
- **Capacity**: the sum of those sessions' capacities.
- **Confirmed (places taken)**: bookings that are confirmed, attended or no-show.
- **Waitlisted**: bookings on the waiting list now.
- **Fill rate**: places taken ÷ capacity.
- **Attended** / **No-shows**: bookings marked attended / did not attend on the register.
- **No-show rate**: no-shows ÷ (attended + no-shows); blank until a register is taken.
- **Cancellations**: bookings cancelled (by the delegate, an administrator or the system).
- **Late cancellations**: cancellations made after the cancellation cut-off.
- **Delegates**: attended bookings (one person attending two sessions is two delegates).
- **Unique practitioners**: distinct people among those delegates.
- **Agency, sector and job role** are those recorded on the booking when it was made.
- **A partnership's figures**: courses it owns, runs jointly, or HIPS courses (which count for
  all four partnerships), so partnership rows overlap and do not add up to the total.
"""
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from datetime import date, datetime, time, timedelta

from sqlalchemy import (String, and_, case, cast, distinct, func, literal_column, null, or_, select, text, true,
                        union, union_all)

from .. import clock
from ..extensions import db
from ..models import LEVEL_KINDS, Agency, Booking, Course, CourseSession, ElearningCompletion, Partnership, User
from ..models.catalogue import course_partnerships

TAKEN_STATUSES = ("confirmed", "attended", "no_show")
RUN_STATUSES = ("scheduled", "completed")
UNDERFILLED_DAYS = 14
UNDERFILLED_THRESHOLD = 0.5
NOT_RECORDED = "Not recorded"


class ReportForbidden(Exception):
    """The person may not see reports."""

    def __init__(self, message="Only partnership administrators can see reports"):
        super().__init__(message)
        self.message = message


# --- periods and filters ---------------------------------------------------------------------

def financial_year_start(day):
    """The 1 April that starts the financial year containing `day`."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def financial_year_label(day):
    start = financial_year_start(day).year
    return f"{start}/{(start + 1) % 100:02d}"


def current_financial_year(now=None):
    """(1 April, 31 March) of the financial year containing today in London."""
    today = clock.to_london(now or clock.now()).date()
    start = financial_year_start(today)
    return start, date(start.year + 1, 3, 31)


@dataclass(frozen=True)
class ReportFilters:
    """Validated filters. `partnership_id` is the partnership whose figures are shown (None: all)."""

    date_from: date
    date_to: date
    partnership_id: int = None
    course_id: int = None
    level: int = None

    @property
    def utc_bounds(self):
        start = clock.from_london(datetime.combine(self.date_from, time()))
        end = clock.from_london(datetime.combine(self.date_to + timedelta(days=1), time()))
        return start, end


def report_scope(actor, filters):
    """The filters an actor may use: a partnership admin always sees only their partnership.

    Raises ReportForbidden for anyone who is not an administrator.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role not in (
            "partnership_admin", "system_admin"):
        raise ReportForbidden()
    if actor.role == "partnership_admin":
        return replace(filters, partnership_id=actor.partnership_id)
    return filters


def partnership_courses():
    """SQL: (course_id, partnership_id) for every partnership whose figures include a course:
    its owner, partnerships running it jointly, and all four for a HIPS course.

    A plain table of pairs (rather than an OR of three conditions) lets the database hash-join on
    it, and keeps the planner's estimates small.
    """
    owned = select(Course.id.label("course_id"), Course.owner_partnership_id.label("partnership_id"))
    joint = select(course_partnerships.c.course_id, course_partnerships.c.partnership_id)
    hips = select(Course.id, Partnership.id).join(Partnership, true()).where(Course.is_hips.is_(True))
    return union(owned, joint, hips).subquery("partnership_courses")


def in_partnership(partnership_id):
    """SQL: the course (Course) counts for the partnership: owned, joint or HIPS."""
    pairs = partnership_courses()
    return Course.id.in_(select(pairs.c.course_id).where(pairs.c.partnership_id == partnership_id))


def without_jit():
    """PostgreSQL: no JIT compilation for this transaction's report queries.

    Report queries over many rows cross PostgreSQL's jit_above_cost, and compiling them costs about
    0.4 s, several times more than running them. SET LOCAL ends with the transaction.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def course_conditions(filters):
    """Conditions on Course for the partnership, course and level filters."""
    conditions = []
    if filters.partnership_id is not None:
        conditions.append(in_partnership(filters.partnership_id))
    if filters.course_id is not None:
        conditions.append(Course.id == filters.course_id)
    if filters.level is not None:
        conditions.append(Course.level == filters.level)
    return conditions


def session_conditions(filters):
    """Conditions on CourseSession and Course: the period (session start) and the course filters."""
    start, end = filters.utc_bounds
    return [CourseSession.starts_at >= start, CourseSession.starts_at < end, *course_conditions(filters)]


def courses_in_scope(actor):
    """(id, title) of every course an actor's reports can show, for the course filter."""
    scoped = report_scope(actor, ReportFilters(date.min, date.min))
    query = select(Course.id, Course.title).where(*course_conditions(scoped)).order_by(Course.title, Course.id)
    return db.session.execute(query).all()


def partnership_choices():
    return db.session.execute(select(Partnership.id, Partnership.code, Partnership.name)
                              .order_by(Partnership.code)).all()


def level_label(level, level_kind):
    if level is None:
        return "No level"
    return LEVEL_KINDS.get(level_kind, "Level {n}").format(n=level)


# --- capacity ----------------------------------------------------------------------------------

@dataclass
class Figures:
    """Capacity figures for one session or a group of sessions (see the module docstring)."""

    sessions: int = 0
    capacity: int = 0
    confirmed: int = 0
    waitlisted: int = 0
    attended: int = 0
    no_shows: int = 0
    cancellations: int = 0
    late_cancellations: int = 0

    COUNTS = ("sessions", "capacity", "confirmed", "waitlisted", "attended", "no_shows", "cancellations",
              "late_cancellations")

    def add(self, other):
        # Spelled out: this runs once per session per roll-up, tens of thousands of times a page.
        self.sessions += other.sessions
        self.capacity += other.capacity
        self.confirmed += other.confirmed
        self.waitlisted += other.waitlisted
        self.attended += other.attended
        self.no_shows += other.no_shows
        self.cancellations += other.cancellations
        self.late_cancellations += other.late_cancellations
        return self

    @property
    def fill_rate(self):
        """Places taken ÷ capacity (None when there is no capacity)."""
        return self.confirmed / self.capacity if self.capacity else None

    @property
    def no_show_rate(self):
        """No-shows ÷ (attended + no-shows) (None until a register is taken)."""
        marked = self.attended + self.no_shows
        return self.no_shows / marked if marked else None

    @property
    def unmet_demand(self):
        return self.waitlisted > 0


@dataclass
class SessionFigures:
    id: int
    course_id: int
    course_title: str
    level: int
    level_kind: str
    starts_at: datetime
    status: str
    partnership_ids: tuple
    figures: Figures
    underfilled: bool = False

    @property
    def level_label(self):
        return level_label(self.level, self.level_kind)


@dataclass
class Group:
    key: object
    label: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class CapacityReport:
    filters: ReportFilters
    sessions: list
    totals: Figures
    by_course: list
    by_level: list
    by_partnership: list
    by_month: list
    by_financial_year: list
    underfilled: list
    unmet_demand: list
    underfilled_days: int
    underfilled_threshold: float


def booking_counts():
    """Labelled SQL sums over Booking rows (use with GROUP BY)."""
    def count_where(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
    return [
        count_where(Booking.status.in_(TAKEN_STATUSES)).label("confirmed"),
        count_where(Booking.status == "waitlisted").label("waitlisted"),
        count_where(Booking.status == "attended").label("attended"),
        count_where(Booking.status == "no_show").label("no_shows"),
        count_where(Booking.status == "cancelled").label("cancellations"),
        count_where(and_(Booking.status == "cancelled", Booking.late_cancellation.is_(True)))
        .label("late_cancellations"),
    ]


def session_figures(conditions, partnership_ids_by_course=None):
    """Per-session figures for sessions run matching `conditions`, counted by one GROUP BY query.

    Only scheduled and completed sessions are included. Returns SessionFigures in start order.
    """
    query = (
        select(CourseSession.id, CourseSession.course_id, Course.title, Course.level, Course.level_kind,
               Course.owner_partnership_id, Course.is_hips, CourseSession.starts_at, CourseSession.status,
               CourseSession.capacity, *booking_counts())
        .select_from(CourseSession)
        .join(Course, Course.id == CourseSession.course_id)
        .outerjoin(Booking, Booking.session_id == CourseSession.id)
        .where(CourseSession.status.in_(RUN_STATUSES), *conditions)
        .group_by(CourseSession.id, CourseSession.course_id, Course.title, Course.level, Course.level_kind,
                  Course.owner_partnership_id, Course.is_hips, CourseSession.starts_at, CourseSession.status,
                  CourseSession.capacity)
        .order_by(CourseSession.starts_at, CourseSession.id)
    )
    rows = db.session.execute(query).all()
    partnerships = partnership_ids_by_course if partnership_ids_by_course is not None else \
        course_partnership_ids({row.course_id for row in rows})
    return [
        SessionFigures(
            id=row.id, course_id=row.course_id, course_title=row.title, level=row.level,
            level_kind=row.level_kind, starts_at=row.starts_at, status=row.status,
            partnership_ids=partnerships.get(row.course_id, ()),
            figures=Figures(sessions=1, capacity=row.capacity, confirmed=row.confirmed, waitlisted=row.waitlisted,
                            attended=row.attended, no_shows=row.no_shows, cancellations=row.cancellations,
                            late_cancellations=row.late_cancellations),
        )
        for row in rows
    ]


def course_partnership_ids(course_ids):
    """{course_id: tuple of partnership ids whose figures include it} (HIPS courses: all)."""
    if not course_ids:
        return {}
    all_ids = tuple(db.session.scalars(select(Partnership.id).order_by(Partnership.id)))
    result = {}
    rows = db.session.execute(select(Course.id, Course.owner_partnership_id, Course.is_hips)
                              .where(Course.id.in_(course_ids))).all()
    joints = defaultdict(set)
    for course_id, partnership_id in db.session.execute(
            select(course_partnerships.c.course_id, course_partnerships.c.partnership_id)
            .where(course_partnerships.c.course_id.in_(course_ids))):
        joints[course_id].add(partnership_id)
    for course_id, owner_id, is_hips in rows:
        result[course_id] = all_ids if is_hips else tuple(sorted({owner_id} | joints[course_id]))
    return result


def roll_up(rows, key_and_label):
    """Sum SessionFigures into Groups; `key_and_label(row)` returns one or more (key, label) pairs."""
    groups = {}
    for row in rows:
        pairs = key_and_label(row)
        for key, label in pairs:
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(key, label)
            group.figures.add(row.figures)
    return [groups[key] for key in sorted(groups, key=_sort_key)]


def _sort_key(key):
    # None (no level) sorts last; mixed keys compare as strings.
    return (key is None, str(key) if not isinstance(key, (int, tuple)) else key)


def capacity_report(actor, filters, now=None, underfilled_days=UNDERFILLED_DAYS,
                    underfilled_threshold=UNDERFILLED_THRESHOLD):
    """Capacity, demand and attendance for the actor's scope and filters.

    Per session, and rolled up per course, level, partnership, month and financial year (London
    dates). Under-filled: scheduled sessions starting within `underfilled_days` from `now` whose
    fill rate is below `underfilled_threshold` (whatever the period filter). Unmet demand: courses
    with anyone on a waiting list in the period. Raises ReportForbidden for non-administrators.
    """
    filters = report_scope(actor, filters)
    without_jit()
    now = now or clock.now()
    partnerships = {p.id: p.code for p in partnership_choices()}

    rows = session_figures(session_conditions(filters))
    upcoming = session_figures([CourseSession.status == "scheduled", CourseSession.starts_at > now,
                                CourseSession.starts_at <= now + timedelta(days=underfilled_days),
                                *course_conditions(filters)])
    underfilled = [row for row in upcoming
                   if row.figures.fill_rate is not None and row.figures.fill_rate < underfilled_threshold]
    underfilled_ids = {row.id for row in underfilled}
    for row in rows + underfilled:
        row.underfilled = row.id in underfilled_ids

    totals = Figures()
    for row in rows:
        totals.add(row.figures)

    def by_partnership(row):
        ids = row.partnership_ids
        if filters.partnership_id is not None:
            ids = [pid for pid in ids if pid == filters.partnership_id]
        return [(partnerships[pid], partnerships[pid]) for pid in ids]

    def by_month(row):
        local = clock.to_london(row.starts_at)
        return [((local.year, local.month), local.strftime("%B %Y"))]

    def by_year(row):
        label = financial_year_label(clock.to_london(row.starts_at).date())
        return [(label, label)]

    by_course = roll_up(rows, lambda row: [((row.course_title, row.course_id), row.course_title)])
    return CapacityReport(
        filters=filters,
        sessions=rows,
        totals=totals,
        by_course=by_course,
        by_level=roll_up(rows, lambda row: [((row.level or 99, row.level_kind or ""), row.level_label)]),
        by_partnership=roll_up(rows, by_partnership),
        by_month=roll_up(rows, by_month),
        by_financial_year=roll_up(rows, by_year),
        underfilled=underfilled,
        # Largest waiting lists first: where more sessions would be filled.
        unmet_demand=sorted((group for group in by_course if group.figures.unmet_demand),
                            key=lambda group: (-group.figures.waitlisted, group.label)),
        underfilled_days=underfilled_days,
        underfilled_threshold=underfilled_threshold,
    )


# --- reach ------------------------------------------------------------------------------------

@dataclass
class ReachRow:
    label: str
    delegates: int
    practitioners: int
    detail: str = ""


@dataclass
class ReachReport:
    filters: ReportFilters
    delegates: int
    practitioners: int
    by_agency: list
    by_sector: list
    by_partnership: list
    by_job_role: list
    elearning_completions: int
    elearning_practitioners: int
    elearning_by_course: list


def attended_breakdowns(filters, by_course=False):
    """Delegates and unique practitioners: totals, and by agency, sector, partnership and job role
    (and by course when asked).

    One statement: the attended bookings in scope are selected once (a CTE, which PostgreSQL
    materialises because it is used several times) and each breakdown is a GROUP BY over it,
    joined with UNION ALL. Unique practitioners need COUNT(DISTINCT) per group, so they cannot be
    summed from smaller groups.
    """
    attended = (
        select(Booking.user_id, Booking.agency_id, Booking.job_role, Course.id.label("course_id"),
               Course.owner_partnership_id, Course.is_hips)
        .select_from(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(Booking.status == "attended", *session_conditions(filters))
        .cte("attended")
    )
    a = attended.c
    counts = (func.count().label("delegates"), func.count(distinct(a.user_id)).label("practitioners"))
    no_text = cast(null(), String)

    def dimension(name):
        return literal_column(f"'{name}'", String).label("dimension")

    pairs = partnership_courses()
    partnership_join = Partnership.id == pairs.c.partnership_id
    if filters.partnership_id is not None:
        partnership_join = and_(partnership_join, Partnership.id == filters.partnership_id)
    parts = [
        select(dimension("total"), no_text.label("label"), no_text.label("detail"), *counts).select_from(attended),
        select(dimension("agency"), Agency.name, Agency.sector, *counts).select_from(attended)
        .outerjoin(Agency, Agency.id == a.agency_id).group_by(Agency.id, Agency.name, Agency.sector),
        select(dimension("sector"), Agency.sector, no_text, *counts).select_from(attended)
        .outerjoin(Agency, Agency.id == a.agency_id).group_by(Agency.sector),
        select(dimension("partnership"), Partnership.code, Partnership.name, *counts).select_from(attended)
        .join(pairs, pairs.c.course_id == a.course_id).join(Partnership, partnership_join)
        .group_by(Partnership.code, Partnership.name),
        select(dimension("job_role"), a.job_role, no_text, *counts).select_from(attended).group_by(a.job_role),
    ]
    if by_course:
        parts.append(select(dimension("course"), cast(a.course_id, String), no_text, *counts)
                     .select_from(attended).group_by(a.course_id))
    grouped = defaultdict(list)
    for row in db.session.execute(union_all(*parts)):
        grouped[row.dimension].append(row)
    total = grouped["total"][0]

    def ordered(name):
        items = [ReachRow(row.label or NOT_RECORDED, row.delegates, row.practitioners, row.detail or "")
                 for row in grouped[name]]
        return sorted(items, key=lambda item: (-item.delegates, item.label == NOT_RECORDED, item.label))

    result = {
        "delegates": total.delegates,
        "practitioners": total.practitioners,
        "by_agency": ordered("agency"),
        "by_sector": ordered("sector"),
        "by_partnership": sorted(ordered("partnership"), key=lambda item: item.label),
        "by_job_role": ordered("job_role"),
    }
    if by_course:
        result["by_course"] = {int(row.label): row for row in grouped["course"]}
    return result


def elearning_figures(filters):
    """E-learning completions in the period: total, distinct people, and per course."""
    start, end = filters.utc_bounds
    conditions = [Course.format == "elearning", ElearningCompletion.completed_at >= start,
                  ElearningCompletion.completed_at < end, *course_conditions(filters)]
    base = select().select_from(ElearningCompletion).join(Course, Course.id == ElearningCompletion.course_id)
    total, people = db.session.execute(
        base.add_columns(func.count(ElearningCompletion.id), func.count(distinct(ElearningCompletion.user_id)))
        .where(*conditions)).one()
    per_course = db.session.execute(
        base.add_columns(Course.title, func.count(ElearningCompletion.id).label("completions"),
                         func.count(distinct(ElearningCompletion.user_id)).label("practitioners"))
        .where(*conditions).group_by(Course.id, Course.title).order_by(Course.title)).all()
    return total, people, [ReachRow(row.title, row.completions, row.practitioners) for row in per_course]


def reach_report(actor, filters):
    """Who the programme reached in the period: delegates (attended bookings) and unique practitioners
    by agency, sector, partnership (of the course; HIPS counts for all four) and job role, plus
    e-learning completions. Raises ReportForbidden for non-administrators.
    """
    filters = report_scope(actor, filters)
    without_jit()
    breakdowns = attended_breakdowns(filters)
    completions, people, per_course = elearning_figures(filters)
    return ReachReport(filters=filters, elearning_completions=completions, elearning_practitioners=people,
                       elearning_by_course=per_course, **breakdowns)


# --- annual report pack -------------------------------------------------------------------------

EVALUATIONS_PENDING = "Evaluation figures appear here once evaluations are collected"


@dataclass
class CourseDelivery:
    course_id: int
    title: str
    sessions: int
    delegates: int
    practitioners: int
    distance: object = None  # the evaluations area's summary for the course, when there is one


@dataclass
class AnnualReport:
    filters: ReportFilters
    courses_delivered: int
    sessions_delivered: int
    delegates: int
    practitioners: int
    by_agency: list
    by_sector: list
    courses: list
    elearning_completions: int
    elearning_practitioners: int
    evaluations_available: bool
    impact_comments: list


def delivered_condition(now):
    """A session was delivered when it is completed, or scheduled and already over."""
    return or_(CourseSession.status == "completed",
               and_(CourseSession.status == "scheduled", CourseSession.ends_at <= now))


def evaluation_summaries(filters, comment_count=6):
    """Per-course distance travelled and a selection of impact comments, from the evaluations area.

    Uses the evaluations area's own summary functions (training_app.evaluations.summaries:
    paired_outcomes, the pre/post pairs behind build_summary's distance travelled, and comments)
    for the same period, partnership, course and level, so both areas report the same numbers.
    Only these two are called: the pack needs neither response rates nor satisfaction.
    Returns (available, {course_id: PairStat with mean_change and n}, [ImpactComment]).
    When the evaluations area is not installed, returns (False, {}, []) and the page says figures
    will appear once evaluations are collected.
    """
    try:
        from ..evaluations.summaries import PairStat, Scope, comments, paired_outcomes
    except ImportError:
        return False, {}, []
    start, end = filters.utc_bounds
    scope = Scope(partnership_id=filters.partnership_id, course_id=filters.course_id, level=filters.level,
                  date_from=start, date_to=end)
    per_course = {}
    for stat in paired_outcomes(scope):
        per_course.setdefault(stat.course_id, PairStat("", course_id=stat.course_id)).add(stat)
    selected = []
    for comment in comments(scope, with_names=False, limit=comment_count * 4)[1]:
        text = (comment.get("practice_text") or comment.get("changed_text") or "").strip()
        if text and len(selected) < comment_count:
            selected.append(ImpactComment(text=text, course_title=comment.get("title") or ""))
    return True, {course_id: stat for course_id, stat in per_course.items() if stat.n}, selected


@dataclass
class ImpactComment:
    text: str
    course_title: str


def annual_report(actor, filters, now=None):
    """The annual report pack: courses and sessions delivered, delegates trained and unique
    practitioners in the period, by agency and sector and per course, with e-learning completions
    and (when evaluations exist) distance travelled and impact comments.
    Raises ReportForbidden for non-administrators.
    """
    filters = report_scope(actor, filters)
    without_jit()
    now = now or clock.now()
    delivered = delivered_condition(now)
    sessions_delivered, courses_delivered = db.session.execute(
        select(func.count(CourseSession.id), func.count(distinct(CourseSession.course_id)))
        .select_from(CourseSession).join(Course, Course.id == CourseSession.course_id)
        .where(delivered, *session_conditions(filters))).one()
    breakdowns = attended_breakdowns(filters, by_course=True)

    sessions_per_course = dict(db.session.execute(
        select(CourseSession.course_id, func.count(CourseSession.id))
        .join(Course, Course.id == CourseSession.course_id)
        .where(delivered, *session_conditions(filters)).group_by(CourseSession.course_id)).all())
    attended_per_course = breakdowns["by_course"]
    titles = dict(db.session.execute(select(Course.id, Course.title).where(
        Course.id.in_(set(sessions_per_course) | set(attended_per_course)))).all()) if (
        sessions_per_course or attended_per_course) else {}
    courses = sorted(
        (CourseDelivery(course_id=course_id, title=titles[course_id],
                        sessions=sessions_per_course.get(course_id, 0),
                        delegates=attended_per_course[course_id].delegates if course_id in attended_per_course else 0,
                        practitioners=attended_per_course[course_id].practitioners
                        if course_id in attended_per_course else 0)
         for course_id in titles),
        key=lambda course: (course.title, course.course_id))

    available, summaries, comments = evaluation_summaries(filters)
    for course in courses:
        course.distance = summaries.get(course.course_id)
    completions, people, _ = elearning_figures(filters)
    return AnnualReport(
        filters=filters, courses_delivered=courses_delivered, sessions_delivered=sessions_delivered,
        delegates=breakdowns["delegates"], practitioners=breakdowns["practitioners"],
        by_agency=breakdowns["by_agency"], by_sector=breakdowns["by_sector"], courses=courses,
        elearning_completions=completions, elearning_practitioners=people,
        evaluations_available=available, impact_comments=comments,
    )


# --- rows for CSV -------------------------------------------------------------------------------

def bookings_rows(actor, filters, batch_size=2000):
    """Every booking on sessions in the actor's scope and filters, streamed from the database.

    Yields tuples (header first). Rows are fetched `batch_size` at a time through a server-side
    cursor on PostgreSQL, so memory does not grow with the number of bookings.
    Raises ReportForbidden for non-administrators.
    """
    filters = report_scope(actor, filters)
    without_jit()
    yield ("Booking ID", "Session ID", "Course", "Session starts (London)", "Session status", "Delegate",
           "Email", "Agency", "Sector", "Job role", "Booking status", "Requested (London)",
           "Cancelled (London)", "Late cancellation")
    query = (
        select(Booking.id, Booking.session_id, Course.title, CourseSession.starts_at, CourseSession.status,
               User.name, User.email, Agency.name.label("agency"), Agency.sector, Booking.job_role,
               Booking.status.label("booking_status"), Booking.requested_at, Booking.cancelled_at,
               Booking.late_cancellation)
        .select_from(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .join(User, User.id == Booking.user_id)
        .outerjoin(Agency, Agency.id == Booking.agency_id)
        .where(*session_conditions(filters))
        .order_by(CourseSession.starts_at, Booking.session_id, Booking.id)
        # stream_results: a server-side cursor on PostgreSQL, read `batch_size` rows at a time.
        .execution_options(stream_results=True, max_row_buffer=batch_size, yield_per=batch_size)
    )
    # Core execution on the session's connection: no ORM row processing for a million rows.
    result = db.session.connection().execute(query)
    try:
        for partition in result.partitions(batch_size):
            for (booking_id, session_id, title, starts_at, session_status, name, email, agency, sector, job_role,
                 status, requested_at, cancelled_at, late) in partition:
                yield (booking_id, session_id, title, london(starts_at), session_status, name, email, agency,
                       sector, job_role, status, london(requested_at), london(cancelled_at),
                       "yes" if late else "no")
    finally:
        result.close()


@lru_cache(maxsize=8192)
def _london_offset(utc_hour):
    # Europe/London changes offset on the hour (01:00 UTC), so one lookup per UTC hour is exact.
    return clock.to_london(utc_hour).utcoffset()


def london(value):
    """'YYYY-MM-DD HH:MM' in London time for a naive UTC datetime ('' for None)."""
    if value is None:
        return ""
    local = value + _london_offset(value.replace(minute=0, second=0, microsecond=0))
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def rate(value):
    return "" if value is None else f"{value * 100:.1f}%"


FIGURE_HEADER = ("Sessions run", "Capacity", "Confirmed (places taken)", "Waitlisted", "Fill rate", "Attended",
                 "No-shows", "No-show rate", "Cancellations", "Late cancellations")


def figure_cells(figures):
    return (figures.sessions, figures.capacity, figures.confirmed, figures.waitlisted, rate(figures.fill_rate),
            figures.attended, figures.no_shows, rate(figures.no_show_rate), figures.cancellations,
            figures.late_cancellations)


def capacity_rows(report):
    """CSV rows of a capacity report: every session, then each roll-up, then the total."""
    yield ("Breakdown", "Session ID", "Course / group", "Level", "Starts (London)", "Under-filled") + FIGURE_HEADER
    for row in report.sessions:
        yield ("Session", row.id, row.course_title, row.level_label, london(row.starts_at),
               "yes" if row.underfilled else "no") + figure_cells(row.figures)
    for name, groups in (("Course", report.by_course), ("Level", report.by_level),
                         ("Partnership", report.by_partnership), ("Month", report.by_month),
                         ("Financial year", report.by_financial_year)):
        for group in groups:
            yield (name, "", group.label, "", "", "") + figure_cells(group.figures)
    yield ("Total", "", "All sessions in the report", "", "", "") + figure_cells(report.totals)


def reach_rows(report):
    yield ("Breakdown", "Group", "Detail", "Delegates (attended)", "Unique practitioners")
    yield ("Total", "All", "", report.delegates, report.practitioners)
    for name, rows in (("Agency", report.by_agency), ("Sector", report.by_sector),
                       ("Partnership", report.by_partnership), ("Job role", report.by_job_role)):
        for row in rows:
            yield (name, row.label, row.detail, row.delegates, row.practitioners)
    yield ("E-learning", "All e-learning", "", report.elearning_completions, report.elearning_practitioners)
    for row in report.elearning_by_course:
        yield ("E-learning course", row.label, "", row.delegates, row.practitioners)


def annual_rows(report):
    f = report.filters
    yield ("Section", "Item", "Detail", "Value", "Second value")
    yield ("Period", "From", "", f.date_from.isoformat(), "")
    yield ("Period", "To", "", f.date_to.isoformat(), "")
    yield ("Headline", "Courses delivered", "", report.courses_delivered, "")
    yield ("Headline", "Sessions delivered", "", report.sessions_delivered, "")
    yield ("Headline", "Delegates trained (attended)", "", report.delegates, "")
    yield ("Headline", "Unique practitioners", "", report.practitioners, "")
    yield ("Headline", "E-learning completions", "", report.elearning_completions, "")
    for row in report.by_agency:
        yield ("Agency (delegates, unique practitioners)", row.label, row.detail, row.delegates, row.practitioners)
    for row in report.by_sector:
        yield ("Sector (delegates, unique practitioners)", row.label, "", row.delegates, row.practitioners)
    for course in report.courses:
        yield ("Course (sessions delivered, delegates)", course.title, "", course.sessions, course.delegates)
        if course.distance is not None:
            yield ("Course distance travelled (mean change, pairs)", course.title, "",
                   round(course.distance.mean_change, 2), course.distance.n)
    if not any(course.distance is not None for course in report.courses):
        yield ("Evaluations", EVALUATIONS_PENDING, "", "", "")
    for comment in report.impact_comments:
        yield ("Impact comment", comment.course_title, "", comment.text, "")
