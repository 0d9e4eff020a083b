"""Evaluation summaries: distance travelled, response rates, satisfaction and comments.

Every figure is aggregated in the database with GROUP BY; Python only combines the sums
(counts, sums and sums of squares are additive) and computes means and confidence intervals.
Distance travelled = post rating - pre rating, per delegate per outcome, from pairs by the same
delegate only (same pair_key: the same booking, or the same person and e-learning course).
"""
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Agency, Booking, Course, CourseSession, ElearningCompletion, User
from ..models.catalogue import course_partnerships, session_trainers
from ..models.evaluations import OUTCOME_KEY, STAGES, EvaluationRating, EvaluationResponse
from .services import AGREE_LABELS, FOLLOW_UP_LIKERT, IMPACT_LABELS, STANDARD_LIKERT, latest_form

# Two-sided 95%: t(0.975, df) for df = 1..30; beyond that a Cornish-Fisher expansion around z.
T_975 = [12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252,
         2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830, 2.160368656, 2.144786688,
         2.131449546, 2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447, 2.079613845,
         2.073873068, 2.068657610, 2.063898562, 2.059538553, 2.055529439, 2.051830516, 2.048407142,
         2.045229642, 2.042272456]
Z_975 = 1.959963985


def t_975(df):
    """The 0.975 quantile of Student's t with `df` degrees of freedom (accurate to about 1e-6)."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df <= 30:
        return T_975[df - 1]
    z = Z_975
    g1 = (z ** 3 + z) / 4
    g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96
    g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384
    g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160
    return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4


@dataclass
class Scope:
    """What a summary covers. Dates are naive UTC; date_to is exclusive."""

    session_id: int = None
    course_id: int = None
    trainer_id: int = None
    partnership_id: int = None
    agency_id: int = None
    sector: str = None
    level: int = None
    date_from: datetime = None
    date_to: datetime = None
    date_basis: str = "session"  # "session" (session start) or "submitted"

    def query_args(self):
        args = {}
        for name in ("session_id", "course_id", "trainer_id", "partnership_id", "agency_id", "sector", "level"):
            value = getattr(self, name)
            if value not in (None, ""):
                args[name.replace("_id", "")] = value
        return args


@dataclass
class PairStat:
    """Distance travelled for one outcome (or a combination): sums from the database."""

    label: str
    n: int = 0
    sum_pre: int = 0
    sum_post: int = 0
    sum_change: int = 0
    sum_change_sq: int = 0
    improved: int = 0
    unchanged: int = 0
    worse: int = 0
    course_id: int = None
    outcome_index: int = None

    def add(self, other):
        for name in ("n", "sum_pre", "sum_post", "sum_change", "sum_change_sq", "improved", "unchanged", "worse"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def mean_pre(self):
        return self.sum_pre / self.n if self.n else None

    @property
    def mean_post(self):
        return self.sum_post / self.n if self.n else None

    @property
    def mean_change(self):
        return self.sum_change / self.n if self.n else None

    @property
    def sd_change(self):
        if self.n < 2:
            return None
        variance = (self.sum_change_sq - self.sum_change ** 2 / self.n) / (self.n - 1)
        return math.sqrt(max(variance, 0.0))

    @property
    def ci(self):
        """(low, high) 95% confidence interval of the mean change; None when n < 2."""
        if self.n < 2:
            return None
        half = t_975(self.n - 1) * self.sd_change / math.sqrt(self.n)
        return self.mean_change - half, self.mean_change + half

    def share(self, name):
        return 100.0 * getattr(self, name) / self.n if self.n else None


@dataclass
class StageStat:
    stage: str
    invited: int
    responded: int

    @property
    def label(self):
        return STAGES[self.stage]

    @property
    def rate(self):
        return 100.0 * self.responded / self.invited if self.invited else None


@dataclass
class Distribution:
    label: str
    values: list
    pre: dict
    post: dict


@dataclass
class SatisfactionStat:
    stage: str
    key: str
    label: str
    n: int
    mean: float
    scale_max: int


@dataclass
class Summary:
    scope: Scope
    course: Course = None
    course_session: CourseSession = None
    stages: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)  # per outcome (one course) or per course (several)
    overall: PairStat = None
    distributions: list = field(default_factory=list)
    satisfaction: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    comment_total: int = 0
    respondents: list = None
    respondent_total: int = 0

    @property
    def single_course(self):
        return self.course is not None


# Filters ----------------------------------------------------------------------------------------

def _course_ids(scope):
    """A subquery of course ids for the partnership and level filters, or None."""
    conds = []
    if scope.partnership_id:
        conds.append(or_(Course.is_hips, Course.owner_partnership_id == scope.partnership_id,
                         exists().where(course_partnerships.c.course_id == Course.id,
                                        course_partnerships.c.partnership_id == scope.partnership_id)))
    if scope.level:
        conds.append(Course.level == scope.level)
    return select(Course.id).where(*conds) if conds else None


def course_in_partnership(course, partnership_id):
    return (course.is_hips or course.owner_partnership_id == partnership_id
            or any(p.id == partnership_id for p in course.joint_partnerships))


def response_filters(R, scope):
    """WHERE conditions restricting EvaluationResponse alias R to the scope."""
    conds = []
    if scope.session_id:
        conds.append(R.session_id == scope.session_id)
    if scope.course_id:
        conds.append(R.course_id == scope.course_id)
    if scope.trainer_id:
        conds.append(exists().where(session_trainers.c.session_id == R.session_id,
                                    session_trainers.c.user_id == scope.trainer_id))
    courses = _course_ids(scope)
    if courses is not None:
        conds.append(R.course_id.in_(courses))
    if scope.agency_id:
        conds.append(R.agency_id == scope.agency_id)
    if scope.sector:
        conds.append(R.sector == scope.sector)
    if scope.date_from or scope.date_to:
        if scope.date_basis == "submitted":
            conds.extend(_between(R.submitted_at, scope))
        else:
            sessions = select(CourseSession.id).where(*_between(CourseSession.starts_at, scope))
            conds.append(or_(R.session_id.in_(sessions),
                             and_(R.session_id.is_(None), *_between(R.submitted_at, scope))))
    return conds


def _between(column, scope):
    conds = []
    if scope.date_from:
        conds.append(column >= scope.date_from)
    if scope.date_to:
        conds.append(column < scope.date_to)
    return conds


def _booking_filters(scope):
    """Conditions on Booking joined to CourseSession."""
    conds = []
    if scope.session_id:
        conds.append(Booking.session_id == scope.session_id)
    if scope.course_id:
        conds.append(CourseSession.course_id == scope.course_id)
    if scope.trainer_id:
        conds.append(exists().where(session_trainers.c.session_id == Booking.session_id,
                                    session_trainers.c.user_id == scope.trainer_id))
    courses = _course_ids(scope)
    if courses is not None:
        conds.append(CourseSession.course_id.in_(courses))
    if scope.agency_id:
        conds.append(Booking.agency_id == scope.agency_id)
    if scope.sector:
        conds.append(Booking.agency_id.in_(select(Agency.id).where(Agency.sector == scope.sector)))
    conds.extend(_between(CourseSession.starts_at, scope))
    return conds


def _completion_filters(scope):
    """Conditions on ElearningCompletion; None when the scope excludes e-learning (a session or trainer)."""
    if scope.session_id or scope.trainer_id:
        return None
    conds = []
    if scope.course_id:
        conds.append(ElearningCompletion.course_id == scope.course_id)
    courses = _course_ids(scope)
    if courses is not None:
        conds.append(ElearningCompletion.course_id.in_(courses))
    if scope.agency_id or scope.sector:
        users = select(User.id)
        if scope.agency_id:
            users = users.where(User.agency_id == scope.agency_id)
        if scope.sector:
            users = users.where(User.agency_id.in_(select(Agency.id).where(Agency.sector == scope.sector)))
        conds.append(ElearningCompletion.user_id.in_(users))
    conds.extend(_between(ElearningCompletion.completed_at, scope))
    return conds


# Figures ----------------------------------------------------------------------------------------

def stage_counts(scope, at):
    """Invitations (eligible delegates), responses and response rate per stage."""
    days = int(current_app.config.get("EVALUATION_FOLLOW_UP_DAYS", 90))
    has_pre = exists().where(EvaluationResponse.booking_id == Booking.id, EvaluationResponse.stage == "pre")
    booking_counts = select(
        func.sum(case((or_(Booking.status.in_(("confirmed", "attended", "no_show")), has_pre), 1), else_=0)),
        func.sum(case((Booking.status == "attended", 1), else_=0)),
        func.sum(case((and_(Booking.status == "attended", CourseSession.ends_at <= at - timedelta(days=days)), 1),
                      else_=0)),
    ).select_from(Booking).join(CourseSession, Booking.session_id == CourseSession.id).where(*_booking_filters(scope))
    invited = [int(v or 0) for v in db.session.execute(booking_counts).one()]
    completion_conds = _completion_filters(scope)
    if completion_conds is not None:
        completions = db.session.execute(select(
            func.count(ElearningCompletion.id),
            func.sum(case((ElearningCompletion.completed_at <= at - timedelta(days=days), 1), else_=0)),
        ).where(*completion_conds)).one()
        # E-learning pre-course: everyone who completed, plus anyone who answered before completing.
        R = aliased(EvaluationResponse)
        early_pre = db.session.scalar(select(func.count(R.id)).where(
            R.stage == "pre", R.booking_id.is_(None), *response_filters(R, scope),
            ~exists().where(ElearningCompletion.user_id == R.user_id, ElearningCompletion.course_id == R.course_id)))
        invited[0] += int(completions[0] or 0) + int(early_pre or 0)
        invited[1] += int(completions[0] or 0)
        invited[2] += int(completions[1] or 0)
    R = aliased(EvaluationResponse)
    responded = dict(db.session.execute(
        select(R.stage, func.count(R.id)).where(*response_filters(R, scope)).group_by(R.stage)).all())
    return [StageStat(stage, invited[i], int(responded.get(stage, 0))) for i, stage in enumerate(STAGES)]


def _paired_ratings(scope):
    """(query, R, V): post-course outcome ratings in scope that have the same delegate's pre-course rating."""
    R, V = aliased(EvaluationResponse), aliased(EvaluationRating)
    query = (select().select_from(V).join(R, R.id == V.response_id)
             .where(R.stage == "post", V.question_key == OUTCOME_KEY, V.pre_value.is_not(None),
                    *response_filters(R, scope)))
    return query, R, V


