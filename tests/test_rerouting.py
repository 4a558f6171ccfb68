"""Decline, re-route and while you wait: the alternatives to a declined referral from the graph and the router,
re-routed in one step with consent; the while-you-wait services of a waiting list, referrable in one step only
where the sender may refer."""

import uuid

import pytest
from sqlmodel import func, select

from directory.models import (
    FamilyAccess,
    FamilyRecord,
    Referral,
    ReferralEvent,
    Service,
    ServiceAttribute,
    ServiceReferral,
    TaxonomyTerm,
)
from directory.referrals import alternatives, channels, lifecycle, submit
from directory.referrals import records as family_records
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.records import complete_record, new_record

CONSENT = {"given_by_0": "parent_with_parental_responsibility", "method_0": "verbal", "when_0": ["20", "11", "2026"]}
CAMHS = "camhs-south-staffordshire"
WELLBEING = "emotional-health-and-wellbeing-service"
AUTISM_SOUTH = "autism-service-south-staffordshire"
AUTISM_NORTH = "camhs-autism-pathway-north-staffordshire"
FAMILY_SUPPORT = "autism-family-support"
FORUM = "staffordshire-parent-carer-forum"
OUTREACH = "autism-and-communication-outreach"


def service(db_session, slug) -> Service:
    return db_session.exec(select(Service).where(Service.slug == slug)).one()


def send(client, db_session, record, slug) -> ServiceReferral:
    assert client.post(f"/families/{record}/services", data={"services": [str(service(db_session, slug).id)]}
                       ).status_code == 302
    assert client.post(f"/families/{record}/consent", data=CONSENT).status_code == 302
    key = client.get(f"/families/{record}/check-answers").soup.find("input", attrs={"name": "idempotency_key"})
    assert client.post(f"/families/{record}/check-answers", data={"idempotency_key": key["value"]}
                       ).status_code == 302
    row = db_session.exec(select(ServiceReferral).where(ServiceReferral.record_id == uuid.UUID(record),
                                                        ServiceReferral.service_id == service(db_session, slug).id)
                          ).one()
    db_session.commit()
    return row


def lead_does(db_session, lead, row, action, **values) -> None:
    db_session.commit()  # end what the test read: act starts afresh, and must not undo what the pages wrote
    db_session.refresh(row)
    assert lifecycle.act(db_session, lead.id, {"service_lead"}, row.id, action, row.version, **values) is not None


def count(db_session, model) -> int:
    return db_session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def key_worker(db_session):
    return make_user(db_session, ["key_worker"], name="Kim Keyworker", districts=["east-staffordshire"])


@pytest.fixture
def client(app, key_worker):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, key_worker)
    return client


def decline_camhs(client, db_session, suspected: list[str]) -> dict:
    """A referral to specialist CAMHS (south), declined by its lead, for a child in East Staffordshire with mental
    health needs."""
    lead = make_user(db_session, ["service_lead"], name="Casey Camhs", services=[CAMHS])
    record = new_record(client)
    complete_record(client, record, needs={"needs": ["SEMH"], "suspected": suspected})
    row = send(client, db_session, record, CAMHS)
    lead_does(db_session, lead, row, "decline", reason="needs_another_service")
    return {"record": record, "row": row, "lead": lead}


@pytest.fixture
def declined(client, db_session):
    return decline_camhs(client, db_session, [])


