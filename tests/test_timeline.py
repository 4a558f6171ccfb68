"""One timeline per referral, and what each reader sees of it: the key worker everything; a service lead their
own service's referral only, and record changes only to the fields their service receives; the family plain
English with no codes and no staff they have not met."""

import pytest

from directory.referrals import closing, lifecycle, timeline
from directory.referrals import records as family_records
from tests.helpers.people import make_user
from tests.helpers.referrals import AUTISM, EARLY_HELP, new_family, send


@pytest.fixture
def world(db_session):
    key_worker = make_user(db_session, ["key_worker"], name="Kim Keyworker", districts=["east-staffordshire"])
    lead = make_user(db_session, ["service_lead"], name="Lee Lead", services=[EARLY_HELP])
    other_lead = make_user(db_session, ["service_lead"], name="Ola Other", services=[AUTISM])
    record, family = new_family(db_session, key_worker)
    early_help = send(db_session, key_worker, record, EARLY_HELP)
    autism = send(db_session, key_worker, record, AUTISM)
    lifecycle.act(db_session, lead.id, {"service_lead"}, early_help.id, "ask", early_help.version,
                  text="Which school?")
    lifecycle.act(db_session, family.id, {"family"}, early_help.id, "answer", early_help.version,
                  text="Oak Primary")
    lifecycle.act(db_session, other_lead.id, {"service_lead"}, autism.id, "accept", autism.version,
                  text="Autism note")
    # One change the early help service receives (the child's first name), one it does not (the GP's name).
    family_records.save_section(db_session, key_worker.id, record, "child", {"first_name": "Samuel"}, True)
    family_records.save_section(db_session, key_worker.id, record, "professionals", {"gp_name": "Dr Who"}, True)
    return {"key_worker": key_worker, "lead": lead, "other_lead": other_lead, "family": family, "record": record,
            "early_help": early_help, "autism": autism}


def whats(session, row, reader) -> list[str]:
    return [entry.what for entry in timeline.entries(session, row, reader)]


def test_the_key_worker_sees_every_event_and_every_change(db_session, world):
    entries = timeline.entries(db_session, world["early_help"], "key_worker")
    assert [e.kind for e in entries] == ["sent", "ask", "answer", "record_changed", "record_changed"]
    assert [e.who for e in entries[:3]] == ["Kim Keyworker, key worker", "Lee Lead, Early Help family support",
                                            "The family"]
    assert entries[1].text == "Which school?" and entries[2].text == "Oak Primary"
    assert "Changed the record: child's first name" in whats(db_session, world["early_help"], "key_worker")
    assert "Changed the record: GP's name" in whats(db_session, world["early_help"], "key_worker")


def test_a_lead_sees_only_their_services_referral_and_the_changes_to_what_it_receives(db_session, world):
    seen = whats(db_session, world["early_help"], "service")
    assert "Changed the record: child's first name" in seen
    assert not any("GP" in what for what in seen)
    assert not any("Autism" in what or "Accepted" in what for what in seen)
    texts = [e.text for e in timeline.entries(db_session, world["early_help"], "service")]
    assert "Autism note" not in texts
    # The other service's lead sees its own referral, and nothing of early help's question.
    other = timeline.entries(db_session, world["autism"], "service")
    assert [e.kind for e in other][:2] == ["sent", "accept"]
    assert not any(e.text in ("Which school?", "Oak Primary") for e in other)


def test_the_family_sees_the_service_and_their_key_worker_by_name_and_no_other_staff(db_session, world):
    entries = timeline.entries(db_session, world["early_help"], "family")
    who = {e.who for e in entries}
    assert "Lee Lead" not in " ".join(who)
    assert {"Early Help family support", "Kim Keyworker, your key worker", "You"} <= who
    for entry in entries:
        assert "_" not in entry.what  # no codes


def test_closing_the_record_is_on_the_key_workers_and_familys_timelines_not_the_services(db_session, world):
    closing.close_record(db_session, world["key_worker"].id, {"key_worker"}, world["record"].id, "Moved to Wales")
    key_worker = whats(db_session, world["early_help"], "key_worker")
    assert "Closed the family's record" in key_worker
    assert "Withdrew the referral, as the family's record was closed" in key_worker
    service = whats(db_session, world["early_help"], "service")
    assert "Closed the family's record" not in service
    assert "Withdrew the referral, as the family's record was closed" in service
    assert "Closed the family's record" in whats(db_session, world["early_help"], "family")


def test_a_lead_may_not_act_on_another_services_referral(db_session, world):
    autism = world["autism"]
    assert lifecycle.act(db_session, world["lead"].id, {"service_lead"}, autism.id, "decline", autism.version,
                         reason="not_eligible") is None
