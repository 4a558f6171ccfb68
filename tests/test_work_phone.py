"""Staff give a work phone number (a UK number, written one way), shown to the families they work with."""

import pytest
from sqlmodel import select

from directory.models import AuditEntry, User
from directory.phones import PhoneError, normalise_uk_phone
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in


@pytest.mark.parametrize(("typed", "kept"), [
    ("01283 500500", "01283 500500"), ("+44 (0)7700 900123", "07700 900123"), ("0044 20 7946 0000", "020 7946 0000"),
    ("0113-496-0000", "0113 496 0000"), ("0800 123 4567", "0800 123 4567"), ("01204 12345", "01204 12345"),
])
def test_uk_numbers_are_written_one_way(typed, kept):
    assert normalise_uk_phone(typed) == kept


@pytest.mark.parametrize("typed", ["", "123", "0900 123 4567", "07700 90012", "020 7946 000", "077009001234",
                                   "call me", "+1 212 555 0100", "٠١٢٨٣٥٠٠٥٠٠"])
def test_other_text_is_refused(typed):
    with pytest.raises(PhoneError, match="Enter a UK phone number"):
        normalise_uk_phone(typed)


@pytest.mark.parametrize("role", ["key_worker", "service_lead", "admin"])
def test_staff_set_their_work_phone(app, db_session, role):
    app.config["WTF_CSRF_ENABLED"] = False
    person = make_user(db_session, [role])
    client = app.test_client()
    sign_in(client, person)
    page = client.get("/your-account/work-phone")
    assert page.status_code == 200 and page.soup.select_one("input[name=phone]")["type"] == "tel"

    for typed, message in (("", "Enter your work phone number"), ("01283", "Enter a UK phone number"),
                           ("0" * 41, "Enter a UK phone number")):
        refused = client.post("/your-account/work-phone", data={"phone": typed})
        assert refused.status_code == 200
        assert message in text_of(refused.soup.select_one(".govuk-error-summary"))
        db_session.expire_all()
        assert db_session.get(User, person.id).work_phone is None

    done = client.post("/your-account/work-phone", data={"phone": " +44 1283 500500 "})
    assert done.status_code == 302 and done.headers["Location"] == "/your-account"
    assert "Your work phone number is now 01283 500500." in text_of(client.get("/your-account").soup)
    db_session.expire_all()
    assert db_session.get(User, person.id).work_phone == "01283 500500"
    assert db_session.exec(select(AuditEntry).where(AuditEntry.action == "work_phone_changed",
                                                    AuditEntry.user_id == person.id)).one()
    assert client.get("/your-account/work-phone").soup.select_one("input[name=phone]")["value"] == "01283 500500"


def test_families_have_no_work_phone_page(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, make_user(db_session, ["family"]))
    assert client.get("/your-account/work-phone").status_code == 403