def test_a_decline_lists_the_alternatives_from_the_graph_and_the_router(client, db_session, declined):
    row = declined["row"]
    unchecked = {o.service.slug: o.kind for o in alternatives.for_declined(db_session, row, "key_worker", None)}
    # The graph: CAMHS steps down to the wellbeing service; the autism service and ADHD assessment are its
    # alternatives (both ways: ADHD assessment names CAMHS as its own alternative).
    assert unchecked[WELLBEING] == "step_down_to" and unchecked[AUTISM_SOUTH] == "alternative_to"
    assert unchecked["adhd-assessment-south-staffordshire"] == "alternative_to"
    page = client.get(f"/service-referrals/{row.id}")
    assert "Other services that may help" in text_of(page.soup)
    names = [h.get_text(strip=True) for h in page.soup.select("#alternatives ~ .app-result h3")]
    # Routed for this record: the wellbeing service is eligible and a key worker refers to it here; the autism
    # and ADHD services are ruled out (nobody thinks the child is autistic or has ADHD).
    assert names == [service(db_session, WELLBEING).name]
    assert page.soup.find("a", href=f"/service-referrals/{row.id}/reroute")
    # Same needs, found by the router: each one eligible and sharing a category with CAMHS.
    results = _results(db_session, row)
    outcomes = {r.service_id: r.outcome for r in results}
    camhs_categories = alternatives.categories_of(db_session, [row.service_id])[row.service_id]
    for option in alternatives.for_declined(db_session, row, "key_worker", results):
        assert outcomes[option.service.id] != "not_eligible"
        if option.kind == alternatives.SAME_NEED:
            assert outcomes[option.service.id] == "eligible"
            assert alternatives.categories_of(db_session, [option.service.id])[option.service.id] & camhs_categories


def test_alternatives_a_key_worker_cannot_send_to_say_whom_to_ask(client, db_session):
    """A child who may be autistic: the wellbeing service rules itself out, and the autism service takes
    referrals only from some professionals, so there is nothing to send here, only whom to ask."""
    row = decline_camhs(client, db_session, ["autism"])["row"]
    page = client.get(f"/service-referrals/{row.id}")
    text = text_of(page.soup)
    names = [h.get_text(strip=True) for h in page.soup.select("#alternatives ~ .app-result h3")]
    assert names == [service(db_session, AUTISM_SOUTH).name]
    assert "Ask the child's GP" in text
    assert not page.soup.find("a", href=f"/service-referrals/{row.id}/reroute")
    reroute = client.get(f"/service-referrals/{row.id}/reroute")
    assert not reroute.soup.select("input[name=service]")
    assert "None of the services that may help can be sent a referral from here" in text_of(reroute.soup)
    before = count(db_session, ServiceReferral)
    client.post(f"/service-referrals/{row.id}/reroute", data={**CONSENT, "idempotency_key": uuid.uuid4().hex,
                                                             "service": str(service(db_session, AUTISM_SOUTH).id)})
    assert count(db_session, ServiceReferral) == before


def _results(db_session, row):
    """The record routed as its key worker's services page routes it."""
    record = db_session.get(FamilyRecord, row.record_id)
    return family_records.route_record(db_session, record, "key_worker", None)[1]


