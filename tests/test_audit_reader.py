"""Admins and information governance read the audit log: each filter finds the right entries, days are UK days,
pages of 50, a CSV download that a spreadsheet cannot run, and each read of the log is itself in the log (filter
names only, never what was typed)."""

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from directory import audit_reader
from directory.audit import record
from directory.audit_reader import FilterError, Filters
from directory.models import AuditEntry, Referral
from directory.referrals import records as family_records
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.referrals import AUTISM, send, sent_referral


def signed_in(app, user):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, user)
    return client


def ids(rows) -> set:
    return {row.id for row in rows}


def entry(session, user_id=None, action="test_action", at=None, **fields) -> uuid.UUID:
    """One entry written straight into the log (the log has no update path, so its time is set as it is added)."""
    row = AuditEntry(user_id=user_id, action=action, object_type=fields.pop("object_type", "thing"),
                     at=at or datetime.now(UTC), **fields)
    session.add(row)
    session.commit()
    return row.id


def everything(session, reader, filters: Filters) -> list:
    """Every matching row (the export, which has no pages)."""
    return audit_reader.export(session, reader.id, filters).rows


@pytest.fixture
def reader(db_session):
    return make_user(db_session, ["admin"], name="Ada Admin")


def test_person_by_email_in_any_case_or_by_part_of_a_name(db_session, reader):
    alice = make_user(db_session, ["key_worker"], name="Alice Auditwell")
    bob = make_user(db_session, ["key_worker"], name="Bob Other")
    mine = {entry(db_session, alice.id, "view"), entry(db_session, alice.id, "update")}
    entry(db_session, bob.id, "view")
    entry(db_session, None, "view")

    assert ids(everything(db_session, reader, Filters(person=alice.email.upper()))) == mine
    assert ids(everything(db_session, reader, Filters(person="auditWELL"))) == mine
    rows = everything(db_session, reader, Filters(person=" alice audit "))
    assert ids(rows) == mine
    assert {(row.person, row.email) for row in rows} == {("Alice Auditwell", alice.email)}

    with pytest.raises(FilterError) as refused:
        everything(db_session, reader, Filters(person="nobody@example.org"))
    assert refused.value.errors == {"person": "No one has the email address nobody@example.org"}
    with pytest.raises(FilterError) as refused:
        everything(db_session, reader, Filters(person="Zebedee"))
    assert refused.value.errors == {"person": "No one's name includes Zebedee"}
    # A LIKE wildcard is a character, not "anything".
    with pytest.raises(FilterError):
        everything(db_session, reader, Filters(person="%"))


def test_commands_are_shown_as_the_site(db_session, reader):
    mine = entry(db_session, None, "site_only_action")
    [row] = everything(db_session, reader, Filters(action="site_only_action"))
    assert (row.id, row.person, row.email) == (mine, "The site", None)


def test_family_record_by_its_reference_in_any_case_with_spaces(db_session, reader):
    worker = make_user(db_session, ["key_worker"], districts=["east-staffordshire"])
    first = family_records.create_record(db_session, worker.id, {"key_worker"})
    other = family_records.create_record(db_session, worker.id, {"key_worker"})
    db_session.commit()
    typed = first.reference.lower().replace("-", " ")
    before = ids(everything(db_session, reader, Filters(family_record=typed)))
    about_first = {entry(db_session, worker.id, "view", object_type="family_record", object_id=first.id,
                         record_id=first.id),
                   entry(db_session, worker.id, "submit", object_type="referral", object_id=uuid.uuid4(),
                         record_id=first.id)}
    entry(db_session, worker.id, "view", object_type="family_record", object_id=other.id, record_id=other.id)
    entry(db_session, worker.id, "view", object_type="thing", object_id=first.id)  # not about the record

    rows = everything(db_session, reader, Filters(family_record=typed))
    assert {row.id for row in rows if row.object_type != "audit_log"} - before == about_first
    assert before <= ids(rows)
    # The first search of the log for this family is in it: it concerns the family.
    assert [(row.action, row.person) for row in rows if row.object_type == "audit_log"] == [("export", "Ada Admin")]
    assert {row.family_reference for row in rows} == {first.reference}

    with pytest.raises(FilterError) as refused:
        everything(db_session, reader, Filters(family_record="FAM-ZZZZ-ZZZZ"))
    assert refused.value.errors == {"family_record": "No family record has the reference FAM-ZZZZ-ZZZZ"}
    with pytest.raises(FilterError) as refused:
        everything(db_session, reader, Filters(family_record="not a reference"))
    assert "correct format" in refused.value.errors["family_record"]


