"""how referrals are made: each listing's referral method and a private referral email address

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_method', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default='site'))
        batch_op.add_column(sa.Column('referral_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True))


def downgrade() -> None:
    # Other tables refer to service: drop the columns in place (a batch would copy the table on SQLite).
    op.execute("ALTER TABLE service DROP COLUMN referral_email")
    op.execute("ALTER TABLE service DROP COLUMN referral_method")