def paired_outcomes(scope):
    """PairStat per (course, outcome) from pre/post pairs by the same delegate."""
    query, R, V = _paired_ratings(scope)
    change = V.value - V.pre_value
    query = query.add_columns(
        R.course_id, V.outcome_index, func.count(), func.sum(V.pre_value), func.sum(V.value),
        func.sum(change), func.sum(change * change), func.sum(case((change > 0, 1), else_=0)),
        func.sum(case((change == 0, 1), else_=0)), func.sum(case((change < 0, 1), else_=0)),
    ).group_by(R.course_id, V.outcome_index)
    stats = []
    for row in db.session.execute(query):
        stats.append(PairStat("", *[int(v or 0) for v in row[2:]], course_id=row[0], outcome_index=row[1]))
    return stats


def paired_distribution(scope, by_outcome):
    """{(outcome_index or None, "pre"/"post"): {value: count}} over paired ratings (one GROUP BY query)."""
    query, R, V = _paired_ratings(scope)
    group = ([V.outcome_index] if by_outcome else []) + [V.pre_value, V.value]
    result = {}
    for row in db.session.execute(query.add_columns(*group, func.count()).group_by(*group)):
        outcome = row[0] if by_outcome else None
        pre, post, n = row[-3], row[-2], row[-1]
        for which, value in (("pre", pre), ("post", post)):
            counts = result.setdefault((outcome, which), {})
            counts[value] = counts.get(value, 0) + n
    return result