def test_referral_finds_the_referral_and_its_service_referrals(db_session, reader):
    sent = sent_referral(db_session)
    referral = db_session.get(Referral, sent.row.referral_id)
    later = send(db_session, sent.key_worker, sent.record, AUTISM)  # another referral for the same family
    typed = referral.reference.lower()
    before = ids(everything(db_session, reader, Filters(referral=typed)))
    assert before  # sending it was audited
    mine = {entry(db_session, sent.key_worker.id, "view", object_type="referral", object_id=referral.id,
                  record_id=sent.record.id),
            entry(db_session, sent.key_worker.id, "referral_accept", object_type="service_referral",
                  object_id=sent.row.id, record_id=sent.record.id)}
    entry(db_session, sent.key_worker.id, "view", object_type="service_referral", object_id=later.id,
          record_id=sent.record.id)
    entry(db_session, sent.key_worker.id, "view", object_type="family_record", object_id=sent.record.id,
          record_id=sent.record.id)

    rows = everything(db_session, reader, Filters(referral=typed))
    assert ids(rows) - before == mine
    assert {row.object_id for row in rows} <= {referral.id, sent.row.id}

    with pytest.raises(FilterError) as refused:
        everything(db_session, reader, Filters(referral="REF-ZZZZ-ZZZZ"))
    assert refused.value.errors == {"referral": "No referral has the reference REF-ZZZZ-ZZZZ"}


def test_action_finds_that_action_alone_and_is_offered_once(db_session, reader):
    mine = {entry(db_session, reader.id, "reader_test_action"), entry(db_session, None, "reader_test_action")}
    entry(db_session, reader.id, "reader_test_other")
    assert ids(everything(db_session, reader, Filters(action="reader_test_action"))) == mine
    # Written as the application writes them.
    object_id = uuid.uuid4()
    record(db_session, reader.id, "reader_test_written", "family_record", object_id, fields=["child.district"])
    record(db_session, None, "reader_test_written", "service_referral", object_id, reason="Chased by phone")
    db_session.commit()
    rows = everything(db_session, reader, Filters(action="reader_test_written"))
    assert sorted((row.person, row.object_type, row.object_id, row.detail_text, row.reason) for row in rows) == [
        ("Ada Admin", "family_record", object_id, "fields: child.district", None),
        ("The site", "service_referral", object_id, "", "Chased by phone")]
    offered = audit_reader.actions(db_session)
    assert offered.count("reader_test_action") == 1 and "reader_test_other" in offered


def test_dates_are_whole_days_in_uk_time(db_session, reader):
    at = {
        "31 May BST": datetime(2021, 5, 31, 22, 59, tzinfo=UTC),  # 23:59 BST on 31 May
        "1 June BST, early": datetime(2021, 5, 31, 23, 30, tzinfo=UTC),  # 00:30 BST on 1 June
        "1 June BST, late": datetime(2021, 6, 1, 22, 59, 59, tzinfo=UTC),  # 23:59:59 BST on 1 June
        "2 June BST": datetime(2021, 6, 1, 23, 0, tzinfo=UTC),  # midnight BST, 2 June
        "1 December GMT": datetime(2021, 12, 1, 0, 30, tzinfo=UTC),
        "30 November GMT": datetime(2021, 11, 30, 23, 59, tzinfo=UTC),
    }
    made = {name: entry(db_session, reader.id, "dated_action", at=moment) for name, moment in at.items()}

    def found(date_from=None, date_to=None) -> set:
        rows = everything(db_session, reader, Filters(action="dated_action", date_from=date_from, date_to=date_to))
        return {name for name, entry_id in made.items() if entry_id in ids(rows)}

    june_1 = date(2021, 6, 1)
    assert found(june_1, june_1) == {"1 June BST, early", "1 June BST, late"}
    assert found(date_to=june_1) == {"31 May BST", "1 June BST, early", "1 June BST, late"}
    assert found(date(2021, 6, 2)) == {"2 June BST", "1 December GMT", "30 November GMT"}
    assert found(date(2021, 12, 1), date(2021, 12, 1)) == {"1 December GMT"}
    assert found(date(2021, 11, 30), date(2021, 11, 30)) == {"30 November GMT"}

    with pytest.raises(FilterError) as refused:
        everything(db_session, reader, Filters(date_from=date(2021, 6, 2), date_to=june_1))
    assert set(refused.value.errors) == {"date_to"}


