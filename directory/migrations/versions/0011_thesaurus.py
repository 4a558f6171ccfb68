"""the SEND thesaurus in the database, editable by admins; a search change may ask for the whole index again

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('thesaurus_group',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('phrases', sa.JSON(), nullable=False),
    sa.Column('query_only', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_thesaurus_group_position', 'thesaurus_group', ['position'], unique=False)

    # Nothing refers to search_change, so a batch (a copy of the table on SQLite) may change its columns.
    with op.batch_alter_table('search_change', schema=None) as batch_op:
        batch_op.alter_column('service_id', existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column('rebuild', sa.Boolean(), nullable=False, server_default=sa.false()))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_change ALTER COLUMN rebuild DROP DEFAULT")
    op.create_index('ix_search_change_rebuild', 'search_change', ['rebuild'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_search_change_rebuild', table_name='search_change')
    op.execute("DELETE FROM search_change WHERE service_id IS NULL")
    with op.batch_alter_table('search_change', schema=None) as batch_op:
        batch_op.drop_column('rebuild')
        batch_op.alter_column('service_id', existing_type=sa.Uuid(), nullable=False)
    op.drop_index('ix_thesaurus_group_position', table_name='thesaurus_group')
    op.drop_table('thesaurus_group')
