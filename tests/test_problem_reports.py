"""Families tell us what is wrong on a service's page: the link, the form (validated, throttled per client address),
the report reaching the service's leads and the admins (emails that never carry the reporter's address), the
queues, resolving, and the optional email deleted 90 days after the report."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from directory.listings import problem_reports
from directory.models import AuditEntry, OutboxMessage, ProblemReport, Service
from directory.models.accounts import utcnow
from directory.retention import apply_schedule
from tests.helpers.databases import dump
from tests.helpers.emails import emails_to
from tests.helpers.pages import check_page, text_of
from tests.helpers.people import make_user, sign_in
from tests.test_concurrency import race

SLUG = "early-help-family-support"
OTHER = "educational-psychology-service"
URL = f"/services/{SLUG}/report-a-problem"
REPORTER = "parent.reporting@example.com"
WHAT = "The phone number 01234 567890 does not work: it says the number is not recognised."


def service_id(session, slug: str) -> uuid.UUID:
    return session.exec(select(Service.id).where(Service.slug == slug)).one()


def signed_in(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def public_client(app, address: str = "192.0.2.10"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def people(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    return {"lead": make_user(db_session, ["service_lead"], name="Lee Lead", services=[SLUG]),
            "other_lead": make_user(db_session, ["service_lead"], name="Olly Other", services=[OTHER]),
            "admin": make_user(db_session, ["admin"], name="Ada Admin")}


def reports(session) -> list[ProblemReport]:
    session.expire_all()
    return list(session.exec(select(ProblemReport).order_by(ProblemReport.created_at)))


def test_each_service_page_links_to_its_own_report_page(client):
    soup = check_page(client.get(f"/services/{SLUG}").get_data(as_text=True))
    link = soup.find("a", string="Report something wrong on this page")
    assert link["href"] == URL
    page = check_page(client.get(URL).get_data(as_text=True))
    assert "Report something wrong on the page for" in page.h1.get_text()
    assert client.get("/services/no-such-service/report-a-problem").status_code == 404


def test_a_report_reaches_the_leads_and_the_admins_without_the_reporters_address(app, db_session, people):
    client = public_client(app)
    response = client.post(URL, data={"what": WHAT, "email": f"  {REPORTER} "})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{URL}/sent"
    done = check_page(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Report sent" in text_of(done)

    [row] = reports(db_session)
    assert (row.service_id, row.what, row.email, row.status) == (service_id(db_session, SLUG), WHAT, REPORTER, "open")
    # Stored encrypted: neither the words nor the address are in the database as written.
    stored = db_session.connection().execute(text("SELECT what, email FROM problem_report")).one()
    assert REPORTER not in stored.email and "not recognised" not in stored.what

    lead_mail, admin_mail = emails_to(db_session, people["lead"].email), emails_to(db_session, people["admin"].email)
    assert [m.template for m in lead_mail] == ["problem_report"] == [m.template for m in admin_mail]
    assert "/your-services/problem-reports" in lead_mail[0].body_text
    assert "/admin/problem-reports" in admin_mail[0].body_text
    assert "Early Help" in lead_mail[0].subject or "Early Help" in lead_mail[0].body_text
    assert emails_to(db_session, people["other_lead"].email) == []
    assert emails_to(db_session, REPORTER) == []
    for message in db_session.exec(select(OutboxMessage).where(OutboxMessage.template == "problem_report")):
        for part in (message.subject, message.body_text, message.body_html):
            assert REPORTER not in part and "not recognised" not in part

    entry = db_session.exec(select(AuditEntry).where(AuditEntry.action == "report_problem")).one()
    assert entry.user_id is None and entry.object_id == row.id

    lead_page = text_of(check_page(signed_in(app, people["lead"]).get("/your-services/problem-reports")
                                   .get_data(as_text=True)))
    admin_page = text_of(check_page(signed_in(app, people["admin"]).get("/admin/problem-reports")
                                    .get_data(as_text=True)))
    for page in (lead_page, admin_page):
        assert "not recognised" in page and REPORTER in page and "Early Help" in page


@pytest.mark.parametrize("data, error", [
    ({"what": "", "email": ""}, "Enter what is wrong on this page"),
    ({"what": "   ", "email": REPORTER}, "Enter what is wrong on this page"),
    ({"what": "x" * 1001, "email": ""}, "What is wrong must be 1000 characters or fewer"),
    ({"what": WHAT, "email": "not-an-email"}, "Enter an email address in the correct format"),
])
def test_bad_input_is_explained_and_changes_nothing(app, db_session, people, data, error):
    before = dump(db_session)
    response = public_client(app).post(URL, data=data)
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert soup.title.get_text().startswith("Error: ")
    assert error in text_of(soup.select_one(".govuk-error-summary"))
    assert dump(db_session) == before


def test_reports_are_throttled_per_client_address(app, db_session, people):
    app.config["PROBLEM_REPORTS_PER_CLIENT"] = "5/60"
    first = public_client(app, "198.51.100.1")
    for _ in range(5):
        assert first.post(URL, data={"what": WHAT}).status_code == 302
    assert len(reports(db_session)) == 5
    before = dump(db_session)
    refused = first.post(URL, data={"what": WHAT})
    assert refused.status_code == 429
    soup = check_page(refused.get_data(as_text=True))
    assert "You have sent too many reports in the last hour" in text_of(soup.select_one(".govuk-error-summary"))
    assert dump(db_session) == before
    # Another address is not held back by the first.
    assert public_client(app, "198.51.100.2").post(URL, data={"what": WHAT}).status_code == 302
    assert len(reports(db_session)) == 6


def test_a_lead_sees_and_resolves_only_their_own_services_reports(app, db_session, people):
    mine = problem_reports.report(db_session, service_id(db_session, SLUG), "Mine is wrong", None,
                                  lead_link="/x", admin_link="/y")
    theirs = problem_reports.report(db_session, service_id(db_session, OTHER), "Theirs is wrong", None,
                                    lead_link="/x", admin_link="/y")
    lead = signed_in(app, people["lead"])
    page = text_of(check_page(lead.get("/your-services/problem-reports").get_data(as_text=True)))
    assert "Mine is wrong" in page and "Theirs is wrong" not in page
    assert "Not given" in page

    # URL tampering: another service's report is not found, and stays open.
    assert lead.post(f"/your-services/problem-reports/{theirs.id}/resolve").status_code == 404
    assert lead.post(f"/your-services/problem-reports/{uuid.uuid4()}/resolve").status_code == 404
    assert lead.get("/admin/problem-reports").status_code == 403
    assert signed_in(app, people["other_lead"]).post(f"/your-services/problem-reports/{mine.id}/resolve"
                                                     ).status_code == 404
    db_session.expire_all()
    assert db_session.get(ProblemReport, theirs.id).status == "open"

    response = lead.post(f"/your-services/problem-reports/{mine.id}/resolve")
    assert response.status_code == 302 and response.headers["Location"] == "/your-services/problem-reports"
    page = check_page(lead.get("/your-services/problem-reports").get_data(as_text=True))
    assert "Report marked as resolved" in text_of(page) and "Mine is wrong" not in text_of(page)
    db_session.expire_all()
    row = db_session.get(ProblemReport, mine.id)
    assert (row.status, row.resolved_by_id) == ("resolved", people["lead"].id) and row.resolved_at
    assert db_session.exec(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "resolve_problem_report", AuditEntry.object_id == mine.id)).one() == 1


def test_admins_see_every_open_report_and_resolve_any(app, db_session, people):
    one = problem_reports.report(db_session, service_id(db_session, SLUG), "First problem", None,
                                 lead_link="/x", admin_link="/y")
    problem_reports.report(db_session, service_id(db_session, OTHER), "Second problem", None,
                           lead_link="/x", admin_link="/y")
    admin = signed_in(app, people["admin"])
    page = text_of(check_page(admin.get("/admin/problem-reports").get_data(as_text=True)))
    assert "First problem" in page and "Second problem" in page
    assert admin.post(f"/admin/problem-reports/{one.id}/resolve").status_code == 302
    page = text_of(check_page(admin.get("/admin/problem-reports").get_data(as_text=True)))
    assert "First problem" not in page and "Second problem" in page
    # Resolving again is harmless: it says so and changes nothing.
    assert problem_reports.resolve(db_session, people["admin"].id, {"admin"}, one.id) is False
    with pytest.raises(problem_reports.ReportNotFound):
        problem_reports.resolve(db_session, people["other_lead"].id, {"service_lead"}, one.id)
    assert signed_in(app, people["other_lead"]).get("/admin/problem-reports").status_code == 403
    assert app.test_client().get("/admin/problem-reports").status_code == 302


def test_retention_removes_the_email_after_90_days_and_not_before(db_session, people):
    now = utcnow()
    service = service_id(db_session, SLUG)
    kept = problem_reports.report(db_session, service, "Recent", "recent@example.com", lead_link="/x", admin_link="/y")
    old = problem_reports.report(db_session, service, "Old", "old@example.com", lead_link="/x", admin_link="/y")
    none = problem_reports.report(db_session, service, "No email", None, lead_link="/x", admin_link="/y")
    db_session.get(ProblemReport, kept.id).created_at = now - timedelta(days=89, hours=23)
    db_session.get(ProblemReport, old.id).created_at = now - timedelta(days=90, minutes=1)
    db_session.get(ProblemReport, none.id).created_at = now - timedelta(days=200)
    db_session.commit()

    dry = apply_schedule(db_session, commit=False, now=now)
    assert dry.counts["problem_report_emails"] == 1
    assert "      1  email addresses given with problem reports more than 90 days ago: address to remove" in dry.lines()
    report = apply_schedule(db_session, commit=True, now=now)
    assert report.counts["problem_report_emails"] == 1
    db_session.expire_all()
    assert db_session.get(ProblemReport, kept.id).email == "recent@example.com"
    gone = db_session.get(ProblemReport, old.id)
    assert gone.email is None and gone.what == "Old" and gone.status == "open"
    assert apply_schedule(db_session, commit=True, now=now).counts["problem_report_emails"] == 0



def test_two_admins_resolving_one_report_at_once_one_wins(engine):
    with Session(engine) as session:
        admins = [make_user(session, ["admin"]).id for _ in range(2)]
        report_id = problem_reports.report(session, service_id(session, SLUG), "Twice", None, lead_link="/x",
                                           admin_link="/y").id

    def work(number):
        with Session(engine) as session:
            return problem_reports.resolve(session, admins[number], {"admin"}, report_id)

    assert sorted(race(2, work)) == [False, True]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "resolve_problem_report", AuditEntry.object_id == report_id)).one() == 1
        assert session.get(ProblemReport, report_id).resolved_by_id in admins