def test_pages_of_fifty_newest_first(db_session, reader):
    start = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)
    made = [entry(db_session, reader.id, "paged_action", at=start + timedelta(minutes=i)) for i in range(120)]
    newest_first = list(reversed(made))
    filters = Filters(action="paged_action")

    first = audit_reader.search(db_session, reader.id, filters, 1)
    second = audit_reader.search(db_session, reader.id, filters, 2)
    third = audit_reader.search(db_session, reader.id, filters, 3)
    assert (first.total, first.pages) == (120, 3)
    assert [row.id for row in first.rows] == newest_first[:50]
    assert [row.id for row in second.rows] == newest_first[50:100]
    assert second.first == 51
    assert [row.id for row in third.rows] == newest_first[100:]
    past = audit_reader.search(db_session, reader.id, filters, 99999)
    assert (past.rows, past.total, past.past_the_end) == ([], 120, True)


def test_each_read_is_audited_with_filter_names_and_never_their_values(db_session, reader):
    worker = make_user(db_session, ["key_worker"], name="Wendy Worker")
    family = family_records.create_record(db_session, worker.id, {"key_worker"})
    db_session.commit()
    entry(db_session, worker.id, "view", object_type="family_record", object_id=family.id, record_id=family.id)

    def reads(action):
        return db_session.exec(select(AuditEntry).where(AuditEntry.user_id == reader.id,
                                                        AuditEntry.object_type == "audit_log",
                                                        AuditEntry.action == action)).all()

    filters = Filters(person=worker.email, family_record=family.reference, date_from=date(2020, 1, 1))
    page = audit_reader.search(db_session, reader.id, filters, 1)
    [view] = reads("view")
    assert view.detail == {"filters": ["person", "family_record", "date_from"], "page": 1}
    assert view.record_id == family.id  # a subject access request for this family shows the search
    exported = audit_reader.export(db_session, reader.id, filters)
    [export] = reads("export")
    assert export.detail == {"filters": ["person", "family_record", "date_from"], "rows": len(exported.rows)}
    assert len(exported.rows) == page.total >= 2  # the record's creation and the view
    for written in (view, export):
        text = json.dumps(written.detail)
        for value in (worker.email, family.reference, "Wendy", "2020"):
            assert value not in text
    # Committed: a fresh look from the database still has them.
    db_session.expire_all()
    assert len(reads("view")) == len(reads("export")) == 1

    audit_reader.search(db_session, reader.id, Filters(), 2)
    [_, unfiltered] = sorted(reads("view"), key=lambda e: e.at)
    assert (unfiltered.detail, unfiltered.record_id) == ({"filters": [], "page": 2}, None)


def test_a_refused_filter_reads_and_writes_nothing(db_session, reader):
    with pytest.raises(FilterError):
        audit_reader.search(db_session, reader.id, Filters(family_record="FAM-ZZZZ-ZZZZ"), 1)
    assert not db_session.exec(select(AuditEntry).where(AuditEntry.user_id == reader.id)).all()


