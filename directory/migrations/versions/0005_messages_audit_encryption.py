"""messages that arrive once, an append-only audit log, encrypted children's data, drafts on the server

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:20:00

Existing values are encrypted with the newest key in FIELD_ENCRYPTION_KEYS (the development key when unset), so
set it before upgrading a production database. On PostgreSQL a trigger makes the audit log append-only; DELETE
is allowed only for entries older than AUDIT_RETENTION_YEARS (default 31), read when this migration runs, and
UPDATE only for `rotate-keys` re-encrypting a reason (directory/key_rotation.py).
"""

import json
import os
from collections.abc import Callable, Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from directory.encryption import keyring
from directory.references import new_reference

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_TRIGGER = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.at < now() - interval '{years} years' THEN
        RETURN OLD;
    END IF;
    -- `rotate-keys` re-encrypts the reason with the newest key: nothing else may change.
    IF TG_OP = 'UPDATE' AND current_setting('directory.rotating_keys', true) = 'on'
            AND (to_jsonb(NEW) - 'reason') = (to_jsonb(OLD) - 'reason') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _json(value):
    return value if not isinstance(value, str) else json.loads(value)


def _replace_column(table: str, column: str, nullable: bool, convert: Callable, select_as: str | None = None,
                    sql_type: str = "TEXT"):
    """Swap `column` for a column of `sql_type` holding convert(old value), row by row, without recreating the table
    (other tables refer to some of these, and SQLite would otherwise copy them)."""
    bind = op.get_bind()
    new = f"{column}_new"
    default = "'{}'" if sql_type == "JSON" else "''"
    op.execute(f"ALTER TABLE {table} ADD COLUMN {new} {sql_type}"
               + ("" if nullable else f" NOT NULL DEFAULT {default}"))
    rows = bind.execute(sa.text(f"SELECT id, {select_as or column} FROM {table}")).all()
    for row_id, value in rows:
        # SQLite gives a JSON column numeric affinity: a CAST there would turn the text into 0.
        placeholder = f"CAST(:value AS {sql_type})" if _postgres() else ":value"
        bind.execute(sa.text(f"UPDATE {table} SET {new} = {placeholder} WHERE id = :id"),
                     {"value": None if value is None else convert(value), "id": row_id})
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {new} TO {column}")
    if _postgres() and not nullable:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")


def _outbox_as_read(body: str) -> sa.TableClause:
    """The outbox's columns with their types, so ids and times read back as they were written."""
    return sa.table("outbox_message", sa.column("id", sa.Uuid()), sa.column("to_address"), sa.column("subject"),
                    sa.column(body), sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
                    sa.column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime()), sa.column("attempts"),
                    sa.column("last_error"))


def _encrypt_json(value) -> str:
    return keyring().encrypt(json.dumps(_json(value), separators=(",", ":")))


def _encrypt_text(value) -> str:
    return keyring().encrypt(value)


def _decrypt(value) -> str:
    return keyring().decrypt(value)


