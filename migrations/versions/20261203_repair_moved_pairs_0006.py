"""Repair the evaluation pairs of delegates moved before answers followed a move.

Until now move_booking left a delegate's pre-course answers on the booking they were moved from, so
their post-course answers on the new booking were unpaired (and they were asked the pre-course
evaluation again). Each `booking.moved` audit event names both bookings; in the order the moves
happened, the old booking's answers move to the new one for every stage the new booking has not
answered itself, and post-course ratings then take the pre-course rating of the same outcome, as
pairing does when a post-course answer is submitted. Data only: the downgrade leaves it repaired.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OUTCOME_KEY = "outcome"

audit_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("target_id", sa.Integer),
    sa.column("details", sa.JSON),
)
bookings = sa.table("bookings", sa.column("id", sa.Integer), sa.column("session_id", sa.Integer))
responses = sa.table(
    "evaluation_responses",
    sa.column("id", sa.Integer),
    sa.column("booking_id", sa.Integer),
    sa.column("session_id", sa.Integer),
    sa.column("pair_key", sa.String),
    sa.column("stage", sa.String),
)
ratings = sa.table(
    "evaluation_ratings",
    sa.column("id", sa.Integer),
    sa.column("response_id", sa.Integer),
    sa.column("question_key", sa.String),
    sa.column("outcome_index", sa.Integer),
    sa.column("value", sa.Integer),
    sa.column("pre_value", sa.Integer),
)


def repair_moved_pairs(connection: sa.Connection) -> int:
    """Carry answers across every recorded move and complete the pairs; returns responses moved."""
    moves = connection.execute(
        sa.select(audit_events.c.target_id, audit_events.c.details)
        .where(audit_events.c.action == "booking.moved")
        .order_by(audit_events.c.id)
    ).all()
    moved = 0
    for new_id, details in moves:
        old_id = (details or {}).get("from_booking")
        if not isinstance(old_id, int) or new_id is None:
            continue
        session_id = connection.execute(sa.select(bookings.c.session_id).where(bookings.c.id == new_id)).scalar()
        if session_id is None:
            continue
        new_key = f"booking:{new_id}"
        answered = set(connection.execute(sa.select(responses.c.stage).where(responses.c.pair_key == new_key)).scalars())
        for response_id, stage, pair_key in connection.execute(
            sa.select(responses.c.id, responses.c.stage, responses.c.pair_key).where(responses.c.booking_id == old_id)
        ).all():
            if stage in answered:
                continue  # they answered this stage again after the move: the newer answer stands
            values = {"booking_id": new_id, "session_id": session_id}
            if pair_key == f"booking:{old_id}":  # anonymised keys stay as they are
                values["pair_key"] = new_key
            connection.execute(sa.update(responses).where(responses.c.id == response_id).values(**values))
            moved += 1
        _complete_pair(connection, new_key)
    return moved


def _complete_pair(connection: sa.Connection, pair_key: str) -> None:
    """Copy the pre-course outcome ratings onto the post-course ones of the same pair (where missing)."""
    by_stage = dict(
        connection.execute(
            sa.select(responses.c.stage, responses.c.id).where(
                responses.c.pair_key == pair_key, responses.c.stage.in_(("pre", "post"))
            )
        ).all()
    )
    if "pre" not in by_stage or "post" not in by_stage:
        return
    pre_values = dict(
        connection.execute(
            sa.select(ratings.c.outcome_index, ratings.c.value).where(
                ratings.c.response_id == by_stage["pre"], ratings.c.question_key == OUTCOME_KEY
            )
        ).all()
    )
    for rating_id, outcome_index in connection.execute(
        sa.select(ratings.c.id, ratings.c.outcome_index).where(
            ratings.c.response_id == by_stage["post"],
            ratings.c.question_key == OUTCOME_KEY,
            ratings.c.pre_value.is_(None),
        )
    ).all():
        if outcome_index in pre_values:
            connection.execute(
                sa.update(ratings).where(ratings.c.id == rating_id).values(pre_value=pre_values[outcome_index])
            )


def upgrade():
    repair_moved_pairs(op.get_bind())


def downgrade():
    # The repaired pairs are correct under every earlier revision too; nothing to undo.
    pass