def test_uk_time_reads_as_people_say_it():
    assert audit_reader.uk_time(datetime(2026, 12, 1, 14, 5, tzinfo=UTC)) == "1 December 2026, 2:05pm"
    assert audit_reader.uk_time(datetime(2026, 6, 1, 11, 30, tzinfo=UTC)) == "1 June 2026, 12:30pm"  # BST
    assert audit_reader.uk_time(datetime(2026, 5, 31, 23, 30, tzinfo=UTC)) == "1 June 2026, 12:30am"


# The pages


def filtered(client, query: dict):
    """Post the filters (they never go in an address), as the form does; the pages then read them."""
    response = client.post("/admin/audit-log", data=query)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/audit-log"
    return client


def test_the_page_lists_entries_with_filters_kept_in_its_links(app, db_session, reader):
    worker = make_user(db_session, ["key_worker"], name="Pat Pager")
    start = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)
    for i in range(120):
        entry(db_session, worker.id, "page_link_action", at=start + timedelta(minutes=i))
    client = signed_in(app, reader)
    filtered(client, {"person": worker.email, "action": "page_link_action"})
    response = client.get("/admin/audit-log", query_string={"page": "2"})
    assert response.status_code == 200
    text = text_of(response.soup)
    assert "120 entries" in text
    table = response.soup.find("table", id="audit-entries")
    assert table.caption.get_text(strip=True) == "Entries 51 to 100 of 120, newest first"
    cells = table.select("tbody tr")
    assert len(cells) == 50
    assert cells[0].find("td").get_text(strip=True) == "1 March 2022, 10:09am"  # the 70th minute, 9:00 UTC = GMT
    assert "Pat Pager" in cells[0].get_text()
    links = [a["href"] for a in response.soup.select("nav.govuk-pagination a")]
    # The filters stay in the session: no address holds the email address.
    assert links and all(href.startswith("/admin/audit-log?page=") for href in links)
    assert response.soup.find("a", string="Download as CSV")["href"] == "/admin/audit-log.csv"
    assert worker.email not in str(response.soup.find_all("a"))
    assert "120 entries" in text_of(client.get("/admin/audit-log").soup)
    client.post("/admin/audit-log/clear")
    assert "120 entries" not in text_of(client.get("/admin/audit-log").soup)


