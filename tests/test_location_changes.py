"""A lead changes where their service is offered ("Where it is"): places of their organisation, and one new place,
through a change request an admin approves."""

import pytest
from sqlmodel import func, select

from directory.listings import change_requests, writer
from directory.models import Location, Service, stable_id
from directory.models.listings import ChangeRequest
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in

OT_NORTH = "ot-north-team"  # at Hazel Trees; its organisation's other services are at other places
OTHER = "ot-east-team"
NEW_PLACE = {"new_name": "Fenton Family Hub", "new_address_1": "12 Christchurch Street", "new_city": "Stoke-on-Trent",
             "new_postcode": "st4 3ab", "new_accessibility": "Step-free entrance"}


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def service(session, slug=OT_NORTH) -> Service:
    return session.exec(select(Service).where(Service.slug == slug)).one()


def pending_requests(session) -> list[ChangeRequest]:
    session.expire_all()
    return session.exec(select(ChangeRequest).where(ChangeRequest.status == "pending")).all()


def locations(session) -> int:
    return session.exec(select(func.count()).select_from(Location)).one()


def test_a_lead_asks_for_places_which_wait_then_an_admin_approves_and_they_are_public(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[OT_NORTH])
    admin = make_user(db_session, ["admin"])
    ot_north = service(db_session)
    hazel_trees, wilnecote = str(stable_id("location", "hazel-trees-fenton")), str(stable_id("location",
                                                                                             "wilnecote-health-centre"))
    before = (writer.service_entry(db_session, ot_north.id), locations(db_session))
    sign_in(client, lead)
    page = client.get(f"/your-services/{ot_north.id}")
    assert page.soup.find("a", href=f"/your-services/{ot_north.id}/edit/locations")
    form = client.get(f"/your-services/{ot_north.id}/edit/locations")
    assert form.status_code == 200
    assert form.soup.find("input", {"name": "locations", "value": hazel_trees}).has_attr("checked")
    assert form.soup.find("input", {"name": "locations", "value": wilnecote}) is not None
    assert "Wilnecote Health Centre" in text_of(form.soup)
    sent = client.post(f"/your-services/{ot_north.id}/edit/locations",
                       data={"locations": [hazel_trees, wilnecote], **NEW_PLACE}, follow_redirects=True)
    assert "Sent for approval" in text_of(sent.soup)
    [request] = pending_requests(db_session)
    assert request.section == "locations" and request.changes["locations"] == sorted([hazel_trees, wilnecote])
    new = request.changes["new_location"]
    assert new["name"] == "Fenton Family Hub" and new["address"]["postal_code"] == "ST4 3AB"
    assert new["accessibility"] == ["Step-free entrance"]
    # Nothing public yet.
    public = client.get(f"/services/{ot_north.slug}").get_data(as_text=True)
    assert "Fenton Family Hub" not in public and "Wilnecote" not in public
    assert (writer.service_entry(db_session, ot_north.id), locations(db_session)) == before

    sign_in(client, admin)
    diff = text_of(client.get(f"/admin/change-requests/{request.id}").soup.select_one("#differences"))
    assert "Hazel Trees, Hazel Trees, Duke Street, Fenton, Stoke-on-Trent, ST4 3NR" in diff
    assert "Wilnecote Health Centre" in diff and "Fenton Family Hub, 12 Christchurch Street" in diff
    assert "ST4 3AB (new)" in diff
    done = client.post(f"/admin/change-requests/{request.id}", data={"version": "1", "decision": "approve"},
                       follow_redirects=True)
    assert "Change approved" in text_of(done.soup)
    public = text_of(client.get(f"/services/{ot_north.slug}").soup)
    assert "Fenton Family Hub" in public and "12 Christchurch Street" in public and "ST4 3AB" in public
    assert "Step-free entrance" in public and "Wilnecote Health Centre" in public and "Hazel Trees" in public
    db_session.expire_all()
    entry = writer.service_entry(db_session, ot_north.id)
    assert entry["locations"] == sorted([hazel_trees, wilnecote, new["id"]])
    assert writer.revisions(db_session, ot_north.id)[0].source == "approval"
    assert locations(db_session) == before[1] + 1


def test_a_bad_postcode_or_a_half_given_place_is_a_clear_error_and_saves_nothing(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[OT_NORTH])
    ot_north = service(db_session)
    sign_in(client, lead)
    for data, message in ((dict(NEW_PLACE, new_postcode="not a postcode"), "Enter a real postcode"),
                          (dict(NEW_PLACE, new_postcode=""), "Enter a postcode"),
                          (dict(NEW_PLACE, new_city=""), "Enter the town or city of the new place")):
        page = client.post(f"/your-services/{ot_north.id}/edit/locations", data=data)
        assert page.status_code == 200 and page.soup.title.get_text().startswith("Error:")
        summary = text_of(page.soup.select_one(".govuk-error-summary"))
        assert message in summary, summary
    assert pending_requests(db_session) == []
    # Unchanged places are refused too, and a place of another organisation cannot be slipped in.
    same = client.post(f"/your-services/{ot_north.id}/edit/locations",
                       data={"locations": str(stable_id("location", "hazel-trees-fenton"))})
    assert "You have not changed anything" in text_of(same.soup)
    with pytest.raises(change_requests.Refused):
        change_requests.request_change(db_session, lead.id, {"service_lead"}, ot_north.id, "locations",
                                       {"locations": ["00000000-0000-0000-0000-000000000001"]})
    assert pending_requests(db_session) == []


def test_a_lead_cannot_see_or_change_another_services_places(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[OT_NORTH])
    other = service(db_session, OTHER)
    sign_in(client, lead)
    assert client.get(f"/your-services/{other.id}/edit/locations").status_code == 404
    assert client.post(f"/your-services/{other.id}/edit/locations", data=NEW_PLACE).status_code == 404
    with pytest.raises(change_requests.NotAllowed):
        change_requests.request_change(db_session, lead.id, {"service_lead"}, other.id, "locations",
                                       {"locations": []})
    assert pending_requests(db_session) == []


def test_a_request_is_refused_if_the_places_changed_since_the_lead_asked(client, db_session):
    lead = make_user(db_session, ["service_lead"], services=[OT_NORTH])
    admin = make_user(db_session, ["admin"])
    ot_north = service(db_session)
    wilnecote = str(stable_id("location", "wilnecote-health-centre"))
    request = change_requests.request_change(db_session, lead.id, {"service_lead"}, ot_north.id, "locations",
                                             {"locations": [wilnecote]})
    writer.update_service(db_session, ot_north.id, {"locations": []}, source="import")
    db_session.commit()
    sign_in(client, admin)
    page = client.post(f"/admin/change-requests/{request.id}", data={"version": "1", "decision": "approve"})
    assert "cannot be approved" in text_of(page.soup) and "places" in text_of(page.soup)
    db_session.expire_all()
    assert db_session.get(ChangeRequest, request.id).status == "pending"
    assert writer.service_entry(db_session, ot_north.id).get("locations", []) == []
