"""Admins manage people: the list (search, role and status filters, pages of 50), a person's page, roles (with
their rules), the services they lead, the districts they take families from and their caseload limit."""

import uuid

import pytest
from sqlmodel import select

from directory import people_admin
from directory.models import AuditEntry, KeyWorkerArea, Service, ServiceMembership, User, UserRole
from directory.people_admin import Refused
from directory.referrals import records as family_records
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.referrals import AUTISM, EARLY_HELP, service


def signed_in(app, user):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, user)
    return client


@pytest.fixture
def admin(db_session):
    return make_user(db_session, ["admin"], name="Ada Admin")


def roles(db_session, user) -> set[str]:
    db_session.expire_all()
    return set(db_session.exec(select(UserRole.role).where(UserRole.user_id == user.id)))


def entries(db_session, action: str, user) -> list[AuditEntry]:
    return list(db_session.exec(select(AuditEntry).where(AuditEntry.action == action,
                                                         AuditEntry.object_id == user.id)))


def warnings_on(page) -> list[str]:
    return [text_of(w) for w in page.soup.select(".govuk-warning-text__text")]


def summary(page) -> dict[str, str]:
    return {text_of(row.select_one("dt")): text_of(row.select_one("dd"))
            for row in page.soup.select(".govuk-summary-list__row")}


def error_text(page) -> str:
    return text_of(page.soup.select_one(".govuk-error-summary"))


def test_an_existing_user_is_attached_to_a_service_and_given_the_lead_role(app, db_session, admin):
    person = make_user(db_session, ["key_worker"], name="Kim Worker")
    early_help = service(db_session, EARLY_HELP)
    client = signed_in(app, admin)
    page = client.get(f"/admin/people/{person.id}/services")
    assert page.status_code == 200
    assert "Choosing a service gives them the service lead role" in text_of(page.soup)

    done = client.post(f"/admin/people/{person.id}/services", data={"services": [str(early_help.id)]})
    assert done.status_code == 302 and done.headers["Location"] == f"/admin/people/{person.id}"
    shown = client.get(done.headers["Location"])
    assert "Kim Worker's services have been saved. They have been given the service lead role." in text_of(shown.soup)
    assert early_help.name in text_of(shown.soup.select_one(".govuk-summary-list"))
    db_session.expire_all()
    assert db_session.get(ServiceMembership, (person.id, early_help.id)) is not None
    assert roles(db_session, person) == {"key_worker", "service_lead"}
    [entry] = entries(db_session, "services_changed", person)
    assert entry.user_id == admin.id
    assert entry.detail == {"added": [str(early_help.id)], "removed": [], "given": ["service_lead"]}

    # Saving with none ends the membership and keeps the role.
    client.post(f"/admin/people/{person.id}/services", data={"services": []})
    db_session.expire_all()
    assert db_session.get(ServiceMembership, (person.id, early_help.id)) is None
    assert roles(db_session, person) == {"key_worker", "service_lead"}
    # Something not on the list changes nothing.
    tampered = client.post(f"/admin/people/{person.id}/services", data={"services": [str(uuid.uuid4())]})
    assert "Select services from the list" in error_text(tampered)


def test_an_existing_user_is_attached_to_districts_and_given_the_key_worker_role(app, db_session, admin):
    person = make_user(db_session, ["service_lead"], name="Lou Lead")
    client = signed_in(app, admin)
    page = client.get(f"/admin/people/{person.id}/districts")
    boxes = {text_of(label): label["for"] for label in page.soup.select(".govuk-checkboxes__label")}
    ids = [page.soup.select_one(f"#{boxes[name]}")["value"] for name in ("Cannock Chase", "East Staffordshire")]
    done = client.post(f"/admin/people/{person.id}/districts", data={"districts": ids})
    assert done.status_code == 302
    assert "They have been given the key worker role" in text_of(client.get(done.headers["Location"]).soup)
    db_session.expire_all()
    assert {str(a.district_id) for a in db_session.exec(select(KeyWorkerArea)
                                                        .where(KeyWorkerArea.user_id == person.id))} == set(ids)
    assert roles(db_session, person) == {"key_worker", "service_lead"}
    [entry] = entries(db_session, "districts_changed", person)
    assert entry.detail == {"added": sorted(ids), "removed": [], "given": ["key_worker"]}


def test_you_cannot_take_away_your_own_admin_role(app, db_session, admin):
    make_user(db_session, ["admin"])  # not the last admin
    client = signed_in(app, admin)
    page = client.post(f"/admin/people/{admin.id}/roles", data={"roles": ["key_worker"]})
    assert "You cannot take away your own admin role" in error_text(page)
    assert roles(db_session, admin) == {"admin"}
    assert entries(db_session, "roles_changed", admin) == []


def test_the_last_active_admin_keeps_the_role(db_session, admin):
    for other in db_session.exec(select(User).join(UserRole, UserRole.user_id == User.id)
                                 .where(UserRole.role == "admin", User.id != admin.id)):
        other.is_active = False
    db_session.commit()
    someone = make_user(db_session, ["key_worker"])
    with pytest.raises(Refused, match="They are the only active admin"):
        people_admin.set_roles(db_session, someone.id, admin.id, ["key_worker"])
    assert roles(db_session, admin) == {"admin"}