def test_re_routing_in_one_step_sends_the_record_with_consent_and_notes_it_on_the_declined_one(
        client, db_session, declined):
    row, wellbeing = declined["row"], service(db_session, WELLBEING)
    page = client.get(f"/service-referrals/{row.id}/reroute")
    assert page.status_code == 200
    choices = {i["value"] for i in page.soup.select("input[name=service]")}
    assert choices == {str(wellbeing.id)}
    key = page.soup.find("input", attrs={"name": "idempotency_key"})["value"]
    before = count(db_session, ServiceReferral)
    # No consent: the same page says what is missing, and nothing is sent.
    missing = client.post(f"/service-referrals/{row.id}/reroute", data={"service": str(wellbeing.id),
                                                                       "idempotency_key": key})
    assert missing.status_code == 200 and "Select who gave consent" in text_of(missing.soup)
    nothing = client.post(f"/service-referrals/{row.id}/reroute", data={**CONSENT, "idempotency_key": key})
    assert "Select the service to send the referral to" in text_of(nothing.soup)
    tampered = client.post(f"/service-referrals/{row.id}/reroute",
                           data={**CONSENT, "service": str(service(db_session, AUTISM_SOUTH).id),
                                 "idempotency_key": key})
    assert tampered.status_code == 200
    assert count(db_session, ServiceReferral) == before
    done = client.post(f"/service-referrals/{row.id}/reroute",
                       data={**CONSENT, "service": str(wellbeing.id), "idempotency_key": key})
    assert done.status_code == 302
    new_row = db_session.exec(select(ServiceReferral).where(ServiceReferral.service_id == wellbeing.id)).one()
    assert done.headers["Location"] == f"/service-referrals/{new_row.id}"
    assert new_row.record_id == row.record_id and new_row.status == "sent"
    assert (new_row.consent_given_by, new_row.consent_method) == ("parent_with_parental_responsibility", "verbal")
    assert new_row.consent_at.date().isoformat() == "2026-11-20"
    event = db_session.exec(select(ReferralEvent).where(ReferralEvent.service_referral_id == row.id,
                                                        ReferralEvent.kind == "rerouted")).one()
    assert event.detail["service_name"] == wellbeing.name and event.actor == "key_worker"
    banner = text_of(client.get(done.headers["Location"]).soup)
    assert f"Referral sent to {wellbeing.name}." in banner
    # The same form posted again finds its referral: nothing more is sent or written.
    again = client.post(f"/service-referrals/{row.id}/reroute",
                        data={**CONSENT, "service": str(wellbeing.id), "idempotency_key": key})
    assert again.headers["Location"] == f"/service-referrals/{new_row.id}"
    assert count(db_session, ServiceReferral) == before + 1
    assert db_session.exec(select(func.count()).select_from(ReferralEvent).where(
        ReferralEvent.kind == "rerouted")).one() == 1
    # The key worker's timeline of the declined referral says where it went; CAMHS's lead does not see it.
    text = text_of(client.get(f"/service-referrals/{row.id}").soup)
    assert f"Sent to another service instead: {wellbeing.name}" in text
    lead_client = client.application.test_client()
    sign_in(lead_client, declined["lead"])
    assert wellbeing.name not in text_of(lead_client.get(f"/service-referrals/{row.id}").soup)


def test_re_routing_to_a_service_with_an_open_referral_is_refused_with_a_link_to_it(client, db_session, declined,
                                                                                   key_worker):
    row, wellbeing = declined["row"], service(db_session, WELLBEING)
    open_row = send(client, db_session, declined["record"], WELLBEING)
    page = client.get(f"/service-referrals/{row.id}/reroute")
    assert str(wellbeing.id) not in {i["value"] for i in page.soup.select("input[name=service]")}
    assert page.soup.find("a", href=f"/service-referrals/{open_row.id}")
    refused = client.post(f"/service-referrals/{row.id}/reroute", data={
        **CONSENT, "service": str(wellbeing.id), "idempotency_key": uuid.uuid4().hex})
    assert refused.status_code == 200
    assert count(db_session, ServiceReferral) == 2
    # Straight to the data layer, the rule is the same: a clear message naming the open referral.
    options = alternatives.for_declined(db_session, row, "key_worker", None)
    choice = submit.Choice(wellbeing.id, "parent_with_parental_responsibility", "verbal")
    with pytest.raises(submit.ReferralError, match="already has an open referral"):
        alternatives.send(db_session, key_worker, {"key_worker"}, row, options, wellbeing.id, choice,
                          uuid.uuid4().hex, 30, True)


def test_only_the_key_worker_re_routes_and_only_a_declined_referral(app, client, db_session, declined):
    row = declined["row"]
    family = make_user(db_session, ["family"], name="Alex Jones")
    db_session.add(FamilyAccess(record_id=row.record_id, user_id=family.id))
    db_session.commit()
    family_client = app.test_client()
    sign_in(family_client, family)
    assert family_client.get(f"/service-referrals/{row.id}/reroute").status_code == 404
    lead_client = app.test_client()
    sign_in(lead_client, declined["lead"])
    assert lead_client.get(f"/service-referrals/{row.id}/reroute").status_code == 404
    # The family's page says the key worker can send it on, and lists no alternatives itself.
    text = text_of(family_client.get(f"/service-referrals/{row.id}").soup)
    assert "Your key worker can send the referral to another service" in text
    assert "Other services that may help" not in text
    # A referral that is not declined has nothing to re-route.
    open_row = send(client, db_session, declined["record"], WELLBEING)
    response = client.get(f"/service-referrals/{open_row.id}/reroute")
    assert response.status_code == 302
    assert "Only a declined referral" in text_of(client.get(response.headers["Location"]).soup)


