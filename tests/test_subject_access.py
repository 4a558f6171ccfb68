"""Subject access: information governance finds a family by reference or by the child's names and date of birth, and
exports everything held about that family (and nothing about another), each search and export audited with its
reason; nobody else may use it, and nothing of it is cached."""

import json
import uuid

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from directory.models import AuditEntry, FamilyAccess, FamilyRecord, Service, ServiceReferral
from directory.referrals import lifecycle, subject_access
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import complete_record, new_record

CONSENT = {"given_by_0": "parent_with_parental_responsibility", "method_0": "written", "when_0": ["3", "2", "2026"]}
# Values planted in each family's record, found in its export only.
PLANTED = {
    "a": {"first_name": "Quentaria", "last_name": "Oddfellow-Smythe", "dob": ["9", "10", "2016"],
          "story": "Marker story alpha zephyr", "carer_email": "carer-alpha-marker@example.org",
          "views": "Alpha likes lighthouses", "parent": "Parent Alphamarker"},
    "b": {"first_name": "Bartholomina", "last_name": "Wrexley", "dob": ["2", "3", "2015"],
          "story": "Marker story beta quasar", "carer_email": "carer-beta-marker@example.org",
          "views": "Beta likes volcanoes", "parent": "Parent Betamarker", "reason": "Marker beta safeguarding why"},
}


def _send(client, record: str, consent: dict) -> str:
    """Refer the record to the first service offered, with this consent; returns the referral page's path."""
    page = client.get(f"/families/{record}/services")
    service = BeautifulSoup(page.get_data(as_text=True), "html.parser").select("input[name=services]")[0]["value"]
    assert client.post(f"/families/{record}/services", data={"services": [service]}).status_code == 302
    assert client.post(f"/families/{record}/consent", data=consent).status_code == 302
    page = client.get(f"/families/{record}/check-answers")
    key = BeautifulSoup(page.get_data(as_text=True), "html.parser").find("input", attrs={"name": "idempotency_key"})
    response = client.post(f"/families/{record}/check-answers", data={"idempotency_key": key["value"]})
    assert response.status_code == 302 and "/referrals/" in response.headers["Location"]
    return service


@pytest.fixture
def families(app, db_session):
    """Two families written by their key workers through the pages, each with a family account and a referral;
    family A also has a referral being prepared, family B's referral went without consent."""
    app.config["WTF_CSRF_ENABLED"] = False
    out = {}
    for letter, marks in PLANTED.items():
        worker = make_user(db_session, ["key_worker"], name=f"Key Worker {letter.upper()}marker",
                           districts=["east-staffordshire"])
        client = app.test_client()
        sign_in(client, worker)
        record = new_record(client)
        complete_record(client, record,
                        child={"first_name": marks["first_name"], "last_name": marks["last_name"],
                               "date_of_birth": marks["dob"]},
                        people={"carer_email": marks["carer_email"]},
                        story={"what_matters": marks["story"], "child_views": marks["views"]})
        consent = CONSENT if letter == "a" else {"reason_0": marks["reason"]}
        service = _send(client, record, consent)
        if letter == "a":  # a second referral being chosen: a draft
            assert client.post(f"/families/{record}/services", data={"services": [service]}).status_code == 302
        parent = make_user(db_session, ["family"], name=marks["parent"])
        db_session.add(FamilyAccess(record_id=uuid.UUID(record), user_id=parent.id))
        db_session.commit()
        family = db_session.get(FamilyRecord, uuid.UUID(record))
        db_session.refresh(family)
        out[letter] = {"record": family, "worker": worker, "parent": parent,
                       "service": db_session.get(Service, uuid.UUID(service)).name}
    return out


@pytest.fixture
def governance(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    person = make_user(db_session, ["information_governance"], name="Ingrid Governance")
    sign_in(client, person)
    client.person = person
    return client


def planted(families, letter: str) -> list[str]:
    marks, family = PLANTED[letter], families[letter]
    values = [marks["first_name"], marks["last_name"], marks["story"], marks["carer_email"], marks["views"],
              marks["parent"], family["parent"].email, family["record"].reference, f"Key Worker {letter.upper()}marker"]
    return values + ([marks["reason"]] if "reason" in marks else [])


def entries(db_session, action: str) -> list[AuditEntry]:
    db_session.expire_all()
    return list(db_session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.at)))


# --- finding a family --------------------------------------------------------------------------------------------


