"""The audit log: every view of a family's data and every sensitive action is written, with who, when, what,
the fields touched (never values) and the client address; views never commit (the operations they call do)."""

import ast
from pathlib import Path

from sqlmodel import select

from directory.config import PROJECT_ROOT
from directory.models import AuditEntry, Referral, ServiceReferral
from tests.helpers.people import PASSWORD, make_user, sign_in
from tests.helpers.records import CHILD, complete_record, new_record
from tests.test_referrals import choose

CLIENT = "203.0.113.9"


def _entries(db_session, **where) -> list[AuditEntry]:
    query = select(AuditEntry)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return list(db_session.exec(query.order_by(AuditEntry.at)))


def _client(app, user=None):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT
    if user is not None:
        sign_in(client, user)
    return client


def test_every_view_of_a_familys_data_is_in_the_audit_log_with_the_client_address(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    worker = make_user(db_session, ["key_worker"], districts=["east-staffordshire"])
    lead = make_user(db_session, ["service_lead"], services=["early-help-family-support"])
    staff = _client(app, worker)
    record = new_record(staff)
    complete_record(staff, record)
    key = choose(staff, record, ["early-help-family-support"], db_session)
    sent = staff.post(f"/families/{record}/check-answers", data={"idempotency_key": key})
    confirmation = sent.headers["Location"]
    referral = db_session.exec(select(Referral)).one()
    row = db_session.exec(select(ServiceReferral)).one()

    pages = {
        "families": "/families", "record": f"/families/{record}", "section": f"/families/{record}/child",
        "services": f"/families/{record}/services", "confirmation": confirmation,
    }
    for name, path in pages.items():
        before = len(_entries(db_session, user_id=worker.id, action="view"))
        assert staff.get(path).status_code == 200, name
        after = _entries(db_session, user_id=worker.id, action="view")
        assert len(after) == before + 1, name
        assert str(after[-1].record_id) == record and after[-1].client_address == CLIENT, name
    assert _entries(db_session, user_id=worker.id, action="view", object_type="referral")[-1].object_id == referral.id

    inbox = _client(app, lead)
    assert inbox.get("/inbox").status_code == 200  # the lead's inbox names the child
    assert inbox.get(f"/service-referrals/{row.id}").status_code == 200
    seen = _entries(db_session, user_id=lead.id, action="view", object_type="service_referral")
    assert len(seen) == 2 and {str(e.record_id) for e in seen} == {record}
    assert all(entry.client_address == CLIENT for entry in seen)

    # Changes and sharing: field names, never values.
    update = _entries(db_session, user_id=worker.id, action="update", object_type="family_record")[0]
    assert "first_name" in update.detail["fields"] and CHILD["first_name"] not in str(update.detail)
    shared = _entries(db_session, user_id=worker.id, action="share")[0]
    assert "child.first_name" in shared.detail["fields"] and str(shared.record_id) == record
    assert _entries(db_session, user_id=worker.id, action="submit")[0].record_id == referral.record_id


def test_signing_in_and_out_resets_and_role_changes_are_in_the_audit_log(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    person = make_user(db_session, ["family"])
    visitor = _client(app)
    visitor.post("/sign-in", data={"email": person.email, "password": "not the password at all"})
    visitor.post("/sign-in", data={"email": person.email, "password": PASSWORD})
    visitor.post("/sign-out")
    visitor.post("/reset-password", data={"email": person.email})
    actions = [entry.action for entry in _entries(db_session, object_id=person.id)]
    assert actions[:4] == ["sign_in_failed", "sign_in_password", "sign_out", "reset_requested"]
    assert {entry.client_address for entry in _entries(db_session, object_id=person.id)} == {CLIENT}

    admin = make_user(db_session, ["admin"])
    _client(app, admin).post("/admin/invite", data={"name": "New Lead", "email": "new.lead@example.org",
                                                   "roles": ["key_worker"]})
    invite = _entries(db_session, user_id=admin.id, action="invite")
    assert invite and invite[0].detail["roles"] == ["key_worker"] and invite[0].client_address == CLIENT


def _calls(path: Path, names: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} .{node.func.attr}()" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names]


def test_views_never_commit_or_roll_back():
    found = [call for path in sorted((PROJECT_ROOT / "directory" / "web").rglob("*.py"))
             for call in _calls(path, {"commit", "rollback"})]
    assert found == []
