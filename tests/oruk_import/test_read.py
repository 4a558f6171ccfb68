"""directory/oruk/read.py on its own (no database): how documents are told apart, and the defaults for what ORUK
does not say."""

import json
from datetime import date
from pathlib import Path

from directory.oruk.read import Source, Term, Vocabulary, kind_of, read_feed

DEFAULT = Path(__file__).resolve().parent.parent / "fixtures" / "oruk" / "validator-mocks" / "V3.0-UK-Default"
TODAY = date(2026, 12, 2)
TERMS = [Term("1d5f0f8e-0000-4000-8000-000000000001", "information-and-advice", "Information and advice",
              "service-categories", "1d5f0f8e-0000-4000-8000-0000000000aa")]
DISTRICTS = [("tamworth", "Tamworth"), ("cannock-chase", "Cannock Chase")]


def service(**changes) -> dict:
    document = json.loads((DEFAULT / "service_full.json").read_text())
    document.update(changes)
    return {key: value for key, value in document.items() if value is not None}


def read(document, **vocabulary):
    reading = read_feed([Source("service_full.json", document)],
                        Vocabulary(terms=TERMS, districts=DISTRICTS, **vocabulary), TODAY)
    assert reading.problems == []
    return reading, reading.document["services"][0]


def test_documents_are_told_apart_by_file_name_else_by_shape():
    assert kind_of("feed/service_full.json", {}) == "service"
    assert kind_of("organization_full.json", {}) == "organization"
    assert kind_of("x.json", {"id": "a", "name": "b", "status": "active"}) == "service"
    assert kind_of("x.json", {"contents": [{"id": "a", "location": {}, "service": {}}]}) == "service_at_location_list"
    assert kind_of("x.json", {"version": "HSDS-UK-3.0", "profile": "p", "openapi_url": "u"}) == "api_details"
    assert kind_of("x.json", {"id": "a", "name": "b", "description": "c", "website": "http://x"}) == "organization"
    assert kind_of("x.json", {"hello": "world"}) is None and kind_of("x.json", [1, 2]) is None


def test_a_long_first_sentence_is_cut_at_a_word_for_the_summary():
    _, entry = read(service(description="Help " * 60 + "for everyone. And more."))
    assert len(entry["summary"]) <= 200 and entry["summary"].endswith("Help…")


def test_ages_are_rounded_outwards_and_default_to_the_send_range():
    _, entry = read(service(minimum_age=2.5, maximum_age=17.5))
    assert (entry["min_age"], entry["max_age"]) == (2, 18)
    _, entry = read(service(minimum_age=None, maximum_age=None))
    assert (entry["min_age"], entry["max_age"]) == (0, 25)
    _, entry = read(service(minimum_age=30, maximum_age=None))
    assert (entry["min_age"], entry["max_age"]) == (30, 30)


def test_the_assured_date_falls_back_to_last_modified_then_today_said_so():
    _, entry = read(service(assured_date=None))
    assert entry["assured_date"] == "2023-03-15"
    reading, entry = read(service(assured_date=None, last_modified=None))
    assert entry["assured_date"] == "2026-12-02"
    assert any("no assured_date or last_modified: the import date is used" in line for line in reading.not_mapped)


def test_a_new_slug_never_takes_another_services():
    owners = {"community-counselling": "0b3a9f2e-5d1c-4e8b-9a7f-2c6d4e8f0a1b"}
    _, entry = read(service(), slug_owner=owners.get)
    assert entry["slug"] == "community-counselling-ac148810"
    _, entry = read(service())
    assert entry["slug"] == "community-counselling"


def test_contacts_by_title_keep_the_names_the_directory_holds():
    held = {"contacts": [{"name": "Ann Persona", "title": "Reception Manager"}], "min_age": 0, "max_age": 19}
    titles_only = [{"id": "1e7efce3-639b-4880-940c-b95cd30cdb50", "title": "Reception Manager"}]
    _, entry = read(service(contacts=titles_only), existing=lambda service_id: held)
    assert entry["contacts"] == held["contacts"]
    _, entry = read(service(contacts=titles_only))  # a new listing: the role stands for the name
    assert entry["contacts"] == [{"name": "Reception Manager", "title": "Reception Manager"}]


def test_what_the_database_holds_fills_what_an_outside_feed_does_not_say():
    held = {"summary": "What the lead wrote about the service.", "how_to_refer": "Ask your GP.",
            "referral_method": "site", "accepting_referrals": False, "needs": ["ASD"], "referrers": ["gp"],
            "categories": ["information-and-advice"], "areas": ["tamworth"], "min_age": 4, "max_age": 11,
            "slug": "counselling", "phones": [{"number": "01632 960000"}]}
    _, entry = read(service(minimum_age=None, maximum_age=None), existing=lambda service_id: held)
    for key, value in held.items():
        assert entry[key] == value, key
    # The feed's own extension wins over both (a key it leaves out has no value).
    _, entry = read(service(send_directory={"how_to_refer": "Use the form.", "referral_method": "own_form",
                                            "accepting_referrals": True, "slug": "from-the-feed",
                                            "summary": "The feed's own summary."}),
                    existing=lambda service_id: held)
    assert (entry["how_to_refer"], entry["referral_method"], entry["slug"]) == ("Use the form.", "own_form",
                                                                                "from-the-feed")
    assert "phones" not in entry
