"""Evaluations: versioned question sets, responses (one per delegate per stage) and narrow ratings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:40:52.466205

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("stage IN ('pre', 'post', 'follow_up')", name=op.f('ck_evaluation_forms_stage')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_evaluation_forms_version_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_evaluation_forms_course_id_courses')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evaluation_forms_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_forms')),
    sa.UniqueConstraint('course_id', 'stage', 'version', name='uq_evaluation_forms_course_stage_version')
    )
    op.create_table('evaluation_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('elearning_completion_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('pair_key', sa.String(length=80), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('sector', sa.String(length=100), nullable=True),
    sa.Column('practice_text', sa.Text(), nullable=True),
    sa.Column('other_text', sa.Text(), nullable=True),
    sa.Column('changed_text', sa.Text(), nullable=True),
    sa.CheckConstraint("stage IN ('pre', 'post', 'follow_up')", name=op.f('ck_evaluation_responses_stage')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_evaluation_responses_agency_id_agencies')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_evaluation_responses_booking_id_bookings')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_evaluation_responses_course_id_courses')),
    sa.ForeignKeyConstraint(['elearning_completion_id'], ['elearning_completions.id'], name=op.f('fk_evaluation_responses_elearning_completion_id_elearning_completions')),
    sa.ForeignKeyConstraint(['form_id'], ['evaluation_forms.id'], name=op.f('fk_evaluation_responses_form_id_evaluation_forms')),
    sa.ForeignKeyConstraint(['session_id'], ['course_sessions.id'], name=op.f('fk_evaluation_responses_session_id_course_sessions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_evaluation_responses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_responses')),
    sa.UniqueConstraint('pair_key', 'stage', name='uq_evaluation_responses_pair_stage')
    )
    with op.batch_alter_table('evaluation_responses', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_responses_booking', ['booking_id'], unique=False)
        batch_op.create_index('ix_evaluation_responses_course_stage', ['course_id', 'stage'], unique=False)
        batch_op.create_index('ix_evaluation_responses_session_stage', ['session_id', 'stage'], unique=False)
        batch_op.create_index('ix_evaluation_responses_submitted', ['submitted_at'], unique=False)
        batch_op.create_index('ix_evaluation_responses_user', ['user_id'], unique=False)

    op.create_table('evaluation_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=40), nullable=False),
    sa.Column('outcome_index', sa.Integer(), nullable=True),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('pre_value', sa.Integer(), nullable=True),
    sa.CheckConstraint("(question_key = 'outcome') = (outcome_index IS NOT NULL)", name=op.f('ck_evaluation_ratings_outcome_has_index')),
    sa.CheckConstraint("pre_value IS NULL OR (question_key = 'outcome' AND pre_value BETWEEN 1 AND 10)", name=op.f('ck_evaluation_ratings_pre_value_range')),
    sa.CheckConstraint('value BETWEEN 1 AND 10', name=op.f('ck_evaluation_ratings_value_range')),
    sa.ForeignKeyConstraint(['response_id'], ['evaluation_responses.id'], name=op.f('fk_evaluation_ratings_response_id_evaluation_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_ratings')),
    sa.UniqueConstraint('response_id', 'question_key', 'outcome_index', name='uq_evaluation_ratings_response_question')
    )
    with op.batch_alter_table('evaluation_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_evaluation_ratings_paired', ['response_id', 'outcome_index', 'pre_value', 'value'],
                              unique=False, sqlite_where=sa.text('pre_value IS NOT NULL'),
                              postgresql_where=sa.text('pre_value IS NOT NULL'))
        batch_op.create_index('ix_evaluation_ratings_likert', ['response_id', 'question_key', 'value'], unique=False,
                              sqlite_where=sa.text("question_key != 'outcome'"),
                              postgresql_where=sa.text("question_key != 'outcome'"))


def downgrade():
    with op.batch_alter_table('evaluation_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_ratings_likert')
        batch_op.drop_index('ix_evaluation_ratings_paired')

    op.drop_table('evaluation_ratings')
    with op.batch_alter_table('evaluation_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_evaluation_responses_user')
        batch_op.drop_index('ix_evaluation_responses_submitted')
        batch_op.drop_index('ix_evaluation_responses_session_stage')
        batch_op.drop_index('ix_evaluation_responses_course_stage')
        batch_op.drop_index('ix_evaluation_responses_booking')

    op.drop_table('evaluation_responses')
    op.drop_table('evaluation_forms')
