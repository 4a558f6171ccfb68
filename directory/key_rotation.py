"""`flask --app wsgi rotate-keys`: re-encrypt every encrypted value with the newest key in FIELD_ENCRYPTION_KEYS,
and recompute the keyed lookup hashes (they use a key derived from the newest key). Put the new key first, keep
the old ones after it, run this, then remove the old keys."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from directory.db import get_database
from directory.encryption import encrypted_columns, keyring
from directory.models import FamilyRecord, FamilySection
from directory.referrals.records import lookup_hash

BATCH = 500


def rotate(session: Session) -> dict[str, int]:
    """Re-encrypt in one transaction (committed); returns {table.column: values re-encrypted}."""
    keys, counts = keyring(), {}
    if session.get_bind().dialect.name == "postgresql":
        # The audit log's trigger lets this transaction, and only it, re-encrypt a reason (migration 0005).
        session.execute(text("SET LOCAL directory.rotating_keys = 'on'"))
    for table, column in encrypted_columns(SQLModel.metadata):
        done, last = 0, None
        while True:
            after = "" if last is None else "AND id > :last "
            rows = session.execute(text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL {after}"
                                        f"ORDER BY id LIMIT {BATCH}"), {"last": last}).all()
            for row_id, value in rows:
                session.execute(text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
                                {"value": keys.rotate(value), "id": row_id})
            done += len(rows)
            if len(rows) < BATCH:
                break
            last = rows[-1][0]
        counts[f"{table}.{column}"] = done
    children = {row.record_id: row.data for row in session.exec(
        select(FamilySection).where(FamilySection.section == "child"))}
    for record in session.exec(select(FamilyRecord)):
        record.lookup_hash = lookup_hash(children.get(record.id, {}))
    counts["family_record.lookup_hash"] = len(children)
    session.commit()
    return counts


@click.command("rotate-keys")
@with_appcontext
def rotate_keys_command():
    """Re-encrypt every encrypted value with the newest key in FIELD_ENCRYPTION_KEYS."""
    with get_database(current_app).session_factory() as session:
        counts = rotate(session)
    for name, count in counts.items():
        click.echo(f"{name}: {count}")
    click.echo(f"Re-encrypted {sum(counts.values())} value(s) with the newest key. Old keys can now be removed "
               "from FIELD_ENCRYPTION_KEYS.")