def satisfaction(scope, course=None):
    """Mean per Likert question (post-course questions and the follow-up impact rating)."""
    R, V = aliased(EvaluationResponse), aliased(EvaluationRating)
    query = (select(R.stage, V.question_key, func.count(), func.avg(V.value))
             .select_from(V).join(R, R.id == V.response_id)
             .where(V.question_key != OUTCOME_KEY, *response_filters(R, scope))
             .group_by(R.stage, V.question_key))
    labels = {("post", q["key"]): q["text"] for q in STANDARD_LIKERT}
    labels.update({("follow_up", q["key"]): q["text"] for q in FOLLOW_UP_LIKERT})
    if course is not None:
        for stage in ("post", "follow_up"):
            form = latest_form(course.id, stage)
            if form is not None:
                labels.update({(stage, q["key"]): q["text"] for q in form.questions["likert"]})
    order = list(labels)
    rows = []
    for stage, key, n, mean in db.session.execute(query):
        if (stage, key) not in labels:
            continue  # a course's own extra question: shown only in that course's summary
        scale_max = len(AGREE_LABELS) if stage == "post" else len(IMPACT_LABELS)
        rows.append(SatisfactionStat(stage, key, labels[(stage, key)], n, float(mean), scale_max))
    rows.sort(key=lambda r: order.index((r.stage, r.key)))
    return rows


