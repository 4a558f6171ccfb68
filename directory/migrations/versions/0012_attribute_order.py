"""a service's categories keep their order (the first is its main one)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('service_attribute', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))
    # Number each service's categories in the order the database gives them now: the order exports have shown.
    # Needs and referrers are sets: they stay at 0.
    bind = op.get_bind()
    attribute = sa.table('service_attribute', sa.column('id', sa.Uuid()), sa.column('service_id', sa.Uuid()),
                         sa.column('link_type', sa.String()), sa.column('position', sa.Integer()))
    counters: dict = {}
    for row in bind.execute(sa.select(attribute.c.id, attribute.c.service_id, attribute.c.link_type)).all():
        if row.link_type != "category":
            continue
        counters[row.service_id] = counters.get(row.service_id, -1) + 1
        if counters[row.service_id]:
            bind.execute(attribute.update().where(attribute.c.id == row.id).values(position=counters[row.service_id]))


def downgrade() -> None:
    with op.batch_alter_table('service_attribute', schema=None) as batch_op:
        batch_op.drop_column('position')
