"""admins run the directory: deactivated accounts, when a family's key worker last changed, and the plain district
and areas of need on each service referral that reports count

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables that others refer to gain and lose columns in place: a batch would copy them on SQLite, which their
# foreign keys refuse. A NOT NULL column arrives with a constant default, filled, and (on PostgreSQL) the default
# is then dropped so the models and the schema agree.


def _drop_default(table: str, column: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")


def upgrade() -> None:
    op.add_column('user_account', sa.Column('deactivated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    op.add_column('family_record', sa.Column('key_worker_changed_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                             nullable=False, server_default='1970-01-01 00:00:00'))
    # Records made before now: the best known moment is the latest change to the record.
    op.execute("UPDATE family_record SET key_worker_changed_at = "
               "CASE WHEN key_worker_id IS NULL THEN created_at ELSE updated_at END")
    _drop_default('family_record', 'key_worker_changed_at')

    # Referrals sent before now have no district or areas of need for reports (reading them would mean
    # decrypting every family's answers in a migration): reports count them as "Not known".
    op.add_column('service_referral', sa.Column('district_id', sa.Uuid(), nullable=True))
    op.create_index('ix_service_referral_district_id', 'service_referral', ['district_id'], unique=False)
    op.add_column('service_referral', sa.Column('need_areas', sa.JSON(), nullable=False, server_default='[]'))
    _drop_default('service_referral', 'need_areas')


def downgrade() -> None:
    op.execute("ALTER TABLE service_referral DROP COLUMN need_areas")
    op.drop_index('ix_service_referral_district_id', table_name='service_referral')
    op.execute("ALTER TABLE service_referral DROP COLUMN district_id")
    op.execute("ALTER TABLE family_record DROP COLUMN key_worker_changed_at")
    op.execute("ALTER TABLE user_account DROP COLUMN deactivated_at")