@pytest.fixture
def waiting(app, client, db_session):
    """A referral to the CAMHS autism pathway (north), wait-listed by its lead, for a child in the Moorlands who
    may be autistic; the family can see the record."""
    lead = make_user(db_session, ["service_lead"], name="Nia North", services=[AUTISM_NORTH])
    record = new_record(client)
    complete_record(client, record, child={"postcode": "ST13 5AA"})
    row = send(client, db_session, record, AUTISM_NORTH)
    lead_does(db_session, lead, row, "wait_list", weeks=104)
    family = make_user(db_session, ["family"], name="Alex Jones")
    db_session.add(FamilyAccess(record_id=row.record_id, user_id=family.id))
    db_session.commit()
    family_client = app.test_client()
    sign_in(family_client, family)
    return {"row": row, "family": family_client, "record": record}


def test_while_you_wait_offers_respect_who_may_refer(client, db_session, waiting):
    row = waiting["row"]
    support, forum, outreach = (service(db_session, s) for s in (FAMILY_SUPPORT, FORUM, OUTREACH))
    found = {o.service.slug: o for o in alternatives.while_you_wait(db_session, row, "key_worker", None)}
    assert set(found) == {FAMILY_SUPPORT, FORUM, OUTREACH}
    assert found[FAMILY_SUPPORT].choosable
    assert found[FORUM].channel.how == channels.NO_REFERRAL
    assert found[OUTREACH].channel.how == channels.ASK_PROFESSIONAL
    page = client.get(f"/service-referrals/{row.id}")
    text = text_of(page.soup)
    assert "While you wait" in text
    one_step = f"/service-referrals/{row.id}/while-you-wait/{support.id}"
    assert page.soup.find("a", href=one_step)
    # The others: how to contact them, or whom to ask.
    assert not page.soup.find("a", href=f"/service-referrals/{row.id}/while-you-wait/{forum.id}")
    assert not page.soup.find("a", href=f"/service-referrals/{row.id}/while-you-wait/{outreach.id}")
    assert "No referral is needed: contact them directly" in text and page.soup.find("a", href=forum.url)
    assert "Ask the SENCO" in text
    # Asking for one that cannot be referred here is refused with the reason, and nothing is sent.
    before = count(db_session, ServiceReferral)
    refused = client.post(f"/service-referrals/{row.id}/while-you-wait/{outreach.id}", data=CONSENT)
    assert refused.status_code == 302
    assert "takes referrals only from professionals" in text_of(client.get(refused.headers["Location"]).soup)
    assert client.get(f"/service-referrals/{row.id}/while-you-wait/{uuid.uuid4()}").status_code == 404
    assert count(db_session, ServiceReferral) == before
    # The one-step form: what it receives, consent, send.
    form = client.get(one_step)
    assert form.status_code == 200 and "will receive" in text_of(form.soup)
    key = form.soup.find("input", attrs={"name": "idempotency_key"})["value"]
    done = client.post(one_step, data={**CONSENT, "idempotency_key": key})
    assert done.status_code == 302
    new_row = db_session.exec(select(ServiceReferral).where(ServiceReferral.service_id == support.id)).one()
    assert done.headers["Location"] == f"/service-referrals/{new_row.id}"
    db_session.refresh(row)
    assert row.status == "waiting_list"  # the place on the list is kept
    assert new_row.consent_method == "verbal"
    again = client.post(one_step, data={**CONSENT, "idempotency_key": key})
    assert again.headers["Location"] == f"/service-referrals/{new_row.id}"
    assert count(db_session, ServiceReferral) == before + 1