def test_a_record_is_found_by_its_reference_whatever_the_case_and_spacing(db_session, families):
    record = families["a"]["record"]
    code = record.reference.removeprefix("FAM-").replace("-", "")
    for typed in (record.reference, record.reference.lower(), f"  fam {code[:4]} {code[4:]} ", code.lower(),
                  f"FAM–{code[:4]}–{code[4:]}"):
        assert subject_access.find_by_reference(db_session, typed).id == record.id, typed
    for typed in ("", "FAM-ABCD", "FAM-ABCD-23456", "FAM-ABCD-0000", "x" * 5000, "FAM-ZZZZ-ZZZZ"):
        assert subject_access.find_by_reference(db_session, typed) is None, typed


def test_a_record_is_found_by_the_childs_names_and_date_of_birth(db_session, families):
    from datetime import date

    record = families["a"]["record"]
    assert [r.id for r in subject_access.find_by_child(db_session, "quentaria", " ODDFELLOW smythe ",
                                                       date(2016, 10, 9))] == [record.id]
    assert [r.id for r in subject_access.find_by_child(db_session, "QUÉNTARIA", "Oddfellow Smythe",
                                                       date(2016, 10, 9))] == [record.id]
    assert subject_access.find_by_child(db_session, "Quentaria", "Oddfellow-Smythe", date(2016, 10, 10)) == []
    assert subject_access.find_by_child(db_session, "Bartholomina", "Oddfellow-Smythe", date(2016, 10, 9)) == []


def test_the_search_page_finds_by_reference_and_by_name(governance, families):
    record = families["a"]["record"]
    response = governance.post("/governance/find-a-family",
                               data={"reference": f" {record.reference.lower()} ", "reason": "SAR 1 from the parent"})
    assert response.status_code == 200
    assert response.soup.h1.get_text(strip=True) == "1 family found"
    page = text_of(response.soup)
    assert record.reference in page and "Quentaria Oddfellow-Smythe" in page and "9 October 2016" in page
    assert response.soup.find("a", href=f"/governance/families/{record.id}/export")
    assert PLANTED["b"]["first_name"] not in page

    response = governance.post("/governance/find-a-family", data={
        "first_name": " QUENTARIA ", "last_name": "oddfellow smythe", "date_of_birth": ["09", "10", "2016"],
        "reason": "SAR 1 from the parent"})
    assert response.soup.h1.get_text(strip=True) == "1 family found"
    assert response.soup.find("a", href=f"/governance/families/{record.id}/export")

    response = governance.post("/governance/find-a-family", data={
        "first_name": "Nobody", "last_name": "Atall", "date_of_birth": ["1", "1", "2015"], "reason": "SAR 2"})
    assert response.status_code == 200 and response.soup.h1.get_text(strip=True) == "No family found"


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Enter the family reference, or the child's first name, last name and date of birth"),
    ({"reference": "FAM-1234"}, "Enter the family reference in the correct format, like FAM-ABCD-2345"),
    ({"reference": "x" * 20_000}, "Enter the family reference in the correct format, like FAM-ABCD-2345"),
    ({"reference": "FAM-ABCD-2345", "first_name": "Sam"},
     "Enter the family reference or the child's details, not both"),
    ({"first_name": "Sam"}, "Enter the child's last name"),
    ({"first_name": "Sam", "last_name": "Jones"}, "Enter the child's date of birth"),
    ({"last_name": "Jones", "date_of_birth": ["1", "2", "2015"]}, "Enter the child's first name"),
    ({"first_name": "Sam", "last_name": "Jones", "date_of_birth": ["31", "2", "2015"]},
     "Child's date of birth must be a real date"),
    ({"first_name": "Sam", "last_name": "Jones", "date_of_birth": ["1", "2", "1" * 30]}, "Year must include 4 numbers"),
    ({"first_name": "Sam", "last_name": "Jones", "date_of_birth": ["1", "2", "2999"]},
     "Date of birth must be in the past"),
    ({"first_name": "S" * 101, "last_name": "Jones", "date_of_birth": ["1", "2", "2015"]},
     "First name must be 100 characters or fewer"),
])
def test_the_search_form_says_what_is_wrong(governance, db_session, data, message):
    response = governance.post("/governance/find-a-family", data={"reason": "SAR 3", **data})
    assert response.status_code == 200
    assert message in text_of(response.soup.select_one(".govuk-error-summary"))
    assert response.soup.title.get_text().startswith("Error: Find a family")
    assert entries(db_session, "subject_access_search") == []


