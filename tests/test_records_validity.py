"""Validity and refreshers, known answers: expiry around month ends and leap days, London against UTC
around midnight, the status on each side of every boundary (in Python and as the SQL cut-offs, which
must agree), and send-refresher-reminders sending each reminder once."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from training_app import clock
from training_app.mail import deliver_pending
from training_app.models import Booking, ElearningCompletion, OutboxMessage, RefresherReminder, TrainingRequirement
from training_app.models.vocabulary import RequirementStatus as S
from training_app.records.record import training_record
from training_app.records.reminders import send_refresher_reminders
from training_app.records.validity import add_months, expires_on, status_cutoffs, status_on


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # a leap day a year on: the month's last day
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 8, 31), 36, date(2028, 8, 31)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 3, 15), -3, date(2024, 12, 15)),
    ],
)
def test_expiry_dates(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2024, 11, 29), S.CURRENT),  # 91 days before 28 Feb 2025
        (date(2024, 11, 30), S.DUE),  # 90 days before
        (date(2025, 2, 27), S.DUE),
        (date(2025, 2, 28), S.EXPIRED),  # the expiry date itself
        (date(2025, 3, 1), S.EXPIRED),
    ],
)
def test_leap_day_completion_with_12_months_validity(today, expected):
    assert status_on(date(2024, 2, 29), 12, today) == expected


def test_never_and_no_validity():
    assert status_on(None, 12, date(2026, 1, 1)) == S.NEVER
    assert status_on(date(1999, 1, 1), None, date(2026, 1, 1)) == S.CURRENT
    assert expires_on(date(1999, 1, 1), None) is None


def test_sql_cutoffs_agree_with_the_rule_on_every_day_and_both_sides_of_london_midnight():
    """For each completion moment (London 00:00 and 23:59, in and out of summer time) and each 'today'
    around its expiry, the cut-offs the SQL uses give the same status as status_on."""
    for months in (1, 12, 36):
        for completed_on in (date(2024, 2, 29), date(2025, 1, 31), date(2025, 3, 30), date(2025, 10, 26)):
            moments = [
                clock.from_london(datetime.combine(completed_on, datetime.min.time())),
                clock.from_london(
                    datetime.combine(completed_on, datetime.min.time()) + timedelta(hours=23, minutes=59)
                ),
            ]
            expiry = add_months(completed_on, months)
            for offset in range(-95, 3):
                today = expiry + timedelta(days=offset)
                expected = status_on(completed_on, months, today)
                cut = status_cutoffs(months, today)
                for moment in moments:
                    assert clock.to_london(moment).date() == completed_on
                    if moment < cut.expired_before:
                        got = S.EXPIRED
                    elif moment < cut.due_before:
                        got = S.DUE
                    else:
                        got = S.CURRENT
                    assert got == expected, (months, completed_on, today, moment)


def attend(db, make_session, person, course, starts_at):
    course_session = make_session(course=course, starts_in=timedelta(days=1))
    course_session.starts_at, course_session.ends_at = starts_at, starts_at + timedelta(hours=3)
    db.session.add(Booking(session=course_session, user=person, status="attended", agency=person.agency))
    db.session.commit()


@pytest.mark.parametrize(
    "now, expected",
    [
        (datetime(2027, 3, 31, 22, 59), S.DUE),  # 23:59 on 31 March in London
        (datetime(2027, 3, 31, 23, 0), S.EXPIRED),  # midnight in London: 1 April 2027
    ],
)
def test_a_session_after_midnight_in_london_counts_from_the_london_date(
    db, make_user, make_course, make_session, frozen_clock, now, expected
):
    """31 March 2026 23:30 UTC is 00:30 on 1 April in London (summer time): done on 1 April 2026,
    so with 12 months it expires at the start of 1 April 2027, London time."""
    frozen_clock(datetime(2026, 4, 2, 12, 0))
    person = make_user()
    requirement = TrainingRequirement(name="Level 3", level=3, validity_months=12)
    db.session.add(requirement)
    attend(db, make_session, person, make_course(level=3), datetime(2026, 3, 31, 23, 30))
    frozen_clock(now)
    [line] = training_record(person).lines
    assert line.latest.completed_on == date(2026, 4, 1) and line.expires_on == date(2027, 4, 1)
    assert line.status == expected


def test_the_latest_qualifying_completion_decides_and_higher_levels_count(
    db, make_user, make_course, make_session, frozen_clock
):
    frozen_clock(datetime(2026, 6, 1, 9, 0))
    person = make_user()
    level2 = TrainingRequirement(name="Level 2", level=2, validity_months=36)
    dsl = make_course(title="DSL refresher", level=3, level_kind="subject_specific", format="elearning")
    refresher = TrainingRequirement(name="DSL refresher", course=dsl, validity_months=12)
    level4 = TrainingRequirement(name="Level 4", level=4)
    db.session.add_all([level2, refresher, level4])
    attend(db, make_session, person, make_course(level=2), datetime(2022, 1, 10, 9, 0))
    attend(db, make_session, person, make_course(level=3), datetime(2023, 8, 1, 9, 0))  # level 3 counts for 2
    attend(db, make_session, person, make_course(level=3, level_kind="contributes"), datetime(2026, 1, 1, 9, 0))
    db.session.add(ElearningCompletion(user=person, course=dsl, completed_at=datetime(2025, 6, 20, 9, 0)))
    db.session.commit()
    record = training_record(person)
    got = {line.requirement.name: (line.status, line.expires_on) for line in record.lines}
    assert got == {
        "Level 2": (S.DUE, date(2026, 8, 1)),  # from 1 Aug 2023, 36 months; the later "contributes" does not count
        "DSL refresher": (S.DUE, date(2026, 6, 20)),
        "Level 4": (S.NEVER, None),
    }
    assert record.level == 3
    assert [line.requirement.name for line in record.attention] == ["Level 2", "Level 4", "DSL refresher"]


def test_send_refresher_reminders_sends_each_once_at_90_then_30_days(
    app, db, make_user, make_course, make_session, frozen_clock, smtp_server
):
    frozen_clock(datetime(2025, 1, 1, 9, 0))
    ann, bob, cat = make_user(name="Ann"), make_user(name="Bob"), make_user(name="Cat")
    level3 = make_course(title="Working Together", level=3)
    db.session.add(TrainingRequirement(name="Level 3", level=3, validity_months=12))
    attend(db, make_session, ann, level3, datetime(2025, 3, 1, 10, 0))  # expires 1 Mar 2026
    attend(db, make_session, bob, level3, datetime(2025, 1, 20, 10, 0))  # expires 20 Jan 2026
    attend(db, make_session, cat, level3, datetime(2025, 9, 1, 10, 0))  # expires 1 Sep 2026: not due
    frozen_clock(datetime(2025, 12, 1, 9, 0))
    upcoming = make_session(course=level3, starts_in=timedelta(days=20))
    # 1 Dec 2025: Ann is 90 days from expiry, Bob 50 days.
    assert send_refresher_reminders() == 2
    db.session.commit()
    assert send_refresher_reminders() == 0  # run twice: each reminder once
    db.session.commit()
    sent = db.session.execute(
        select(RefresherReminder.user_id, RefresherReminder.expires_on, RefresherReminder.days_before).order_by(
            RefresherReminder.user_id
        )
    ).all()
    assert sent == [(ann.id, date(2026, 3, 1), 90), (bob.id, date(2026, 1, 20), 90)]
    assert deliver_pending() == (2, 0)
    bodies = {m.rcpt_tos[0]: m.content.decode() for m in smtp_server.messages}
    assert "expires on Sunday 1 March 2026, in 90 days" in bodies[ann.email]
    assert f"/sessions/{upcoming.id}" in bodies[ann.email] and "/my-record" in bodies[ann.email]
    # 21 Dec: Bob is inside 30 days, Ann still between 90 and 30: one more.
    frozen_clock(datetime(2025, 12, 21, 9, 0))
    assert send_refresher_reminders() == 1
    assert send_refresher_reminders() == 0
    db.session.commit()
    assert (
        db.session.scalar(
            select(OutboxMessage.subject).where(OutboxMessage.dedupe_key == f"refresher:{bob.id}:1:2026-01-20:30")
        )
        == "Your Level 3 training expires on 20 January 2026"
    )


def test_someone_first_seen_inside_30_days_gets_only_the_30_day_reminder(
    db, make_user, make_course, make_session, frozen_clock
):
    frozen_clock(datetime(2025, 1, 1, 9, 0))
    person = make_user()
    db.session.add(TrainingRequirement(name="Level 3", level=3, validity_months=12))
    attend(db, make_session, person, make_course(level=3), datetime(2025, 1, 20, 10, 0))
    frozen_clock(datetime(2026, 1, 10, 9, 0))
    assert send_refresher_reminders() == 1
    assert db.session.scalars(select(RefresherReminder.days_before)).all() == [30]
    frozen_clock(datetime(2026, 1, 20, 0, 1))  # expired: no more reminders
    assert send_refresher_reminders() == 0


def test_send_refresher_reminders_command(app, db, make_user, make_course, make_session, frozen_clock):
    frozen_clock(datetime(2025, 1, 1, 9, 0))
    person = make_user()
    db.session.add(TrainingRequirement(name="Level 3", level=3, validity_months=12))
    attend(db, make_session, person, make_course(level=3), datetime(2025, 2, 1, 10, 0))
    frozen_clock(datetime(2025, 12, 1, 9, 0))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["send-refresher-reminders"]).output == "queued 1 refresher reminders\n"
    assert runner.invoke(args=["send-refresher-reminders"]).output == "queued 0 refresher reminders\n"


def test_line_managers_hear_of_refreshers_due_when_the_area_says_so(
    db, make_user, make_course, make_session, frozen_clock, partnerships
):
    frozen_clock(datetime(2025, 1, 1, 9, 0))
    partnerships["SSCP"].notify_managers_of_bookings = True  # the default organisation is Solent's
    told = make_user(name="Ann", manager_name="Mo Manager", manager_email="mo@nhs.example")
    untold = make_user(name="Ian", manager_name="Ivy Manager", manager_email="ivy@nhs.example")
    level3 = make_course(title="Working Together", level=3)
    db.session.add(TrainingRequirement(name="Level 3", level=3, validity_months=12))
    attend(db, make_session, told, level3, datetime(2025, 3, 1, 10, 0))
    attend(db, make_session, untold, level3, datetime(2025, 3, 1, 10, 0))
    untold.agency = None  # no organisation, and no partnership of their own: nobody decided to tell
    db.session.commit()
    frozen_clock(datetime(2025, 12, 1, 9, 0))
    assert send_refresher_reminders() == 2
    assert send_refresher_reminders() == 0
    db.session.commit()
    to_managers = db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.to_address.in_(["mo@nhs.example", "ivy@nhs.example"]))
    ).all()
    assert to_managers == ["Ann's Level 3 training expires on 1 March 2026"]
