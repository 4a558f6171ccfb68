"""listings have one writer: the directory's revision, each listing's history, search changes for every server,
change requests, problem reports

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:55:54.120210
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import directory.encryption

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    directory_revision = op.create_table('directory_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # The one row, at revision 0 until the first listing change.
    op.bulk_insert(directory_revision, [{"id": 1, "revision": 0, "changed_at": datetime.now(UTC)}])
    op.create_table('search_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('directory_revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('search_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_change_service_id'), ['service_id'], unique=False)

    op.create_table('listing_revision',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('directory_revision', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('changed_fields', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('service_id', 'number')
    )
    with op.batch_alter_table('listing_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_revision_service_id'), ['service_id'], unique=False)

    op.create_table('change_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('section', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('base_revision', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('requested_by_id', sa.Uuid(), nullable=False),
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_request_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_request_status'), ['status'], unique=False)

    op.create_table('problem_report',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('what', directory.encryption.EncryptedText(), nullable=False),
    sa.Column('email', directory.encryption.EncryptedText(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('resolved_by_id', sa.Uuid(), nullable=True),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('problem_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_report_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_report_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_report_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('problem_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_report_status'))
        batch_op.drop_index(batch_op.f('ix_problem_report_service_id'))
        batch_op.drop_index(batch_op.f('ix_problem_report_created_at'))

    op.drop_table('problem_report')
    with op.batch_alter_table('change_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_request_status'))
        batch_op.drop_index(batch_op.f('ix_change_request_service_id'))

    op.drop_table('change_request')
    with op.batch_alter_table('listing_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_revision_service_id'))

    op.drop_table('listing_revision')
    with op.batch_alter_table('search_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_change_service_id'))

    op.drop_table('search_change')
    op.drop_table('directory_revision')
