"""Nothing personal is published: never a referral address, never a contact's name (contacts by role only)."""

from sqlmodel import select

from directory.listings import writer
from directory.models import Service
from tests.api.conftest import get_json


def test_a_full_dump_holds_no_referral_address_and_no_contact_name(client, db_session):
    services = list(db_session.exec(select(Service).order_by(Service.name).limit(3)))
    for number, service in enumerate(services):
        writer.update_service(db_session, service.id, {
            "contacts": [{"name": f"Priya Contactname{number}", "title": "Team manager"},
                         {"name": f"Sam Nameonly{number}"}],
            "referral_email": f"private.referrals{number}@example.org",
        }, source="import", reason="test")
    db_session.commit()
    referral_emails = [s.referral_email for s in db_session.exec(select(Service)) if s.referral_email]
    assert len(referral_emails) > 3
    dump = "".join(
        client.get(url).get_data(as_text=True) for url in (
            "/api/services?format=ndjson&full=true", "/api/service_at_locations?format=ndjson&full=true",
            "/api/organizations?format=ndjson&full=true&full_service=true", "/api/taxonomy_terms?format=ndjson",
            *[f"/api/services/{s.id}" for s in services]))
    assert "Contactname" not in dump and "Nameonly" not in dump
    assert "referral_email" not in dump
    for address in referral_emails:
        assert address not in dump
    published = get_json(client, f"/api/services/{services[0].id}", "service")
    assert [c["title"] for c in published["contacts"]] == ["Team manager"]
    assert all(set(c) == {"id", "service_id", "title"} for c in published["contacts"])
