"""The service lead's side: the inbox of referrals to their services (counts, filters, sorts, the response clock in
working days, every child shown audited, only their own services' referrals) and the lead's page for one
referral (the clock, the family's own words, the key worker's contact, the actions)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from directory.models import AuditEntry, FamilyRecord, Referral, Service, ServiceReferral
from directory.referrals import inbox, lifecycle, submit
from directory.referrals import records as family_records
from directory.working_days import local_date, working_days_between
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in

EARLY_HELP, AUTISM = "early-help-family-support", "autism-family-support"
CONSENT = ("parent_with_parental_responsibility", "written")
TODAY = date(2027, 1, 11)  # a Monday, after Christmas and New Year's Day
STORY = {"what_matters": "Sam can tell us what he needs", "good_day": "Calm mornings and football",
         "child_views": "I like trains and I do not like loud rooms"}


def service(db, slug) -> Service:
    return db.exec(select(Service).where(Service.slug == slug)).one()


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def new_child(db, key_worker, first, last, district) -> FamilyRecord:
    record = family_records.create_record(db, key_worker.id, {"key_worker"})
    family_records.save_section(db, key_worker.id, record, "child",
                                {"first_name": first, "last_name": last, "district": district}, True)
    family_records.save_section(db, key_worker.id, record, "story", STORY, True)
    return record


def send(db, key_worker, record, slug, sent_on: date) -> ServiceReferral:
    referral = submit.submit_referral(db, key_worker, {"key_worker"}, record,
                                      [submit.Choice(service(db, slug).id, *CONSENT)], uuid.uuid4().hex, 20)
    referral.submitted_at = at(sent_on)
    db.add(referral)
    db.commit()
    return db.exec(select(ServiceReferral).where(ServiceReferral.referral_id == referral.id)).one()


@pytest.fixture
def world(db_session):
    """Two leads (one of both services, one of early help only) and five referrals from three children:
    Sam (east Staffordshire) to early help and to autism family support, Amy (Tamworth) to early help, Cal to
    autism family support (sent with his district, since moved), and Dee to early help, consent since
    withdrawn."""
    db = db_session
    autism = service(db, AUTISM)
    autism.data_needed = ["child.first_name", "child.last_name", "child.district", "story.what_matters"]
    autism.response_target_days = 20
    db.commit()
    lead = make_user(db, ["service_lead"], name="Lee Lead", services=[EARLY_HELP, AUTISM])
    early_help_lead = make_user(db, ["service_lead"], name="Eve Early", services=[EARLY_HELP])
    key_worker = make_user(db, ["key_worker"], name="Kim Keyworker", districts=["east-staffordshire"])
    sam = new_child(db, key_worker, "Sam", "Jones", "east-staffordshire")
    amy = new_child(db, key_worker, "Amy", "Brown", "tamworth")
    cal = new_child(db, key_worker, "Cal", "Green", "east-staffordshire")
    dee = new_child(db, key_worker, "Dee", "White", "tamworth")
    rows = {
        "sam": send(db, key_worker, sam, EARLY_HELP, date(2026, 12, 18)),
        "sam_autism": send(db, key_worker, sam, AUTISM, date(2026, 12, 17)),
        "amy": send(db, key_worker, amy, EARLY_HELP, date(2027, 1, 4)),
        "cal": send(db, key_worker, cal, AUTISM, date(2026, 12, 1)),
        "dee": send(db, key_worker, dee, EARLY_HELP, date(2026, 12, 10)),
    }
    # Cal's service acknowledged it two working days after sending; his family has moved since.
    lifecycle.act(db, lead.id, {"service_lead"}, rows["cal"].id, "acknowledge", rows["cal"].version)
    rows["cal"].first_response_at = at(date(2026, 12, 3))
    family_records.save_section(db, key_worker.id, cal, "child", {"district": "stafford"}, True)
    # Dee's family withdrew consent for early help, which withdraws the referral.
    rows["dee"].consent_withdrawn_at = at(date(2026, 12, 15))
    lifecycle.withdraw_open(db, key_worker.id, "key_worker", rows["dee"], "consent_withdrawn")
    db.commit()
    return {"lead": lead, "early_help_lead": early_help_lead, "key_worker": key_worker, "rows": rows,
            "records": {"sam": sam, "amy": amy, "cal": cal, "dee": dee}}


def shown(found) -> list[str]:
    """The row ids of an inbox page, named by the world's keys."""
    return [row.service_referral.id for row in found.rows]