def test_another_admins_role_can_be_taken(db_session, admin):
    other = make_user(db_session, ["admin", "key_worker"])
    assert people_admin.set_roles(db_session, admin.id, other.id, ["key_worker"]) == (set(), {"admin"})
    assert roles(db_session, other) == {"key_worker"}
    [entry] = entries(db_session, "roles_changed", other)
    assert entry.detail == {"given": [], "taken": ["admin"]}


def test_a_key_worker_with_open_families_keeps_the_role_until_they_are_moved(app, db_session, admin):
    worker = make_user(db_session, ["key_worker"], districts=["cannock-chase"])
    for _ in range(2):
        family_records.create_record(db_session, worker.id, {"key_worker"})
    client = signed_in(app, admin)
    page = client.post(f"/admin/people/{worker.id}/roles", data={"roles": ["service_lead"]})
    assert "Move their 2 families first: deactivate their account, which asks who takes each family" \
        in error_text(page)
    assert roles(db_session, worker) == {"key_worker"}
    assert db_session.exec(select(KeyWorkerArea).where(KeyWorkerArea.user_id == worker.id)).all()


def test_taking_the_lead_role_ends_their_service_memberships(app, db_session, admin):
    lead = make_user(db_session, ["service_lead", "key_worker"], services=[EARLY_HELP, AUTISM])
    client = signed_in(app, admin)
    page = client.get(f"/admin/people/{lead.id}/roles")
    assert {box["value"] for box in page.soup.select("input[name=roles][checked]")} == {"service_lead", "key_worker"}
    done = client.post(f"/admin/people/{lead.id}/roles", data={"roles": ["key_worker"]})
    assert done.status_code == 302
    assert "They no longer lead any services." in text_of(client.get(done.headers["Location"]).soup)
    assert roles(db_session, lead) == {"key_worker"}
    assert db_session.exec(select(ServiceMembership).where(ServiceMembership.user_id == lead.id)).all() == []
    none = client.post(f"/admin/people/{lead.id}/roles", data={})
    assert "Select at least one role" in error_text(none)


@pytest.mark.parametrize(("value", "error"), [
    ("-1", "Enter the caseload limit as a whole number, like 20"),
    ("abc", "Enter the caseload limit as a whole number, like 20"),
    ("2.5", "Enter the caseload limit as a whole number, like 20"),
    ("201", "Enter a caseload limit from 0 to 200"),
    ("99999999999", "Enter a caseload limit from 0 to 200"),
])
def test_a_caseload_limit_that_is_not_a_whole_number_to_200_is_refused(app, db_session, admin, value, error):
    worker = make_user(db_session, ["key_worker"], caseload_limit=7)
    page = signed_in(app, admin).post(f"/admin/people/{worker.id}/caseload", data={"limit": value})
    assert page.status_code == 200 and error in error_text(page)
    assert page.soup.title.text.startswith("Error: ")
    db_session.refresh(worker)
    assert worker.caseload_limit == 7


def test_a_caseload_limit_is_set_or_left_to_the_site_default(app, db_session, admin):
    worker = make_user(db_session, ["key_worker"], name="Kim Worker")
    client = signed_in(app, admin)
    page = client.get(f"/admin/people/{worker.id}/caseload")
    default = app.config["CASELOAD_LIMIT"]
    assert f"Leave it empty for the site default, which is {default}." in text_of(page.soup)
    client.post(f"/admin/people/{worker.id}/caseload", data={"limit": " 0 "})
    db_session.refresh(worker)
    assert worker.caseload_limit == 0
    done = client.post(f"/admin/people/{worker.id}/caseload", data={"limit": "200"})
    assert "Kim Worker's caseload limit is now 200." in text_of(client.get(done.headers["Location"]).soup)
    done = client.post(f"/admin/people/{worker.id}/caseload", data={"limit": ""})
    shown = client.get(done.headers["Location"])
    assert f"caseload limit is now the site's default ({default})" in text_of(shown.soup)
    assert f"The site default ({default} open families)" in text_of(shown.soup.select_one(".govuk-summary-list"))
    db_session.refresh(worker)
    assert worker.caseload_limit is None
    changes = entries(db_session, "caseload_limit_changed", worker)
    assert len(changes) == 3 and all(e.detail == {"fields": ["caseload_limit"]} for e in changes)