def comments(scope, with_names, limit=50, offset=0):
    """(total, newest comments): free text with course and (for the partnership team) the delegate's name."""
    R = aliased(EvaluationResponse)
    has_text = or_(func.length(func.coalesce(R.practice_text, "")) > 0,
                   func.length(func.coalesce(R.other_text, "")) > 0,
                   func.length(func.coalesce(R.changed_text, "")) > 0)
    conds = [has_text, *response_filters(R, scope)]
    total = db.session.scalar(select(func.count(R.id)).where(*conds))
    columns = [R.id, R.stage, R.submitted_at, R.practice_text, R.other_text, R.changed_text, Course.title]
    query = (select(*columns, User.name)
             .select_from(R).join(Course, Course.id == R.course_id).outerjoin(User, User.id == R.user_id)
             .where(*conds).order_by(R.submitted_at.desc(), R.id.desc()).limit(limit).offset(offset))
    return total, [dict(row._mapping) | {"name": row[-1] if with_names else None}
                   for row in db.session.execute(query)]


def respondents(scope, limit=200):
    """(total, [(name, stage, submitted_at)]): who answered, for the partnership team only."""
    R = aliased(EvaluationResponse)
    conds = response_filters(R, scope)
    total = db.session.scalar(select(func.count(R.id)).where(*conds))
    query = (select(User.name, R.stage, R.submitted_at).select_from(R).outerjoin(User, User.id == R.user_id)
             .where(*conds).order_by(User.name, R.submitted_at).limit(limit))
    return total, db.session.execute(query).all()


def outcome_labels(course):
    """Outcome wording from the newest post-course (else pre-course) form, else the course itself."""
    for stage in ("post", "pre"):
        form = latest_form(course.id, stage)
        if form is not None:
            return form.questions["outcomes"]
    return list(course.learning_outcomes or [])