def ids(world, *names) -> list:
    return [world["rows"][name].id for name in names]


def test_counts_and_lists_by_status(db_session, world):
    found = inbox.service_inbox(db_session, world["lead"].id, {}, today=TODAY)
    assert found.counts["all"] == 5 and found.counts["open"] == 4
    assert (found.counts["sent"], found.counts["acknowledged"], found.counts["withdrawn"]) == (3, 1, 1)
    assert found.counts["declined"] == 0
    # Open ones by default, newest first.
    assert found.query.status == "open" and not found.problems
    assert shown(found) == ids(world, "amy", "sam", "sam_autism", "cal")
    sent = inbox.service_inbox(db_session, world["lead"].id, {"status": "sent"}, today=TODAY)
    assert shown(sent) == ids(world, "amy", "sam", "sam_autism") and sent.total == 3
    withdrawn = inbox.service_inbox(db_session, world["lead"].id, {"status": "withdrawn"}, today=TODAY)
    assert shown(withdrawn) == ids(world, "dee")
    everything = inbox.service_inbox(db_session, world["lead"].id, {"status": "all"}, today=TODAY)
    assert len(everything.rows) == 5
    names = {row.service_referral.id: row.child for row in everything.rows}
    assert names[world["rows"]["sam"].id] == "Sam Jones" and names[world["rows"]["cal"].id] == "Cal Green"
    # Consent withdrawn: no name, no area, nothing of the family.
    dee = next(row for row in everything.rows if row.service_referral.id == world["rows"]["dee"].id)
    assert dee.withheld and dee.child is None and dee.district is None and not dee.changed


def test_one_service_of_several(db_session, world):
    autism = service(db_session, AUTISM)
    found = inbox.service_inbox(db_session, world["lead"].id, {"service": str(autism.id), "status": "all"},
                                today=TODAY)
    assert shown(found) == ids(world, "sam_autism", "cal") and found.counts["all"] == 2
    assert found.query.service_id == autism.id and [s.slug for s in found.services] == [AUTISM, EARLY_HELP]


def test_filters_by_the_childs_district_as_sent(db_session, world):
    east = inbox.service_inbox(db_session, world["lead"].id, {"district": "east-staffordshire", "status": "all"},
                               today=TODAY)
    # Cal's referral was sent with east Staffordshire (autism family support receives the district); he has moved
    # to Stafford since, but the referral stays where it was sent from.
    assert shown(east) == ids(world, "sam", "sam_autism", "cal")
    assert east.counts == {**{key: 0 for key in east.counts}, "all": 3, "open": 3, "sent": 2, "acknowledged": 1}
    assert {row.district.slug for row in east.rows} == {"east-staffordshire"}
    stafford = inbox.service_inbox(db_session, world["lead"].id, {"district": "stafford", "status": "all"},
                                   today=TODAY)
    assert stafford.rows == [] and stafford.counts["all"] == 0
    # Early help does not receive the district: the record's says where Amy lives. Dee's (consent withdrawn)
    # is in no area at all.
    tamworth = inbox.service_inbox(db_session, world["lead"].id, {"district": "tamworth", "status": "all"},
                                   today=TODAY)
    assert shown(tamworth) == ids(world, "amy")
    both = inbox.service_inbox(db_session, world["lead"].id, {"district": "east-staffordshire", "status": "sent"},
                               today=TODAY)
    assert shown(both) == ids(world, "sam", "sam_autism")


def test_a_service_sent_neither_postcode_nor_district_is_not_told_the_area(db_session, world):
    row = world["rows"]["amy"]
    row.shared_fields = [key for key in row.shared_fields if key not in ("child.postcode", "child.district")]
    db_session.commit()
    tamworth = inbox.service_inbox(db_session, world["lead"].id, {"district": "tamworth", "status": "all"},
                                   today=TODAY)
    assert tamworth.rows == []
    every = inbox.service_inbox(db_session, world["lead"].id, {"status": "all"}, today=TODAY)
    assert [r.district for r in every.rows if r.service_referral.id == row.id] == [None]


