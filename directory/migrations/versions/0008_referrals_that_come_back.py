"""referrals that come back: statuses with a version, the response clock, the timeline, dedupe keys on the
outbox, response targets, work phones, closed and anonymised records

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import directory.encryption

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status IN ('sent', 'acknowledged', 'information_requested', 'accepted', 'waiting_list', "
               "'appointment_offered')")


def upgrade() -> None:
    with op.batch_alter_table('service_referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('status_changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('replies_here', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('response_target_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_response_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('wait_weeks', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('appointment', directory.encryption.EncryptedJSON(), nullable=True))
        batch_op.add_column(sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('consent_withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Referrals sent before now: their record, and whether their service answers here (it has a lead).
    op.execute("UPDATE service_referral SET record_id = (SELECT referral.record_id FROM referral "
               "WHERE referral.id = service_referral.referral_id)")
    op.execute("UPDATE service_referral SET replies_here = EXISTS (SELECT 1 FROM service_membership m "
               "WHERE m.service_id = service_referral.service_id)")
    op.execute("UPDATE service_referral SET response_target_days = 10 WHERE replies_here")
    with op.batch_alter_table('service_referral', schema=None) as batch_op:
        batch_op.alter_column('record_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.create_index(batch_op.f('ix_service_referral_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_referral_status'), ['status'], unique=False)
        batch_op.create_index('uq_service_referral_open', ['record_id', 'service_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_foreign_key('fk_service_referral_record_id', 'family_record', ['record_id'], ['id'])

    op.create_table('referral_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('service_referral_id', sa.Uuid(), nullable=True),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('detail', directory.encryption.EncryptedJSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['record_id'], ['family_record.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_referral_id'], ['service_referral.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_event_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_event_service_referral_id'), ['service_referral_id'],
                              unique=False)

    with op.batch_alter_table('family_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_unique_constraint('uq_outbox_message_dedupe_key', ['dedupe_key'])

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_target_days', sa.Integer(), nullable=False, server_default='10'))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))


def downgrade() -> None:
    # Tables that others refer to lose their columns in place (a batch would copy them on SQLite).
    op.execute("ALTER TABLE user_account DROP COLUMN work_phone")
    op.execute("ALTER TABLE service DROP COLUMN response_target_days")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint('uq_outbox_message_dedupe_key', type_='unique')
        batch_op.drop_column('dedupe_key')
    op.execute("ALTER TABLE family_record DROP COLUMN anonymised_at")
    op.drop_table('referral_event')
    with op.batch_alter_table('service_referral', schema=None) as batch_op:
        batch_op.drop_constraint('fk_service_referral_record_id', type_='foreignkey')
        batch_op.drop_index('uq_service_referral_open', sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.drop_index(batch_op.f('ix_service_referral_status'))
        batch_op.drop_index(batch_op.f('ix_service_referral_record_id'))
        for column in ('escalated_at', 'reminded_at', 'consent_withdrawn_at', 'outcome', 'appointment', 'wait_weeks',
                       'first_response_at', 'response_target_days', 'replies_here', 'status_changed_at', 'version',
                       'record_id'):
            batch_op.drop_column(column)