def build_summary(scope, at, with_names=False):
    """Every figure of an evaluation summary for `scope` (already restricted to what the viewer may see)."""
    summary = Summary(scope=scope)
    if scope.session_id:
        summary.course_session = db.session.get(CourseSession, scope.session_id)
        summary.course = summary.course_session.course if summary.course_session else None
    elif scope.course_id:
        summary.course = db.session.get(Course, scope.course_id)
    summary.stages = stage_counts(scope, at)
    stats = paired_outcomes(scope)
    overall = PairStat("All outcomes")
    for stat in stats:
        overall.add(stat)
    summary.overall = overall
    if summary.single_course:
        labels = outcome_labels(summary.course)
        by_index = {s.outcome_index: s for s in stats}
        for index, label in enumerate(labels):
            stat = by_index.get(index) or PairStat("", outcome_index=index)
            stat.label = f"{index + 1}. {label}"
            summary.outcomes.append(stat)
    else:
        per_course = {}
        for stat in stats:
            per_course.setdefault(stat.course_id, PairStat("", course_id=stat.course_id)).add(stat)
        titles = dict(db.session.execute(select(Course.id, Course.title).where(Course.id.in_(list(per_course)))).all()) \
            if per_course else {}
        for course_id, stat in per_course.items():
            stat.label = titles.get(course_id, "")
        summary.outcomes = sorted(per_course.values(), key=lambda s: s.label)
    dist = paired_distribution(scope, by_outcome=summary.single_course)
    values = list(range(1, 11))
    if summary.single_course:
        for stat in summary.outcomes:
            summary.distributions.append(Distribution(stat.label, values, dist.get((stat.outcome_index, "pre"), {}),
                                                      dist.get((stat.outcome_index, "post"), {})))
    else:
        summary.distributions.append(Distribution("All outcomes", values, dist.get((None, "pre"), {}),
                                                  dist.get((None, "post"), {})))
    summary.satisfaction = satisfaction(scope, summary.course)
    summary.comment_total, summary.comments = comments(scope, with_names)
    if with_names and summary.single_course:
        summary.respondent_total, summary.respondents = respondents(scope)
    return summary


def delegate_distance(user_id):
    """A delegate's own distance travelled: [(course title, course id, pair_key, outcome_index, pre, post)]."""
    R, V = aliased(EvaluationResponse), aliased(EvaluationRating)
    query = (select(Course.title, R.course_id, R.pair_key, V.outcome_index, V.pre_value, V.value)
             .select_from(V).join(R, R.id == V.response_id).join(Course, Course.id == R.course_id)
             .where(R.stage == "post", R.user_id == user_id, V.question_key == OUTCOME_KEY,
                    V.pre_value.is_not(None))
             .order_by(R.submitted_at.desc(), R.pair_key, V.outcome_index))
    return db.session.execute(query).all()


# CSV --------------------------------------------------------------------------------------------

def _num(value, places=2):
    return "" if value is None else round(value, places)


def summary_csv_rows(summary, part):
    """Rows (header first) of one part of a summary: the same figures as the page."""
    rows = []
    if part == "stages":
        rows.append(["Stage", "Invitations", "Responses", "Response rate (%)"])
        rows += [[s.label, s.invited, s.responded, _num(s.rate, 1)] for s in summary.stages]
    elif part == "outcomes":
        rows.append(["Learning outcome" if summary.single_course else "Course (all outcomes)", "Paired count",
                     "Mean pre", "Mean post", "Mean change", "95% CI low", "95% CI high", "Improved (%)",
                     "Unchanged (%)", "Worse (%)"])
        for stat in summary.outcomes + [summary.overall]:
            ci = stat.ci or (None, None)
            rows.append([stat.label, stat.n, _num(stat.mean_pre), _num(stat.mean_post), _num(stat.mean_change),
                         _num(ci[0]), _num(ci[1]), _num(stat.share("improved"), 1), _num(stat.share("unchanged"), 1),
                         _num(stat.share("worse"), 1)])
    elif part == "distribution":
        rows.append(["Learning outcome", "Rating", "Pre-course count", "Post-course count"])
        for dist in summary.distributions:
            rows += [[dist.label, v, dist.pre.get(v, 0), dist.post.get(v, 0)] for v in dist.values]
    elif part == "satisfaction":
        rows.append(["Stage", "Question", "Answers", "Mean", "Scale maximum"])
        rows += [[STAGES[s.stage], s.label, s.n, _num(s.mean), s.scale_max] for s in summary.satisfaction]
    elif part == "comments":
        rows.append(["Stage", "Submitted (UTC)", "Course", "Question", "Answer"])
        for comment in _all_comments(summary.scope):
            for key, question in (("practice_text", "How will you use this learning to impact your practice?"),
                                  ("other_text", "Anything else?"),
                                  ("changed_text", "What have you done differently?")):
                if comment[key]:
                    rows.append([STAGES[comment["stage"]], comment["submitted_at"].strftime("%Y-%m-%d %H:%M"),
                                 comment["title"], question, comment[key]])
    return iter(rows)  # training_app.csvutil neutralises formulas as it writes