def test_sorts_by_date_sent_and_by_days_waiting(db_session, world):
    lead = world["lead"].id
    newest = inbox.service_inbox(db_session, lead, {"sort": "newest"}, today=TODAY)
    oldest = inbox.service_inbox(db_session, lead, {"sort": "oldest"}, today=TODAY)
    waiting = inbox.service_inbox(db_session, lead, {"sort": "waiting"}, today=TODAY)
    assert shown(newest) == ids(world, "amy", "sam", "sam_autism", "cal")
    assert shown(oldest) == ids(world, "cal", "sam_autism", "sam", "amy")
    # Cal's was answered in 2 working days: it waited least, though sent first.
    assert shown(waiting) == ids(world, "sam_autism", "sam", "amy", "cal")
    assert [row.days_waiting for row in waiting.rows] == [14, 13, 5, 2]


def test_days_waiting_are_working_days_and_past_the_target_needs_no_reply(db_session, world):
    found = inbox.service_inbox(db_session, world["lead"].id, {"status": "all"}, today=TODAY)
    rows = {row.service_referral.id: row for row in found.rows}
    sam, sam_autism, amy, cal, dee = (rows[world["rows"][name].id]
                                      for name in ("sam", "sam_autism", "amy", "cal", "dee"))
    # Friday 18 December to Monday 11 January: Christmas Day, the Boxing Day holiday (Monday 28th) and New
    # Year's Day are not working days, nor are the weekends.
    assert (sam.days_since_sent, sam.days_waiting, sam.target, sam.overdue) == (13, 13, 10, True)
    # Autism family support's target is 20 working days: 14 is within it.
    assert (sam_autism.days_waiting, sam_autism.target, sam_autism.overdue) == (14, 20, False)
    assert (amy.days_since_sent, amy.overdue) == (5, False)
    # Answered within two working days: the clock stopped, though it was sent long ago.
    assert cal.days_since_sent == 26 and cal.days_waiting == 2 and not cal.overdue
    assert not dee.overdue  # withdrawn: nobody is waiting for a reply
    # On the tenth working day it is not yet past a ten-day target; on the eleventh it is.
    assert not inbox.service_inbox(db_session, world["lead"].id, {"status": "sent"},
                                   today=date(2027, 1, 6)).rows[1].overdue
    assert inbox.service_inbox(db_session, world["lead"].id, {"status": "sent"},
                               today=date(2027, 1, 7)).rows[1].overdue
    # A referral that went by email has no clock.
    world["rows"]["amy"].replies_here, world["rows"]["amy"].response_target_days = False, None
    db_session.commit()
    amy = inbox.service_inbox(db_session, world["lead"].id, {}, today=TODAY).rows[0]
    assert amy.target is None and not amy.overdue


def test_a_lead_sees_only_their_own_services_referrals(db_session, world):
    found = inbox.service_inbox(db_session, world["early_help_lead"].id, {"status": "all"}, today=TODAY)
    # Not autism family support's referrals, not even Sam's (the child's other referral).
    assert set(shown(found)) == set(ids(world, "sam", "amy", "dee")) and found.counts["all"] == 3
    assert [s.slug for s in found.services] == [EARLY_HELP]
    # Asking for another service's referrals shows their own, and says so.
    autism = service(db_session, AUTISM)
    asked = inbox.service_inbox(db_session, world["early_help_lead"].id, {"service": str(autism.id)}, today=TODAY)
    assert asked.query.service_id is None and asked.problems == [inbox.NOT_YOUR_SERVICE]
    assert set(shown(asked)) == set(ids(world, "sam", "amy"))
    nobody = make_user(db_session, ["service_lead"])
    assert inbox.service_inbox(db_session, nobody.id, {"status": "all"}).rows == []