def test_a_search_needs_a_reason_and_is_not_audited_without_one(governance, db_session):
    response = governance.post("/governance/find-a-family", data={"reference": "FAM-ABCD-2345", "reason": "   "})
    assert "Enter why you are searching for this family" in text_of(response.soup.select_one(".govuk-error-summary"))
    assert response.soup.h1.get_text(strip=True) == "Find a family"
    response = governance.post("/governance/find-a-family", data={"reference": "FAM-ABCD-2345",
                                                                  "reason": "r" * 2001})
    assert "The reason must be 2000 characters or fewer" in text_of(response.soup)
    assert entries(db_session, "subject_access_search") == []


# --- the export --------------------------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_family_and_nothing_about_another(db_session, families):
    record = families["a"]["record"]
    row = db_session.exec(select(ServiceReferral).where(ServiceReferral.record_id == record.id)).one()
    slug = db_session.get(Service, row.service_id).slug
    lead = make_user(db_session, ["service_lead"], services=[slug])
    lifecycle.act(db_session, lead.id, {"service_lead"}, row.id, "ask", row.version, text="Planted question 7Q")
    data = subject_access.export(db_session, record)
    text = json.dumps(data, ensure_ascii=False)
    for value in planted(families, "a"):
        assert value in text, value
    for value in planted(families, "b") + [str(families["b"]["record"].id)]:
        assert value not in text, value
    assert data["record"]["reference"] == record.reference
    assert data["sections"]["child"]["answers"]["date_of_birth"] == "2016-10-09"  # as stored
    assert data["sections"]["story"]["answers"]["what_matters"] == PLANTED["a"]["story"]
    assert data["family_accounts"] == [{"name": PLANTED["a"]["parent"], "email": families["a"]["parent"].email}]
    [referral] = data["referrals"]
    [sent] = referral["services"]
    assert sent["service"] == families["a"]["service"]
    assert sent["consent"]["given_by"] == "parent_with_parental_responsibility"
    assert sent["consent"]["method"] == "written" and sent["consent"]["at"].startswith("2026-02-03")
    assert sent["without_consent_reason"] is None
    assert "child.first_name" in sent["fields_shared"]
    assert sent["values_sent"]["child.first_name"] == PLANTED["a"]["first_name"]
    # The timeline, with the words people gave.
    assert [(event["what"], event["as"]) for event in sent["timeline"]] == [("sent", "key_worker"), ("ask", "service")]
    assert sent["timeline"][1]["detail"] == {"text": "Planted question 7Q"} and sent["first_response_at"]
    assert sent["status"] == "information_requested"
    [draft] = data["drafts"]
    assert draft["person"] == "Key Worker Amarker" and draft["data"]["services"]
    actions = {entry["action"] for entry in data["audit"]}
    assert {"create", "update", "share", "submit"} <= actions
    assert all(entry["who"] in ("Key Worker Amarker", lead.name, None) for entry in data["audit"])

    other = subject_access.export(db_session, families["b"]["record"])
    [sent] = other["referrals"][0]["services"]
    assert sent["consent"] is None and sent["without_consent_reason"] == PLANTED["b"]["reason"]


def test_an_export_needs_a_reason_and_then_gives_the_page_and_the_download(governance, db_session, families):
    record = families["a"]["record"]
    base = f"/governance/families/{record.id}/export"
    form = governance.get(base)
    assert form.status_code == 200 and record.reference in form.soup.h1.get_text()
    # Nothing is shown or downloadable before a reason is given.
    assert governance.get(f"{base}/view").headers["Location"] == base
    assert governance.get(f"{base}/download").headers["Location"] == base
    for reason in ("", "  \n ", "r" * 2001):
        response = governance.post(base, data={"reason": reason})
        assert response.status_code == 200
        assert response.soup.select_one(".govuk-error-summary")
        assert PLANTED["a"]["story"] not in response.get_data(as_text=True)
    assert entries(db_session, "subject_access_export") == []
    assert governance.get(f"{base}/view").status_code == 302

    response = governance.post(base, data={"reason": "SAR 7: the parent asked on 1 March"})
    assert response.status_code == 302 and response.headers["Location"] == f"{base}/view"
    page = governance.get(f"{base}/view")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for value in planted(families, "a"):
        assert value in html, value
    for value in planted(families, "b"):
        assert value not in html, value
    assert "A parent or carer with parental responsibility, in writing, 3 February 2026" in text_of(page.soup)
    assert page.soup.find("a", href=f"{base}/download")

    download = governance.get(f"{base}/download")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert download.headers["Content-Disposition"] == f'attachment; filename="subject-access-{record.reference}.json"'
    assert download.headers["Cache-Control"] == "no-store"
    data = download.get_json()
    text = json.dumps(data, ensure_ascii=False)
    for value in planted(families, "a"):
        assert value in text, value
    for value in planted(families, "b"):
        assert value not in text, value
    # The export lists its own audit entry, with who made it.
    assert any(e["action"] == "subject_access_export" and e["who"] == "Ingrid Governance" for e in data["audit"])