def test_the_list_searches_filters_and_shows_fifty_a_page(app, db_session, admin):
    made = [make_user(db_session, ["key_worker" if n % 2 else "service_lead"], name=f"Zebedee Quill {n:02}")
            for n in range(51)]
    made[0].is_active = False
    db_session.commit()
    client = signed_in(app, admin)

    def search(**filters):
        """Post the search, as the form does (a name or an email never goes in an address), then read the list."""
        posted = client.post("/admin/people", data=filters)
        assert posted.status_code == 302 and posted.headers["Location"] == "/admin/people"
        return client.get("/admin/people")

    first = search(q="zebedee quill")
    assert first.status_code == 200
    names = [text_of(row.select_one("td")) for row in first.soup.select("#people tbody tr")]
    assert names == [f"Zebedee Quill {n:02}" for n in range(50)]
    assert "51 people, page 1 of 2" in text_of(first.soup.select_one("caption"))
    second_link = first.soup.select_one(".govuk-pagination__next a")["href"]
    assert second_link == "/admin/people?page=2"
    second = client.get(second_link)
    assert [text_of(row.select_one("td")) for row in second.soup.select("#people tbody tr")] == ["Zebedee Quill 50"]
    row = first.soup.select("#people tbody tr")[0]
    assert [text_of(cell) for cell in row.select("td")] == ["Zebedee Quill 00", made[0].email, "Service lead",
                                                            "Deactivated"]
    assert row.select_one("a")["href"] == f"/admin/people/{made[0].id}"

    by_email = search(q=made[7].email.upper())
    assert [text_of(r.select_one("td")) for r in by_email.soup.select("#people tbody tr")] == ["Zebedee Quill 07"]
    leads = search(q="quill", role="service_lead", status="active")
    assert len(leads.soup.select("#people tbody tr")) == 25  # 26 even numbers, less the deactivated 00
    gone = search(q="quill", status="deactivated")
    assert [text_of(r.select_one("td")) for r in gone.soup.select("#people tbody tr")] == ["Zebedee Quill 00"]
    assert "No one matches" in text_of(search(q="nobody%here").soup)
    # Nonsense is ignored, never an error.
    odd = search(q="quill", role="pirate", status="sleeping")
    assert odd.status_code == 200 and "51 people, page 1 of 2" in text_of(odd.soup.select_one("caption"))
    assert client.get("/admin/people?page=x9").status_code == 200
    assert client.get("/admin/people?page=99").status_code == 200


def test_the_person_page_and_the_invitation_of_an_existing_address(app, db_session, admin):
    lead = make_user(db_session, ["service_lead"], name="Lou Lead", services=[EARLY_HELP])
    client = signed_in(app, admin)
    page = client.get(f"/admin/people/{lead.id}")
    rows = summary(page)
    assert rows["Status"] == "Active" and rows["Roles"] == "Service lead"
    assert rows["Services they lead"] == service(db_session, EARLY_HELP).name
    assert rows["Second factor"] == "Off"
    assert "Caseload limit" not in rows
    invited = client.post("/admin/invite", data={"name": "Lou", "email": lead.email.upper(),
                                                 "roles": ["key_worker"]})
    assert f"There is already an account for {lead.email}: change their roles and services on their page" \
        in error_text(invited)
    assert invited.soup.select_one(f"a[href='/admin/people/{lead.id}']") is not None
    assert client.get(f"/admin/people/{uuid.uuid4()}").status_code == 404


def test_the_services_page_warns_where_they_are_the_only_lead(app, db_session, admin):
    lead = make_user(db_session, ["service_lead"], services=[EARLY_HELP, AUTISM])
    make_user(db_session, ["service_lead"], services=[AUTISM])  # autism has another lead
    early_help = service(db_session, EARLY_HELP)
    client = signed_in(app, admin)
    warnings = warnings_on(client.get(f"/admin/people/{lead.id}/services"))
    assert warnings == [f"Warning If you remove them, referrals to {early_help.name} will go only to its referral "
                        "address."]
    early_help.referral_email = None
    db_session.commit()
    warnings = warnings_on(client.get(f"/admin/people/{lead.id}/services"))
    assert warnings == [f"Warning If you remove them, {early_help.name} will have no one to receive referrals: "
                        "families will not be able to refer to it through this site."]


def test_only_admins_manage_people(app, db_session):
    person = make_user(db_session, ["key_worker"])
    paths = ["/admin/people", f"/admin/people/{person.id}", f"/admin/people/{person.id}/roles",
             f"/admin/people/{person.id}/services", f"/admin/people/{person.id}/districts",
             f"/admin/people/{person.id}/caseload", f"/admin/people/{person.id}/deactivate",
             f"/admin/people/{person.id}/reactivate"]
    for role in ("key_worker", "service_lead", "family", "information_governance"):
        client = signed_in(app, make_user(db_session, [role]))
        for path in paths:
            assert client.get(path).status_code == 403, (role, path)
        assert client.post(f"/admin/people/{person.id}/roles", data={"roles": ["admin"]}).status_code == 403
        assert client.post(f"/admin/people/{person.id}/deactivate", data={}).status_code == 403
    assert roles(db_session, person) == {"key_worker"}
    db_session.refresh(person)
    assert person.is_active


def test_a_service_id_that_is_not_a_service_is_refused_by_the_data_layer(db_session, admin):
    person = make_user(db_session, ["service_lead"])
    with pytest.raises(Refused, match="Select services from the list"):
        people_admin.set_services(db_session, admin.id, person.id, ["not-a-uuid"])
    assert db_session.exec(select(Service)).first() is not None
    with pytest.raises(Refused, match="Enter a number from 0 to 200"):
        people_admin.set_caseload_limit(db_session, admin.id, person.id, 201)