def test_each_child_shown_is_audited_as_viewed(db_session, world, monkeypatch):
    def viewed():
        return db_session.exec(select(AuditEntry.object_id).where(
            AuditEntry.user_id == world["lead"].id, AuditEntry.action == "view",
            AuditEntry.object_type == "service_referral")).all()

    monkeypatch.setattr(inbox, "PAGE_SIZE", 2)
    first = inbox.service_inbox(db_session, world["lead"].id, {"status": "all"}, today=TODAY)
    assert first.pages == 3 and sorted(viewed()) == sorted(shown(first))
    entry = db_session.exec(select(AuditEntry).where(AuditEntry.user_id == world["lead"].id,
                                                     AuditEntry.action == "view")).first()
    assert entry.detail == {"page": "service inbox"} and entry.record_id is not None
    second = inbox.service_inbox(db_session, world["lead"].id, {"status": "all", "page": "2"}, today=TODAY)
    # The second page holds Dee's referral, which names nobody (consent withdrawn), so it is not a view of hers.
    assert shown(second) == ids(world, "sam_autism", "dee")
    assert sorted(viewed()) == sorted(ids(world, "amy", "sam", "sam_autism"))
    # Counting names nobody: nothing more is written.
    inbox.service_inbox(db_session, world["lead"].id, {"status": "declined"}, today=TODAY)
    assert len(viewed()) == 3


def test_the_summary_for_the_account_page_counts_without_naming_anyone(db_session, world):
    before = db_session.exec(select(AuditEntry.id).where(AuditEntry.user_id == world["lead"].id)).all()
    found = inbox.summary(db_session, world["lead"].id, today=TODAY)
    # Open: Amy, Sam (twice) and Cal; not replied: all but Cal; past the target: Sam's to early help only.
    assert (found.open, found.not_replied, found.past_target) == (4, 3, 1)
    assert db_session.exec(select(AuditEntry.id).where(AuditEntry.user_id == world["lead"].id)).all() == before
    assert inbox.summary(db_session, world["early_help_lead"].id, today=TODAY) == inbox.Summary(2, 2, 1)


@pytest.mark.parametrize("args, problems", [
    ({"status": "lost"}, [inbox.UNKNOWN_STATUS]),
    ({"district": "atlantis"}, [inbox.UNKNOWN_DISTRICT]),
    ({"sort": "sideways"}, [inbox.UNKNOWN_SORT]),
    ({"page": "0"}, [inbox.BAD_PAGE]),
    ({"page": "two"}, [inbox.BAD_PAGE]),
    ({"page": "9" * 40}, [inbox.BAD_PAGE]),
    ({"service": "not-an-id"}, [inbox.NOT_YOUR_SERVICE]),
    ({"service": str(uuid.uuid4()), "sort": "oldest"}, [inbox.NOT_YOUR_SERVICE]),
    ({"status": "all", "district": "all", "service": "all", "sort": "waiting", "page": "1"}, []),
])
def test_bad_query_parameters_are_left_out_and_said(args, problems):
    query, found = inbox.read_query(args, [], ["tamworth"])
    assert found == problems
    expected = {"status": "all", "sort": "waiting"} if not problems else \
        {"sort": "oldest"} if args.get("sort") == "oldest" else {}
    assert query == inbox.Query(**expected)


# --- the pages ----------------------------------------------------------------------------------------------

@pytest.fixture
def lead_client(app, db_session, world):
    """The lead, signed in, with the world moved back by whole weeks so that TODAY falls in the last week: the
    pages count from today's date."""
    weeks = timedelta(weeks=(date.today() - TODAY).days // 7)
    for row in world["rows"].values():
        referral = db_session.get(Referral, row.referral_id)
        referral.submitted_at += weeks
        if row.first_response_at is not None:
            row.first_response_at += weeks
    db_session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, world["lead"])
    return client


def working_days_to_now(db, world, name) -> int:
    sent_at = db.get(Referral, world["rows"][name].referral_id).submitted_at
    return working_days_between(local_date(sent_at), local_date(datetime.now(UTC)))


def replied_after(db, world, name) -> int:
    row = world["rows"][name]
    sent_at = db.get(Referral, row.referral_id).submitted_at
    return working_days_between(local_date(sent_at), local_date(row.first_response_at))


def table_rows(page) -> list[str]:
    return [" ".join(tr.get_text(" ").split()) for tr in page.soup.select("#referrals tbody tr")]