def _all_comments(scope, page=1000):
    offset = 0
    while True:
        _, batch = comments(scope, with_names=False, limit=page, offset=offset)
        yield from batch
        if len(batch) < page:
            return
        offset += page


def responses_csv_rows(scope, chunk=1000):
    """Anonymised responses, one row each, streamed in chunks: no names, emails or ids of people.

    "Delegate reference" numbers the delegates within this export only, so pre and post can be paired.
    """
    R, V = aliased(EvaluationResponse), aliased(EvaluationRating)
    conds = response_filters(R, scope)
    outcomes = db.session.scalar(select(func.max(V.outcome_index)).select_from(V).join(R, R.id == V.response_id)
                                 .where(*conds))
    outcome_count = (outcomes + 1) if outcomes is not None else 0
    likert_keys = [q["key"] for q in STANDARD_LIKERT] + ["extra_1", "extra_2", "extra_3"] + \
        [q["key"] for q in FOLLOW_UP_LIKERT]
    yield ["Delegate reference", "Course", "Session start (UTC)", "Stage", "Form version", "Submitted (UTC)",
           "Sector", "Organisation"] + [f"Outcome {i + 1}" for i in range(outcome_count)] + likert_keys + \
        ["How will you use this learning to impact your practice?", "Anything else?",
         "What have you done differently?"]
    from ..models.evaluations import EvaluationForm
    references = {}
    last_id = 0
    while True:
        batch = db.session.execute(
            select(R.id, R.pair_key, Course.title, CourseSession.starts_at, R.stage, EvaluationForm.version,
                   R.submitted_at, R.sector, Agency.name, R.practice_text, R.other_text, R.changed_text)
            .select_from(R).join(Course, Course.id == R.course_id).join(EvaluationForm, EvaluationForm.id == R.form_id)
            .outerjoin(CourseSession, CourseSession.id == R.session_id).outerjoin(Agency, Agency.id == R.agency_id)
            .where(R.id > last_id, *conds).order_by(R.id).limit(chunk)).all()
        if not batch:
            return
        ids = [row.id for row in batch]
        values = {}
        for response_id, key, index, value in db.session.execute(
                select(EvaluationRating.response_id, EvaluationRating.question_key, EvaluationRating.outcome_index,
                       EvaluationRating.value).where(EvaluationRating.response_id.in_(ids))):
            values[(response_id, key, index)] = value
        for row in batch:
            reference = references.setdefault(row.pair_key, len(references) + 1)
            cells = [reference, row.title, row.starts_at.strftime("%Y-%m-%d %H:%M") if row.starts_at else "",
                     STAGES[row.stage], row.version, row.submitted_at.strftime("%Y-%m-%d %H:%M"), row.sector or "",
                     row.name or ""]
            cells += [values.get((row.id, OUTCOME_KEY, i), "") for i in range(outcome_count)]
            cells += [values.get((row.id, key, None), "") for key in likert_keys]
            cells += [row.practice_text or "", row.other_text or "", row.changed_text or ""]
            yield cells
        last_id = ids[-1]
