"""The seed stays true to its sources: no contact detail that the domain research does not give, and each listing's
referral method follows what the sources say about how the service is reached."""

import json
import re

from sqlmodel import select

from directory.models import LocalAuthority, Service
from directory.models.directory import REFERRAL_METHODS
from tests.helpers.databases import SEED_PATH

SERVICES = json.loads((SEED_PATH / "services.json").read_text())
PLACES = json.loads((SEED_PATH / "places.json").read_text())

# Every phone number, email address, postcode and web site that the domain research (FACTS.md, section 1 and 6.7)
# gives for a Staffordshire or Stoke-on-Trent service. A contact in the seed must be one of these.
SOURCED_PHONES = {
    "0800 1313 126",  # First Response (1.13)
    "0345 604 2886",  # Emergency Duty Service (1.13)
    "07520 615722",  # ChatHealth (1.13)
    "01782 427450",  # MPFT children's OT, North (1.2)
    "01785 221398",  # MPFT children's OT, East and West (1.2)
    "01782 408354",  # CAMHS Central Referral Hub professional advice line (1.4)
    "01782 235100",  # Stoke CHAD / Integrated Front Door (1.13, 6.7)
    "01782 234484",  # Stoke SLT department (1.1)
}
SOURCED_EMAILS = {"childrensOT@mpft.nhs.uk"}
SOURCED_POSTCODES = {"ST4 3NR", "B77 5LB", "DE14 1EG", "ST16 3NE", "WS11 4NJ"}  # the three OT teams' bases (1.2)
SOURCED_HOSTS = {
    "www.staffordshireconnects.info", "staffordshire.gov.uk", "www.staffordshire.gov.uk", "staffspcf.co.uk",
    "staffsscb.org.uk", "mpft.nhs.uk", "www.mpft.nhs.uk", "staffordshire-ewb.actionforchildren.org.uk",
    "www.lichfield-camhs.co.uk", "www.twbstaffsandstoke.org.uk", "localoffer.stoke.gov.uk", "www.stokespeaks.org",
    "caudwellchildren.com",
}
# Street lines that were inferred from a clinic's name rather than given by a source.
INFERRED_ADDRESS_LINES = {"Cross Street"}

PHONE_IN_TEXT = re.compile(r"\b0\d{3,4} ?\d{3} ?\d{3,4}\b")
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def host(url: str) -> str:
    return url.split("/")[2]


def test_every_phone_and_email_in_the_seed_comes_from_the_sources():
    for service in SERVICES["services"]:
        numbers = {p["number"] for p in service.get("phones", [])}
        text = " ".join(service.get(key) or "" for key in ("description", "how_to_refer", "summary", "opening_hours"))
        numbers |= set(PHONE_IN_TEXT.findall(text))
        assert numbers <= SOURCED_PHONES, (service["id"], numbers - SOURCED_PHONES)
        emails = set(EMAIL_IN_TEXT.findall(text)) | ({service["email"]} if service.get("email") else set())
        assert {e.rstrip(".") for e in emails} <= SOURCED_EMAILS, (service["id"], emails)
    for organisation in SERVICES["organisations"]:
        assert not organisation.get("email") or organisation["email"] in SOURCED_EMAILS


def test_every_address_and_web_site_in_the_seed_comes_from_the_sources():
    for location in SERVICES["locations"]:
        address = location["address"]
        assert address["postal_code"] in SOURCED_POSTCODES, location["id"]
        assert address.get("address_2") not in INFERRED_ADDRESS_LINES, location["id"]
    urls = [s["url"] for s in SERVICES["services"] if s.get("url")]
    urls += [o["website"] for o in SERVICES["organisations"] if o.get("website")]
    urls += [la["local_offer_url"] for la in PLACES["local_authorities"] if la.get("local_offer_url")]
    assert {host(url) for url in urls} <= SOURCED_HOSTS


def test_the_real_seed_has_no_referral_addresses():
    # Referral addresses are private and not in the sources: only the demo (seed --demo) adds example ones.
    assert not [s["id"] for s in SERVICES["services"] if s.get("referral_email")]


def test_sourced_contacts_that_were_missing_are_there():
    by_id = {s["id"]: s for s in SERVICES["services"]}
    assert "01782 408354" in {p["number"] for p in by_id["camhs-central-referral-hub-north-staffordshire"]["phones"]}
    assert by_id["emergency-duty-service-out-of-hours"]["url"]


def test_every_listing_says_how_referrals_are_made(db_session):
    methods = {s["id"]: s["referral_method"] for s in SERVICES["services"]}
    assert set(methods.values()) <= set(REFERRAL_METHODS)
    assert len(methods) == len(SERVICES["services"])  # set explicitly, not left to the default
    # Information services and web sites, crisis and duty lines: no referral is made.
    for service_id in ("staffordshire-connects-local-offer", "staffordshire-sendiass",
                       "staffordshire-parent-carer-forum", "first-response-childrens-advice-and-support",
                       "emergency-duty-service-out-of-hours", "chathealth-school-nursing-text",
                       "stoke-integrated-front-door-chad"):
        assert methods[service_id] == "none", service_id
    # Forms that differ by area (SLT) or are for school staff and health professionals (OT).
    for service_id in ("slt-north-and-south-west-staffordshire", "slt-south-east-staffordshire",
                       "stoke-speech-and-language-therapy", "ot-north-team", "ot-east-team", "ot-west-team"):
        assert methods[service_id] == "own_form", service_id
    assert methods["children-with-disabilities-social-work-team"] == "phone"
    assert methods["family-hub-cannock-chase"] == "site"
    in_database = dict(db_session.exec(select(Service.slug, Service.referral_method)).all())
    assert in_database == methods


def test_each_local_authority_has_its_local_offer(db_session):
    offers = dict(db_session.exec(select(LocalAuthority.slug, LocalAuthority.local_offer_url)).all())
    assert offers == {"staffordshire": "https://www.staffordshireconnects.info",
                      "stoke-on-trent": "https://localoffer.stoke.gov.uk"}
