"""Children's data is encrypted at field level: the raw database holds none of it, and `rotate-keys` moves every
value to the newest key."""

import uuid

from cryptography.fernet import Fernet
from sqlalchemy import inspect, text
from sqlmodel import select

from directory import encryption
from directory.models import AuditEntry, FamilyRecord, FamilySection, ReferralDraft, ServiceReferral, User
from directory.referrals import records as family_records
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import complete_record, new_record
from tests.test_referrals import choose, service_id

# Values no page, seed or template contains, planted in every kind of sensitive field.
PLANTED = {
    "child": {"first_name": "Zephyrine", "last_name": "Oakhampton-Quill", "nhs_number": "943 476 5919",
              "address_line_1": "17 Marmalade Wharf"},
    "people": {"carer_name": "Thaddeus Quillfeather", "carer_phone": "07700 900461",
               "carer_email": "thaddeus.quill@example.net"},
    "needs": {"tried_already": "Sensory diet with weighted blanket Kestrel-44"},
    "story": {"what_matters": "Marigold-umbrella-walks matter most", "good_day": "Porridge then the canal at dawn",
              "child_views": "I want the Pelican-lorry toy"},
}
REASON = "Safeguarding: Uncle Barnabas-Whitlock threatened harm"
SECRET_WORDS = ["Zephyrine", "Oakhampton", "943 476 5919", "9434765919", "Marmalade Wharf", "Quillfeather",
                "900461", "thaddeus.quill", "Kestrel-44", "Marigold-umbrella", "Porridge then the canal",
                "Pelican-lorry", "Barnabas-Whitlock"]


def _plant(app, db_session) -> tuple[str, str]:
    """One sent referral without consent, one draft with a reason, a second factor: returns the record ids."""
    app.config["WTF_CSRF_ENABLED"] = False
    worker = make_user(db_session, ["key_worker"], districts=["east-staffordshire"])
    staff = app.test_client()
    sign_in(staff, worker)
    sent, drafted = new_record(staff), new_record(staff)
    for record in (sent, drafted):
        complete_record(staff, record, **PLANTED)
    choose(staff, sent, ["early-help-family-support"], db_session)
    staff.post(f"/families/{sent}/consent", data={"reason_0": REASON})
    key = staff.get(f"/families/{sent}/check-answers").soup.find("input", attrs={"name": "idempotency_key"})
    assert staff.post(f"/families/{sent}/check-answers", data={"idempotency_key": key["value"]}).status_code == 302
    early_help = service_id(db_session, "early-help-family-support")
    staff.post(f"/families/{drafted}/services", data={"services": [early_help]})
    staff.post(f"/families/{drafted}/consent", data={"reason_0": REASON})
    worker.totp_secret = "JBSWY3DPEHPK3PXP"
    db_session.commit()
    return sent, drafted


def _raw_database(db_session) -> str:
    """Every value of every table as the database holds it: plain SQL, no column types to decrypt anything."""
    connection = db_session.connection()
    out = []
    for table in inspect(connection).get_table_names():
        for row in connection.execute(text(f'SELECT * FROM "{table}"')):
            out.extend(value.decode("latin-1") if isinstance(value, bytes) else str(value) for value in row)
    return "\n".join(out)


def test_the_raw_database_holds_none_of_the_planted_values(app, db_session):
    _plant(app, db_session)
    # A second factor being set up waits in the server-side session: that is encrypted too.
    person = make_user(db_session, ["family"])
    setting_up = app.test_client()
    sign_in(setting_up, person)
    waiting = setting_up.get("/your-account/two-factor").soup.select_one(".app-setup-key").get_text(strip=True)
    # Through the application every value reads back...
    sections = [s.data for s in db_session.exec(select(FamilySection))]
    assert any(s.get("first_name") == "Zephyrine" for s in sections)
    assert db_session.exec(select(ServiceReferral)).one().without_consent_reason == REASON
    assert db_session.exec(select(ReferralDraft)).one().data["consent"]
    # ...and none of it is in the database as stored.
    raw = _raw_database(db_session)
    assert "gAAAAA" in raw  # Fernet tokens are there
    found = [word for word in SECRET_WORDS + ["JBSWY3DPEHPK3PXP", waiting] if word.lower() in raw.lower()]
    assert found == []


def test_a_record_is_found_by_a_keyed_hash_of_names_and_date_of_birth(app, db_session):
    sent, _drafted = _plant(app, db_session)
    record = db_session.get(FamilyRecord, uuid.UUID(sent))
    assert record.lookup_hash == encryption.keyring().lookup_hash(" ZEPHYRINE", "oakhampton quill", "2017-05-14")
    assert "zephyrine" not in record.lookup_hash and len(record.lookup_hash) == 64


def test_rotate_keys_moves_every_value_to_the_newest_key(app, runner, db_session):
    sent, _drafted = _plant(app, db_session)
    admin = make_user(db_session, ["admin"])
    from directory.audit import record as audit

    audit(db_session, admin.id, "second_factor_reset", "user", admin.id, reason="Called back on the office line")
    db_session.commit()
    before = _raw_database(db_session)

    new_key = Fernet.generate_key().decode()
    encryption.configure([new_key, encryption.DEVELOPMENT_KEY])
    result = runner.invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "family_section.data: " in result.output and "audit_entry.reason: 1" in result.output
    db_session.expire_all()

    encryption.configure([new_key])  # the old key is gone: everything must still read
    children = db_session.exec(select(FamilySection).where(FamilySection.section == "child"))
    assert {s.data["first_name"] for s in children} == {"Zephyrine"}
    assert db_session.exec(select(ServiceReferral)).one().without_consent_reason == REASON
    assert db_session.exec(select(ReferralDraft)).one().data["consent"]
    assert db_session.exec(select(User).where(User.totp_secret.is_not(None))).one().totp_secret == "JBSWY3DPEHPK3PXP"
    assert db_session.exec(select(AuditEntry).where(AuditEntry.reason.is_not(None))).one().reason.startswith("Called")
    # The keyed hashes follow the newest key, so a record is still found by name and date of birth.
    record = db_session.get(FamilyRecord, uuid.UUID(sent))
    assert record.lookup_hash == family_records.lookup_hash(
        {"first_name": "Zephyrine", "last_name": "Oakhampton-Quill", "date_of_birth": "2017-05-14"})
    after = _raw_database(db_session)
    assert before != after

    encryption.configure([encryption.DEVELOPMENT_KEY])  # only the old key: nothing reads any more
    token = db_session.connection().execute(text("SELECT data FROM family_section LIMIT 1")).scalar_one()
    try:
        encryption.keyring().decrypt(token)
    except encryption.EncryptionKeyError:
        pass
    else:
        raise AssertionError("a value encrypted with the new key was read with the old one")