def upgrade() -> None:
    bind = op.get_bind()
    keys = keyring()

    # Family records: a reference to say on the phone, and a keyed hash of the child's names and date of birth.
    with op.batch_alter_table('family_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('lookup_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    children = {}
    data_column = "data::text" if _postgres() else "data"
    for record_id, data in bind.execute(sa.text(
            f"SELECT record_id, {data_column} FROM family_section WHERE section = 'child'")).all():
        children[str(record_id)] = _json(data)
    taken = set()
    for (record_id,) in bind.execute(sa.text("SELECT id FROM family_record")).all():
        reference = new_reference("FAM")
        while reference in taken:
            reference = new_reference("FAM")
        taken.add(reference)
        child = children.get(str(record_id), {})
        parts = (child.get("first_name"), child.get("last_name"), child.get("date_of_birth"))
        bind.execute(sa.text("UPDATE family_record SET reference = :reference, lookup_hash = :hash WHERE id = :id"),
                     {"reference": reference, "hash": keys.lookup_hash(*parts) if all(parts) else None,
                      "id": record_id})
    if _postgres():
        op.execute("ALTER TABLE family_record ALTER COLUMN reference DROP DEFAULT")
    with op.batch_alter_table('family_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_record_reference'), ['reference'], unique=True)
        batch_op.create_index(batch_op.f('ix_family_record_lookup_hash'), ['lookup_hash'], unique=False)

    # Encrypt what is sensitive.
    _replace_column("family_section", "data", False, _encrypt_json, data_column)
    _replace_column("service_referral", "sent_snapshot", False, _encrypt_json,
                    "sent_snapshot::text" if _postgres() else None)
    _replace_column("service_referral", "without_consent_reason", True, _encrypt_text)
    _replace_column("user_account", "totp_secret", True, _encrypt_text)

    op.create_table('referral_draft',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['family_record.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('record_id', 'user_id')
    )
    with op.batch_alter_table('referral_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_draft_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_draft_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_draft_updated_at'), ['updated_at'], unique=False)

    # The audit log: the record each entry concerns, the client address, an encrypted reason.
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('client_address', sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_entry_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
    op.execute("UPDATE audit_entry SET record_id = object_id WHERE object_type = 'family_record'")
    op.execute("UPDATE audit_entry SET record_id = (SELECT record_id FROM referral WHERE referral.id = "
               "audit_entry.object_id) WHERE object_type = 'referral'")
    op.execute("UPDATE audit_entry SET record_id = (SELECT referral.record_id FROM service_referral JOIN referral "
               "ON referral.id = service_referral.referral_id WHERE service_referral.id = audit_entry.object_id) "
               "WHERE object_type = 'service_referral'")
    # Reasons were kept in the detail until now (second-factor resets): move them to the encrypted column.
    detail_column = "detail::text" if _postgres() else "detail"
    for entry_id, detail in bind.execute(sa.text(f"SELECT id, {detail_column} FROM audit_entry")).all():
        detail = _json(detail)
        if isinstance(detail, dict) and "reason" in detail:
            reason = detail.pop("reason")
            bind.execute(sa.text("UPDATE audit_entry SET reason = :reason, detail = :detail WHERE id = :id"),
                         {"reason": keys.encrypt(str(reason)), "detail": json.dumps(detail), "id": entry_id})

    # The outbox, rebuilt: claims, retries with backoff, failed messages kept, bodies encrypted. Messages waiting
    # are carried over.
    old = bind.execute(sa.select(_outbox_as_read("body"))).all()
    op.drop_table('outbox_message')
    outbox = op.create_table('outbox_message',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=True),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('claimed_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('failed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('redacted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_next_attempt_at'), ['next_attempt_at'], unique=False)
    if old:
        op.bulk_insert(outbox, [{
            "id": row.id, "template": "carried_over", "to_address": row.to_address, "subject": row.subject,
            "body_text": None if row.sent_at else keys.encrypt(row.body), "body_html": None,
            "created_at": row.created_at, "attempts": row.attempts, "next_attempt_at": row.created_at,
            "status": "sent" if row.sent_at else ("failed" if row.attempts >= 5 else "queued"),
            "sent_at": row.sent_at, "redacted_at": row.sent_at, "last_error": row.last_error,
            "failed_at": None if row.sent_at or row.attempts < 5 else row.created_at,
        } for row in old])

    if _postgres():
        years = int(os.environ.get("AUDIT_RETENTION_YEARS", "31"))
        op.execute(AUDIT_TRIGGER.format(years=years))


def downgrade() -> None:
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    bind = op.get_bind()
    old = bind.execute(sa.select(_outbox_as_read("body_text"))).all()
    op.drop_table('outbox_message')
    outbox = op.create_table('outbox_message',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    if old:
        op.bulk_insert(outbox, [{
            "id": row.id, "to_address": row.to_address, "subject": row.subject,
            "body": _decrypt(row.body_text) if row.body_text else "", "created_at": row.created_at,
            "sent_at": row.sent_at, "attempts": row.attempts, "last_error": row.last_error,
        } for row in old])
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_record_id'))
        batch_op.drop_column('reason')
        batch_op.drop_column('client_address')
        batch_op.drop_column('record_id')
    op.drop_table('referral_draft')
    _replace_column("user_account", "totp_secret", True, _decrypt, sql_type="VARCHAR(64)")
    _replace_column("service_referral", "without_consent_reason", True, _decrypt)
    _replace_column("service_referral", "sent_snapshot", False, _decrypt, sql_type="JSON")
    _replace_column("family_section", "data", False, _decrypt, sql_type="JSON")
    # Other tables refer to family_record: drop the columns in place (a batch would copy the table).
    op.drop_index('ix_family_record_lookup_hash', table_name='family_record')
    op.drop_index('ix_family_record_reference', table_name='family_record')
    op.execute("ALTER TABLE family_record DROP COLUMN lookup_hash")
    op.execute("ALTER TABLE family_record DROP COLUMN reference")