def test_the_inbox_page(db_session, world, lead_client):
    page = lead_client.get("/inbox")
    assert page.status_code == 200
    assert page.soup.h1.get_text(strip=True) == "Referrals to your services"
    statuses = [" ".join(a.get_text().split()) for a in page.soup.select("#status-filter a")]
    # Open, all, and each status that has referrals.
    assert statuses == ["Open (4)", "All (5)", "Sent (3)", "Acknowledged (1)", "Withdrawn (1)"]
    assert page.soup.select_one("#status-filter a[aria-current=page]").get_text(strip=True) == "Open (4)"
    rows = table_rows(page)
    assert len(rows) == 4 and "Amy Brown" in rows[0] and "Sam Jones" in rows[1]
    assert "Past the target" in rows[1] and "Past the target" not in rows[0]
    assert f"No reply yet: {working_days_to_now(db_session, world, 'amy')} of 10 working days" in rows[0]
    assert f"No reply yet: {working_days_to_now(db_session, world, 'sam')} of 10 working days" in rows[1]
    assert f"Replied after {replied_after(db_session, world, 'cal')} working days" in rows[3]
    assert page.soup.find("a", href=f"/service-referrals/{world['rows']['sam'].id}")
    # A lead of two services chooses between them; the names of their services head the column.
    choices = [option.get_text(strip=True) for option in page.soup.find("select", id="service").find_all("option")]
    assert choices == ["All your services", service(db_session, AUTISM).name, service(db_session, EARLY_HELP).name]
    assert [th.get_text(strip=True) for th in page.soup.select("#referrals thead th")] == [
        "Referral", "Status", "Sent and reply"]
    assert service(db_session, AUTISM).name in rows[2] and service(db_session, EARLY_HELP).name in rows[1]
    withdrawn = lead_client.get("/inbox?status=withdrawn")
    assert "Consent withdrawn" in table_rows(withdrawn)[0] and "Dee" not in text_of(withdrawn.soup)
    east = lead_client.get("/inbox?status=all&district=east-staffordshire&sort=oldest")
    referrals = [db_session.get(Referral, world["rows"][name].referral_id) for name in ("sam", "cal", "sam_autism")]
    expected = [referral.reference for referral in sorted(referrals, key=lambda referral: referral.submitted_at)]
    assert [row.split()[0] for row in table_rows(east)] == expected
    assert east.soup.find("select", id="district").find("option", selected=True)["value"] == "east-staffordshire"
    one_service = app_client_for(lead_client, world["early_help_lead"]).get("/inbox")
    assert one_service.soup.find("select", id="service") is None
    assert one_service.soup.h1.get_text(strip=True) == f"Referrals to {service(db_session, EARLY_HELP).name}"
    assert not any(service(db_session, EARLY_HELP).name in row for row in table_rows(one_service))


def app_client_for(client, user):
    other = client.application.test_client()
    sign_in(other, user)
    return other


def test_the_inbox_page_says_what_it_could_not_use(db_session, world, lead_client):
    page = lead_client.get("/inbox?status=lost&district=atlantis&sort=sideways&page=-1&service=x")
    assert page.status_code == 200
    text = text_of(page.soup)
    for problem in (inbox.UNKNOWN_STATUS, inbox.UNKNOWN_DISTRICT, inbox.UNKNOWN_SORT, inbox.BAD_PAGE,
                    inbox.NOT_YOUR_SERVICE):
        assert problem in text
    assert len(table_rows(page)) == 4  # open referrals, every area, newest first
    past_the_end = lead_client.get("/inbox?page=7")
    assert inbox.BAD_PAGE in text_of(past_the_end.soup) and len(table_rows(past_the_end)) == 4
    assert lead_client.get("/inbox?status=sent&status=lost").status_code == 200


def test_the_inbox_pages_through_long_lists(db_session, world, lead_client, monkeypatch):
    monkeypatch.setattr(inbox, "PAGE_SIZE", 2)
    first = lead_client.get("/inbox?status=all&district=all")
    assert len(table_rows(first)) == 2 and "Showing 1 to 2 of 5" in text_of(first.soup)
    following = first.soup.select_one(".govuk-pagination__next a")["href"]
    assert "page=2" in following and "status=all" in following
    second = lead_client.get(following)
    assert len(table_rows(second)) == 2 and table_rows(second) != table_rows(first)


def test_only_service_leads_have_an_inbox(app, db_session, world):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, world["key_worker"])
    assert client.get("/inbox").status_code == 403