def test_the_csv_download_has_every_matching_row_and_no_formulas(app, db_session, reader):
    evil = make_user(db_session, ["key_worker"], name="=cmd")
    entry(db_session, evil.id, "csv_action", at=datetime(2026, 12, 1, 14, 5, tzinfo=UTC), object_type="thing",
          detail={"fields": ["child.district"]}, client_address="203.0.113.9", reason="+SUM(A1)")
    entry(db_session, evil.id, "csv_action", at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    client = signed_in(app, reader)
    response = filtered(client, {"person": evil.email}).get("/admin/audit-log.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == list(audit_reader.CSV_HEADER)
    assert rows[1] == ["1 December 2026, 2:05pm", "'=cmd", evil.email, "", "csv_action", "thing", "",
                       "fields: child.district", "203.0.113.9", "'+SUM(A1)"]
    assert rows[2][0] == "30 November 2026, 9:00am" and len(rows) == 3
    [export] = db_session.exec(select(AuditEntry).where(AuditEntry.user_id == reader.id,
                                                        AuditEntry.action == "export")).all()
    assert export.detail == {"filters": ["person"], "rows": 2}


@pytest.mark.parametrize("roles", [["key_worker"], ["service_lead"], ["family"]])
def test_others_may_not_read_the_log(app, db_session, roles):
    client = signed_in(app, make_user(db_session, roles))
    assert client.get("/admin/audit-log").status_code == 403
    assert client.get("/admin/audit-log.csv").status_code == 403


def test_information_governance_may_read_the_log(app, db_session):
    governance = make_user(db_session, ["information_governance"])
    client = signed_in(app, governance)
    response = client.get("/admin/audit-log")
    assert response.status_code == 200
    assert response.soup.find("table", id="audit-entries") is not None
    assert client.get("/admin/audit-log.csv").status_code == 200
    home = client.get("/your-account")
    assert home.soup.find("a", string="Read the audit log")["href"] == "/admin/audit-log"


def test_the_account_page_links_admins_to_the_log(app, db_session, reader):
    home = signed_in(app, reader).get("/your-account")
    assert home.soup.find("a", string="Read the audit log")["href"] == "/admin/audit-log"
    worker = signed_in(app, make_user(db_session, ["key_worker"])).get("/your-account")
    assert worker.soup.find("a", string="Read the audit log") is None


@pytest.mark.parametrize(("query", "message"), [
    ({"family_record": "fam zzzz zzzz"}, "No family record has the reference FAM-ZZZZ-ZZZZ"),
    ({"family_record": "hello"}, "Enter the family reference in the correct format, like FAM-ABCD-2345"),
    ({"referral": "REF-ZZZZ-ZZZZ"}, "No referral has the reference REF-ZZZZ-ZZZZ"),
    ({"person": "nobody@example.org"}, "No one has the email address nobody@example.org"),
    ({"date_from": ["31", "2", "2026"]}, "Date from must be a real date"),
    ({"date_from": ["1", "2", "26"]}, "Year must include 4 numbers"),
    ({"date_from": ["2", "6", "2026"], "date_to": ["1", "6", "2026"]},
     "The date to must be the same as or after the date from"),
    ({"action": "no_such_action"}, "Select an action from the list"),
    ({"person": "x" * 400}, "Person must be 320 characters or fewer"),
])
def test_bad_filters_give_a_message_and_no_results(app, db_session, reader, query, message):
    client = signed_in(app, reader)
    response = filtered(client, query).get("/admin/audit-log")
    assert response.status_code == 200
    assert response.soup.title.get_text().startswith("Error: Audit log")
    assert message in text_of(response.soup.select_one(".govuk-error-summary"))
    assert response.soup.find("table", id="audit-entries") is None
    download = client.get("/admin/audit-log.csv")
    assert download.status_code == 302 and download.headers["Location"] == "/admin/audit-log"
    assert not db_session.exec(select(AuditEntry).where(AuditEntry.user_id == reader.id,
                                                        AuditEntry.object_type == "audit_log")).all()


@pytest.mark.parametrize(("page", "words"), [
    ("abc", "The page number in the link is not a page number, so the first page is shown."),
    ("-1", "The page number in the link is not a page number, so the first page is shown."),
    ("99999", "There is no page 99999"),
    ("9" * 40, "The page number in the link is not a page number, so the first page is shown."),
    ("9" * 5000, "The page number in the link is not a page number, so the first page is shown."),
])
def test_a_bad_page_number_is_said_not_a_server_error(app, db_session, reader, page, words):
    response = signed_in(app, reader).get("/admin/audit-log", query_string={"page": page})
    assert response.status_code == 200
    assert words in text_of(response.soup)


def test_half_a_date_or_repeated_fields_do_not_fail(app, db_session, reader):
    client = signed_in(app, reader)
    for query in ("date_from=1", "date_from=1&date_from=2&date_from=3&date_from=4", "action=view&action=x",
                  "person=&family_record=&referral=&action=&date_from=&date_from=&date_from="):
        response = client.post("/admin/audit-log", data=query, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 302, query
        assert client.get("/admin/audit-log").status_code == 200, query


def test_an_export_past_the_limit_holds_the_newest_and_says_so(app, db_session, reader, monkeypatch):
    monkeypatch.setattr(audit_reader, "EXPORT_LIMIT", 2)
    start = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)
    made = [entry(db_session, reader.id, "capped_action", at=start + timedelta(minutes=i)) for i in range(3)]
    found = audit_reader.export(db_session, reader.id, Filters(action="capped_action"))
    assert (found.total, found.capped, [row.id for row in found.rows]) == (3, True, made[:0:-1])
    client = signed_in(app, reader)
    page = filtered(client, {"action": "capped_action"}).get("/admin/audit-log")
    assert "The download holds the newest 2 of these entries" in text_of(page.soup)
    download = client.get("/admin/audit-log.csv")
    assert 'newest-2.csv"' in download.headers["Content-Disposition"]
    assert len(download.get_data(as_text=True).strip().split("\r\n")) == 3  # the header and two rows
