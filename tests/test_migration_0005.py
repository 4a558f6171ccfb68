"""Migration 0005 on a database that already holds families: their data is encrypted in place and reads back
the same, references and lookup hashes are made, queued emails are carried over, and downgrading gives it back."""

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session, select

from directory import migrate
from directory.db import Database
from directory.models import AuditEntry, FamilyRecord, FamilySection, OutboxMessage, ServiceReferral, User
from directory.referrals.records import lookup_hash
from tests.helpers.databases import empty_database

CHILD = {"first_name": "Ottoline", "last_name": "Brackenbury", "date_of_birth": "2016-02-29"}
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _insert(connection, table: str, **values) -> None:
    columns = ", ".join(values)
    connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in values)})"),
                       values)


def _hex(value: uuid.UUID, backend: str) -> str:
    return value.hex if backend == "sqlite" else str(value)


def _plant_at_0004(connection, backend: str) -> dict:
    ids = {name: uuid.uuid4() for name in ("user", "org", "service", "record", "referral", "row", "audit", "mail")}
    h = {name: _hex(value, backend) for name, value in ids.items()}
    _insert(connection, "user_account", id=h["user"], email="kw@example.org", name="Key Worker", is_active=True,
            created_at=NOW, session_version=0, totp_secret="JBSWY3DPEHPK3PXP", totp_enabled_at=NOW)
    _insert(connection, "organisation", id=h["org"], name="Org", description="An organisation")
    _insert(connection, "service", id=h["service"], organisation_id=h["org"], slug="a-service", name="A service",
            summary="s", description="d", status="active", minimum_age=0, maximum_age=25, how_to_refer="Ask",
            accepting_referrals=True, last_modified=NOW)
    _insert(connection, "family_record", id=h["record"], key_worker_id=h["user"], created_by_id=h["user"],
            created_at=NOW, updated_at=NOW)
    _insert(connection, "family_section", id=_hex(uuid.uuid4(), backend), record_id=h["record"], section="child",
            data=json.dumps(CHILD), completed=True, updated_at=NOW)
    _insert(connection, "referral", id=h["referral"], reference="REF-AAAA-BBBB", record_id=h["record"],
            submitted_by_id=h["user"], submitted_at=NOW, idempotency_key="k" * 32, self_referral=False)
    _insert(connection, "service_referral", id=h["row"], referral_id=h["referral"], service_id=h["service"],
            status="sent", without_consent_reason="Risk from a relative",
            shared_fields=json.dumps(["child.first_name"]),
            sent_snapshot=json.dumps({"child.first_name": "Ottoline"}))
    _insert(connection, "audit_entry", id=h["audit"], at=NOW, user_id=h["user"], action="view",
            object_type="service_referral", object_id=h["row"], detail=json.dumps({"reason": "Asked by phone"}))
    _insert(connection, "outbox_message", id=h["mail"], to_address="kw@example.org", subject="Reset your password",
            body="Use https://example.org/reset-password/secret-token", created_at=NOW, attempts=0)
    return ids


def test_upgrading_a_database_with_families_encrypts_it_in_place_and_downgrading_gives_it_back(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        database = Database(url)
        try:
            migrate.upgrade(database.engine, "0004")
            with database.engine.begin() as connection:
                ids = _plant_at_0004(connection, backend)
            migrate.upgrade(database.engine)

            with Session(database.engine) as session:
                record = session.get(FamilyRecord, ids["record"])
                assert record.reference.startswith("FAM-") and record.lookup_hash == lookup_hash(CHILD)
                assert session.exec(select(FamilySection)).one().data == CHILD
                row = session.get(ServiceReferral, ids["row"])
                assert row.sent_snapshot == {"child.first_name": "Ottoline"}
                assert row.without_consent_reason == "Risk from a relative"
                assert session.get(User, ids["user"]).totp_secret == "JBSWY3DPEHPK3PXP"
                entry = session.get(AuditEntry, ids["audit"])
                assert entry.record_id == ids["record"] and entry.reason == "Asked by phone" and entry.detail == {}
                mail = session.get(OutboxMessage, ids["mail"])
                assert mail.status == "queued" and mail.body_text.endswith("secret-token")
                raw = " ".join(str(v) for table in ("family_section", "service_referral", "user_account",
                                                    "outbox_message", "audit_entry")
                               for r in session.connection().execute(text(f"SELECT * FROM {table}")) for v in r)
                for value in ("Ottoline", "Brackenbury", "Risk from a relative", "JBSWY3DPEHPK3PXP", "secret-token",
                              "Asked by phone"):
                    assert value not in raw
        finally:
            database.engine.dispose()


def test_downgrading_to_0004_decrypts_what_0005_encrypted(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        database = Database(url)
        try:
            migrate.upgrade(database.engine, "0004")
            with database.engine.begin() as connection:
                _plant_at_0004(connection, backend)
            migrate.upgrade(database.engine)
            migrate.downgrade(database.engine, "0004")
            with database.engine.connect() as connection:
                data = connection.execute(text("SELECT data FROM family_section")).scalar_one()
                reason = connection.execute(text("SELECT without_consent_reason FROM service_referral")).scalar_one()
                body = connection.execute(text("SELECT body FROM outbox_message")).scalar_one()
            assert (json.loads(data) if isinstance(data, str) else data) == CHILD
            assert reason == "Risk from a relative" and body.endswith("secret-token")
        finally:
            database.engine.dispose()