def test_an_unknown_record_is_not_found(governance):
    base = f"/governance/families/{uuid.uuid4()}/export"
    for path in (base, f"{base}/view", f"{base}/download"):
        assert governance.get(path).status_code == 404
    assert governance.post(base, data={"reason": "SAR"}).status_code == 404


def test_every_search_and_export_is_audited_with_its_reason(governance, db_session, families):
    a, b = families["a"]["record"], families["b"]["record"]
    governance.post("/governance/find-a-family", data={"reference": a.reference, "reason": "Search reason one"})
    governance.post("/governance/find-a-family", data={
        "first_name": PLANTED["b"]["first_name"], "last_name": PLANTED["b"]["last_name"],
        "date_of_birth": PLANTED["b"]["dob"], "reason": "Search reason two"})
    governance.post("/governance/find-a-family", data={"reference": "FAM-ZZZZ-ZZZZ", "reason": "Search reason three"})
    governance.post(f"/governance/families/{a.id}/export", data={"reason": "Export reason four"})
    governance.post(f"/governance/families/{a.id}/export", data={"reason": "Export reason five"})

    searches = entries(db_session, "subject_access_search")
    assert [(e.record_id, e.reason, e.detail) for e in searches] == [
        (a.id, "Search reason one", {"by": "reference"}),
        (b.id, "Search reason two", {"by": "child_name_and_date_of_birth"}),
        (None, "Search reason three", {"by": "reference", "found": 0}),
    ]
    exports = entries(db_session, "subject_access_export")
    assert [(e.record_id, e.reason) for e in exports] == [(a.id, "Export reason four"), (a.id, "Export reason five")]
    for entry in searches + exports:
        assert entry.user_id == governance.person.id
        assert PLANTED["b"]["first_name"] not in json.dumps(entry.detail)  # the names searched for are not logged


# --- who may use it ----------------------------------------------------------------------------------------------


def test_nobody_else_may_use_it(app, db_session, families):
    """Key workers (even the family's own), families (even this one), service leads and directory admins."""
    app.config["WTF_CSRF_ENABLED"] = False
    record = families["a"]["record"]
    base = f"/governance/families/{record.id}/export"
    people = [families["a"]["worker"], families["a"]["parent"], make_user(db_session, ["admin"]),
              make_user(db_session, ["service_lead"], services=["early-help-family-support"]),
              make_user(db_session, ["admin", "key_worker", "service_lead", "family"])]
    for person in people:
        client = app.test_client()
        sign_in(client, person)
        for method, path, data in (("GET", "/governance/find-a-family", None),
                                   ("POST", "/governance/find-a-family", {"reference": record.reference,
                                                                          "reason": "x"}),
                                   ("GET", base, None), ("POST", base, {"reason": "x"}),
                                   ("GET", f"{base}/view", None), ("GET", f"{base}/download", None)):
            response = client.open(path, method=method, data=data)
            assert response.status_code == 403, (person.name, method, path)
            assert PLANTED["a"]["first_name"] not in response.get_data(as_text=True)
    assert entries(db_session, "subject_access_search") == entries(db_session, "subject_access_export") == []


def test_anonymous_visitors_are_sent_to_sign_in(client, families):
    response = client.get("/governance/find-a-family")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_no_page_is_cached_and_no_personal_data_is_in_a_url(governance, families):
    record = families["a"]["record"]
    base = f"/governance/families/{record.id}/export"
    responses = [governance.get("/governance/find-a-family"),
                 governance.post("/governance/find-a-family", data={"reference": record.reference, "reason": "x"}),
                 governance.get(base), governance.post(base, data={"reason": "x"}), governance.get(f"{base}/view"),
                 governance.get(f"{base}/download")]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store", response.request.path
        for value in planted(families, "a"):
            assert value not in response.request.url and value not in response.headers.get("Location", "")
    form = responses[0].soup.find("form", action="/governance/find-a-family")
    assert form["method"] == "post"


def test_the_header_links_information_governance_to_the_search(governance, app, db_session):
    assert governance.get("/").soup.find("a", href="/governance/find-a-family")
    other = app.test_client()
    sign_in(other, make_user(db_session, ["admin"]))
    assert not other.get("/").soup.find("a", href="/governance/find-a-family")