def test_a_family_gets_the_offers_a_family_may_take(db_session, waiting):
    row, family = waiting["row"], waiting["family"]
    support = service(db_session, FAMILY_SUPPORT)
    text = text_of(family.get(f"/service-referrals/{row.id}").soup)
    assert "While you wait" in text and "You can get help from these services" in text
    one_step = f"/service-referrals/{row.id}/while-you-wait/{support.id}"
    # When only key workers may refer to it, the family is told to ask theirs, and cannot send it themselves.
    self_term = db_session.exec(select(TaxonomyTerm).join(ServiceAttribute, ServiceAttribute.taxonomy_term_id ==
                                                          TaxonomyTerm.id)
                                .where(ServiceAttribute.service_id == support.id,
                                       ServiceAttribute.link_type == "referrer", TaxonomyTerm.code == "self")).one()
    link = db_session.exec(select(ServiceAttribute).where(ServiceAttribute.service_id == support.id,
                                                          ServiceAttribute.taxonomy_term_id == self_term.id)).one()
    db_session.delete(link)
    db_session.commit()
    page = family.get(f"/service-referrals/{row.id}")
    assert not page.soup.find("a", href=one_step)
    assert "Ask your key worker to refer" in text_of(page.soup)
    refused = family.post(one_step, data=CONSENT)
    assert refused.status_code == 302
    assert "does not take referrals from families" in text_of(family.get(refused.headers["Location"]).soup)
    assert db_session.exec(select(ServiceReferral).where(ServiceReferral.service_id == support.id)).first() is None
    # Put back, the family refers in one step themselves.
    db_session.add(ServiceAttribute(service_id=support.id, taxonomy_term_id=self_term.id, link_type="referrer"))
    db_session.commit()
    assert family.get(f"/service-referrals/{row.id}").soup.find("a", href=one_step)
    key = family.get(one_step).soup.find("input", attrs={"name": "idempotency_key"})["value"]
    assert "reason_0" not in family.get(one_step).get_data(as_text=True)  # families cannot skip consent
    assert family.post(one_step, data={**CONSENT, "idempotency_key": key}).status_code == 302
    new_row = db_session.exec(select(ServiceReferral).where(ServiceReferral.service_id == support.id)).one()
    assert db_session.get(Referral, new_row.referral_id).self_referral is True


def test_a_closed_record_is_not_re_routed_and_says_why(client, db_session, declined, key_worker):
    from directory.referrals import closing

    row, wellbeing = declined["row"], service(db_session, WELLBEING)
    key = client.get(f"/service-referrals/{row.id}/reroute").soup.find("input", attrs={"name": "idempotency_key"})
    db_session.commit()
    assert closing.close_record(db_session, key_worker.id, {"key_worker"}, row.record_id, "Family moved away") == []
    page = client.get(f"/service-referrals/{row.id}")
    assert "Other services that may help" not in text_of(page.soup)
    refused = client.post(f"/service-referrals/{row.id}/reroute", data={
        **CONSENT, "service": str(wellbeing.id), "idempotency_key": key["value"]})
    assert refused.status_code == 302
    assert "This family's record is closed" in text_of(client.get(refused.headers["Location"]).soup)
    assert count(db_session, ServiceReferral) == 1


def test_the_service_must_still_be_waiting_list_when_sending_while_you_wait(client, db_session, waiting,
                                                                            key_worker):
    """Checked again inside the write: a referral that left the waiting list meanwhile sends nothing."""
    row = waiting["row"]
    support = service(db_session, FAMILY_SUPPORT)
    options = alternatives.while_you_wait(db_session, row, "key_worker", None)
    db_session.commit()
    row.status = "accepted"
    db_session.add(row)
    db_session.commit()
    choice = submit.Choice(support.id, "parent_with_parental_responsibility", "verbal")
    with pytest.raises(submit.ReferralError, match="has changed since you opened it"):
        alternatives.send(db_session, key_worker, {"key_worker"}, row, options, support.id, choice,
                          uuid.uuid4().hex, 30, False)
    assert db_session.exec(select(ServiceReferral).where(ServiceReferral.service_id == support.id)).first() is None