def test_the_lead_sees_the_key_workers_contact_and_the_familys_own_words(db_session, world, lead_client):
    key_worker = world["key_worker"]
    key_worker.work_phone = "01785 276000"
    db_session.commit()
    page = lead_client.get(f"/service-referrals/{world['rows']['sam'].id}")
    text = text_of(page.soup)
    contact = page.soup.find("h2", id="key-worker").find_next("dl")
    assert "Kim Keyworker" in contact.get_text() and key_worker.email in contact.get_text()
    assert "01785 276000" in contact.get_text()
    assert contact.find("a", href=f"mailto:{key_worker.email}")
    words = page.soup.find("h2", id="own-words")
    assert words is not None and "Sam can tell us what he needs" in words.find_next("div").get_text()
    assert "I like trains and I do not like loud rooms" in text
    assert "This referral is past the target" in text and "Your service has not replied yet" in text
    waited = working_days_to_now(db_session, world, "sam")
    assert f"{waited} working days ago. Your service has not replied yet: the target is to reply within 10" in text
    # The actions are buttons, to each action's form.
    buttons = {a.get_text(strip=True): a["href"] for a in page.soup.select("a.govuk-button")}
    assert buttons["Acknowledge the referral"].endswith("/acknowledge")
    # Answered: the clock says how long the reply took.
    cal = text_of(lead_client.get(f"/service-referrals/{world['rows']['cal'].id}").soup)
    days = replied_after(db_session, world, "cal")
    assert f"replied after {days} working day{'' if days == 1 else 's'}, against a target of 20 working days" in cal


def test_a_family_waiting_for_a_key_worker_is_said_so(db_session, world, lead_client):
    record = world["records"]["amy"]
    record.key_worker_id = None
    db_session.commit()
    text = text_of(lead_client.get(f"/service-referrals/{world['rows']['amy'].id}").soup)
    assert "This family is waiting for a key worker" in text


def test_after_consent_is_withdrawn_the_lead_sees_only_that(db_session, world, lead_client):
    page = lead_client.get(f"/service-referrals/{world['rows']['dee'].id}")
    text = text_of(page.soup)
    assert "Consent to share this family's information with your service was withdrawn on 15 December 2026" in text
    assert "Dee" not in text and "White" not in text and "key worker" not in text.split("What has happened")[0]
    assert page.soup.find("h2", id="timeline") and page.soup.find("h2", id="own-words") is None


def test_a_lead_acknowledges_then_asks_a_question_from_the_page(db_session, world, lead_client):
    row = world["rows"]["sam"]
    page = lead_client.get(f"/service-referrals/{row.id}")
    form = lead_client.get(page.soup.find("a", string=lambda s: s and "Acknowledge" in s)["href"])
    version = form.soup.find("input", attrs={"name": "version"})["value"]
    done = lead_client.post(f"/service-referrals/{row.id}/acknowledge", data={"version": version},
                            follow_redirects=True)
    banner = done.soup.select_one(".govuk-notification-banner--success")
    assert banner and "Referral acknowledged" in banner.get_text()
    assert "Acknowledged the referral" in done.soup.find("h2", id="timeline").find_next("ol").get_text()
    assert "Your service has not replied yet" not in text_of(done.soup)
    ask = done.soup.find("a", string=lambda s: s and "Ask a question" in s)["href"]
    version = lead_client.get(ask).soup.find("input", attrs={"name": "version"})["value"]
    asked = lead_client.post(ask, data={"version": version, "text": "Which school does Sam go to?"},
                             follow_redirects=True)
    assert "Question sent" in asked.soup.select_one(".govuk-notification-banner--success").get_text()
    timeline = asked.soup.find("h2", id="timeline").find_next("ol").get_text(" ")
    assert "Asked a question" in timeline and "Which school does Sam go to?" in timeline
    db_session.refresh(row)
    assert row.status == "information_requested" and row.first_response_at is not None


def test_a_referral_sent_by_email_has_no_clock_on_the_leads_page(db_session, world, lead_client):
    row = world["rows"]["sam"]
    row.replies_here, row.response_target_days = False, None
    db_session.commit()
    text = text_of(lead_client.get(f"/service-referrals/{row.id}").soup)
    assert "Sent by email; this service does not reply here" in text
    assert "past the target" not in text and "target is to reply" not in text
    rows = table_rows(lead_client.get("/inbox"))
    assert "Sent by email: no reply clock" in rows[1] and "Past the target" not in rows[1]
