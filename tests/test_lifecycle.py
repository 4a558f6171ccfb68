"""The referral state machine (directory.referrals.lifecycle), on both databases: every status against every
action (allowed ones change the status, version, response clock, timeline, audit log and emails; the rest are
refused and write nothing), who may act, the answers each change needs, stale versions and two leads acting at
once, emails committed with their change or not at all, duplicates refused at sending, a service with no lead,
and the change pages."""

import re
from datetime import datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from directory.models import (
    AuditEntry,
    OutboxMessage,
    Referral,
    ReferralEvent,
    Service,
    ServiceReferral,
)
from directory.models.referrals import FINAL_STATUSES, OPEN_STATUSES, STATUSES
from directory.referrals import lifecycle, submit
from directory.referrals.lifecycle import ACTIONS, FAMILY_SIDE, SERVICE, Changed, Refused
from directory.working_days import LONDON
from tests.helpers.concurrency import race_two
from tests.helpers.pages import text_of
from tests.helpers.people import make_user, sign_in
from tests.helpers.referrals import AUTISM, EARLY_HELP, new_family, send, sent_referral, service

APPOINTMENT = datetime(2027, 3, 30, 10, 30, tzinfo=LONDON)
# A valid answer for each action that needs one.
VALUES = {
    "ask": {"text": "Does Sam have a diagnosis letter?"},
    "answer": {"text": "Yes, from March."},
    "wait_list": {"weeks": 18},
    "offer_appointment": {"at": APPOINTMENT, "place": "Burton Clinic"},
    "close": {"reason": "seen_and_supported"},
    "decline": {"reason": "not_eligible"},
    "withdraw": {"text": "The family has moved"},
    "ask_to_rearrange": {"text": "Mornings are better"},
}


def count(session: Session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def snapshot(session: Session, row: ServiceReferral) -> dict:
    """What a change writes: the row's state, its events, audit entries about it and the whole outbox."""
    fresh = session.exec(select(ServiceReferral).where(ServiceReferral.id == row.id)
                         .execution_options(populate_existing=True)).one()
    return {"status": fresh.status, "version": fresh.version, "first_response_at": fresh.first_response_at,
            "outcome": fresh.outcome, "wait_weeks": fresh.wait_weeks, "appointment": fresh.appointment,
            "events": count(session, ReferralEvent, ReferralEvent.service_referral_id == row.id),
            "audit": count(session, AuditEntry, AuditEntry.object_id == row.id,
                           AuditEntry.action.startswith("referral_")),
            "outbox": count(session, OutboxMessage)}


def put_in(session: Session, row: ServiceReferral, status: str) -> None:
    """Put the referral straight into `status` (as if earlier changes had been made), clock not stopped."""
    row.status, row.first_response_at, row.outcome, row.wait_weeks = status, None, None, None
    row.appointment = {"at": APPOINTMENT.isoformat(), "place": "Burton Clinic", "video": False} \
        if status == "appointment_offered" else None
    session.add(row)
    session.commit()
    session.refresh(row)


def emails(session: Session, since: int) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)))[since:]


@pytest.fixture
def lead(db_session):
    return make_user(db_session, ["service_lead"], name="Lee Lead", services=[EARLY_HELP])


@pytest.fixture
def sent(db_session, lead):
    return sent_referral(db_session)


# --- every status against every action --------------------------------------------------------------------------

def test_the_table_covers_every_status_and_action():
    assert set(STATUSES) == set(OPEN_STATUSES) | set(FINAL_STATUSES)
    for action in ACTIONS.values():
        assert set(action.from_statuses) <= set(OPEN_STATUSES), action.name  # nothing leaves a final status
        assert action.to_status is None or action.to_status in STATUSES
        assert action.by in (SERVICE, FAMILY_SIDE)
    assert set(ACTIONS["withdraw"].from_statuses) == set(OPEN_STATUSES)
    assert set(ACTIONS["decline"].from_statuses) == set(OPEN_STATUSES)
    assert ACTIONS["answer"].from_statuses == ("information_requested",)
    assert ACTIONS["answer"].to_status == "acknowledged"


@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_status_against_the_action(db_session, lead, sent, name):
    action = ACTIONS[name]
    actor = lead if action.by == SERVICE else sent.key_worker
    roles = {"service_lead"} if action.by == SERVICE else {"key_worker"}
    row = sent.row
    for status in STATUSES:
        put_in(db_session, row, status)
        before = snapshot(db_session, row)
        if status not in action.from_statuses:
            with pytest.raises(Refused) as refused:
                lifecycle.act(db_session, actor.id, roles, row.id, name, before["version"], **VALUES.get(name, {}))
            assert not isinstance(refused.value, Changed)
            assert "so you cannot" in str(refused.value), (status, name)
            assert snapshot(db_session, row) == before, (status, name)
            continue
        done = lifecycle.act(db_session, actor.id, roles, row.id, name, before["version"], **VALUES.get(name, {}))
        after = snapshot(db_session, row)
        assert done is not None and done.id == row.id
        assert after["status"] == (action.to_status or status), (status, name)
        assert after["version"] == before["version"] + 1
        assert (after["first_response_at"] is not None) == (action.by == SERVICE), (status, name)
        assert after["events"] == before["events"] + 1 and after["audit"] == before["audit"] + 1
        event = db_session.exec(select(ReferralEvent).where(ReferralEvent.service_referral_id == row.id)
                                .order_by(ReferralEvent.at.desc(), ReferralEvent.id)).first()
        assert (event.kind, event.status, event.actor, event.actor_id) == \
            (name, action.to_status, "service" if action.by == SERVICE else "key_worker", actor.id)
        audit = db_session.exec(select(AuditEntry).where(AuditEntry.object_id == row.id,
                                                         AuditEntry.action == f"referral_{name}")
                                .order_by(AuditEntry.at.desc())).first()
        assert audit.user_id == actor.id and audit.detail["status"] == after["status"]
        told = {m.to_address: m for m in emails(db_session, before["outbox"])}
        # The service's change goes to the key worker and family; the key worker's to the service's lead.
        expected = {sent.key_worker.email, sent.family.email} if action.by == SERVICE else {lead.email}
        assert set(told) == expected, (status, name)
        for message in told.values():
            assert message.template == "referral_update"
            assert lifecycle.NEWS[name] in message.body_text
            assert lifecycle.link(row) in message.body_text
            assert "Early help" not in message.body_text and "Sam" not in message.body_text
        if name == "wait_list":
            assert after["wait_weeks"] == 18
        if name == "offer_appointment":
            assert after["appointment"] == {"at": APPOINTMENT.isoformat(), "place": "Burton Clinic", "video": False}
        if name in ("close", "decline"):
            assert after["outcome"] == VALUES[name]["reason"]
        if name == "withdraw":
            assert after["outcome"] == "withdrawn"


def test_the_response_clock_stops_at_the_first_action_only(db_session, lead, sent):
    first = lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "acknowledge", 1)
    stopped = first.first_response_at
    assert stopped is not None
    second = lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "accept", 2)
    assert second.first_response_at == stopped and second.version == 3


def test_a_question_and_its_answer_go_round_the_loop(db_session, lead, sent):
    row = lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "ask", 1, **VALUES["ask"])
    assert row.status == "information_requested"
    assert lifecycle.allowed(lifecycle.part_of(db_session, lead.id, {"service_lead"}, row)) == [ACTIONS["decline"]]
    outbox = count(db_session, OutboxMessage)
    row = lifecycle.act(db_session, sent.family.id, {"family"}, row.id, "answer", 2, **VALUES["answer"])
    assert row.status == "acknowledged"
    told = {m.to_address: m.body_text for m in emails(db_session, outbox)}
    # A family's answer goes to the service's lead and to the key worker.
    assert set(told) == {lead.email, sent.key_worker.email}
    assert lifecycle.FAMILY_NEWS_FOR_KEY_WORKER["answer"] in told[sent.key_worker.email]
    event = db_session.exec(select(ReferralEvent).where(ReferralEvent.kind == "answer")).one()
    assert event.actor == "family" and event.detail == {"text": "Yes, from March."}


# --- who may act ------------------------------------------------------------------------------------------------

def names(actions) -> list[str]:
    return [action.name for action in actions]


def test_who_may_act_on_a_service_that_replies_here(db_session, lead, sent):
    row = sent.row
    assert row.replies_here is True
    lead_part = lifecycle.part_of(db_session, lead.id, {"service_lead"}, row)
    worker_part = lifecycle.part_of(db_session, sent.key_worker.id, {"key_worker"}, row)
    family_part = lifecycle.part_of(db_session, sent.family.id, {"family"}, row)
    assert (lead_part.who, worker_part.who, family_part.who) == ("service", "key_worker", "family")
    assert names(lifecycle.allowed(lead_part)) == ["acknowledge", "ask", "accept", "wait_list",
                                                   "offer_appointment", "decline"]
    assert names(lifecycle.allowed(worker_part)) == ["withdraw"]
    assert names(lifecycle.allowed(family_part)) == ["withdraw"]
    before = snapshot(db_session, row)
    with pytest.raises(Refused, match="Only the service can do that"):
        lifecycle.act(db_session, sent.key_worker.id, {"key_worker"}, row.id, "acknowledge", 1)
    with pytest.raises(Refused, match="Only the service can do that"):
        lifecycle.act(db_session, sent.family.id, {"family"}, row.id, "accept", 1)
    with pytest.raises(Refused, match="Only the family or their key worker can do that"):
        lifecycle.act(db_session, lead.id, {"service_lead"}, row.id, "withdraw", 1, **VALUES["withdraw"])
    assert snapshot(db_session, row) == before


def test_the_family_withdraws_and_the_service_and_key_worker_are_told(db_session, lead, sent):
    put_in(db_session, sent.row, "waiting_list")
    outbox = count(db_session, OutboxMessage)
    row = lifecycle.act(db_session, sent.family.id, {"family"}, sent.row.id, "withdraw", 1, text="We moved")
    assert (row.status, row.outcome) == ("withdrawn", "withdrawn")
    told = {m.to_address: m.body_text for m in emails(db_session, outbox)}
    assert set(told) == {lead.email, sent.key_worker.email}
    assert lifecycle.NEWS["withdraw"] in told[lead.email]
    assert lifecycle.FAMILY_NEWS_FOR_KEY_WORKER["withdraw"] in told[sent.key_worker.email]
    event = db_session.exec(select(ReferralEvent).where(ReferralEvent.kind == "withdraw")).one()
    assert (event.actor, event.actor_id, event.detail) == ("family", sent.family.id, {"text": "We moved"})
    assert lifecycle.allowed(lifecycle.part_of(db_session, sent.family.id, {"family"}, row)) == []


def test_a_lead_of_another_service_or_a_stranger_has_no_part(db_session, sent):
    other_lead = make_user(db_session, ["service_lead"], services=["educational-psychology-service"])
    other_worker = make_user(db_session, ["key_worker"], districts=["east-staffordshire"])
    other_family = make_user(db_session, ["family"])
    before = snapshot(db_session, sent.row)
    for person, roles in ((other_lead, {"service_lead"}), (other_worker, {"key_worker"}),
                          (other_family, {"family"})):
        assert lifecycle.part_of(db_session, person.id, roles, sent.row) is None
        assert lifecycle.act(db_session, person.id, roles, sent.row.id, "acknowledge", 1) is None
        assert lifecycle.act(db_session, person.id, roles, sent.row.id, "withdraw", 1,
                             **VALUES["withdraw"]) is None
    # A lead's membership counts only with the role; the key worker's role only with the record.
    lead_without_role = make_user(db_session, ["key_worker"], services=[EARLY_HELP])
    assert lifecycle.part_of(db_session, lead_without_role.id, {"key_worker"}, sent.row) is None
    assert snapshot(db_session, sent.row) == before


def test_the_family_and_key_worker_respond_to_an_appointment(db_session, lead, sent):
    row = lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "offer_appointment", 1,
                        at=APPOINTMENT, video=True)
    assert row.appointment == {"at": APPOINTMENT.isoformat(), "place": None, "video": True}
    family_part = lifecycle.part_of(db_session, sent.family.id, {"family"}, row)
    assert names(lifecycle.allowed(family_part)) == ["withdraw", "accept_appointment", "ask_to_rearrange"]
    with pytest.raises(Refused, match="Only the service"):
        lifecycle.act(db_session, sent.family.id, {"family"}, row.id, "close", 2, reason="seen_and_supported")
    outbox = count(db_session, OutboxMessage)
    row = lifecycle.act(db_session, sent.family.id, {"family"}, row.id, "ask_to_rearrange", 2,
                        **VALUES["ask_to_rearrange"])
    assert row.status == "appointment_offered" and row.version == 3
    assert {m.to_address for m in emails(db_session, outbox)} == {lead.email, sent.key_worker.email}
    row = lifecycle.act(db_session, sent.key_worker.id, {"key_worker"}, row.id, "accept_appointment", 3)
    assert row.status == "appointment_offered" and row.version == 4
    kinds = db_session.exec(select(ReferralEvent.kind, ReferralEvent.actor)
                            .where(ReferralEvent.service_referral_id == row.id).order_by(ReferralEvent.at)).all()
    assert kinds[-2:] == [("ask_to_rearrange", "family"), ("accept_appointment", "key_worker")]


def test_nothing_can_be_done_on_a_closed_record(db_session, lead, sent):
    sent.record.closed_at = datetime(2026, 11, 30, tzinfo=LONDON)
    db_session.add(sent.record)
    db_session.commit()
    part = lifecycle.part_of(db_session, lead.id, {"service_lead"}, sent.row)
    assert lifecycle.allowed(part) == []
    before = snapshot(db_session, sent.row)
    with pytest.raises(Refused, match="record is closed"):
        lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "acknowledge", 1)
    assert snapshot(db_session, sent.row) == before


def test_an_action_that_does_not_exist_is_refused(db_session, lead, sent):
    before = snapshot(db_session, sent.row)
    with pytest.raises(Refused, match="not a change that can be made"):
        lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "delete", 1)
    assert snapshot(db_session, sent.row) == before


# --- the answers each change needs ------------------------------------------------------------------------------

LONG = "x" * (lifecycle.MAX_TEXT + 1)
MISSING = [
    ("ask", "sent", {}, "Enter your question"),
    ("ask", "sent", {"text": "   "}, "Enter your question"),
    ("ask", "sent", {"text": LONG}, "Enter 2000 characters or fewer"),
    ("answer", "information_requested", {}, "Enter your answer"),
    ("wait_list", "sent", {}, "Enter how many weeks"),
    ("wait_list", "sent", {"weeks": -1}, "from 0 to 260"),
    ("wait_list", "sent", {"weeks": 261}, "from 0 to 260"),
    ("wait_list", "sent", {"weeks": "18"}, "from 0 to 260"),
    ("wait_list", "sent", {"weeks": 18.0}, "from 0 to 260"),
    ("wait_list", "sent", {"weeks": True}, "from 0 to 260"),
    ("wait_list", "sent", {"weeks": 18, "text": LONG}, "Enter 2000 characters or fewer"),
    ("offer_appointment", "sent", {"place": "Burton Clinic"}, "Enter the date and time"),
    ("offer_appointment", "sent", {"at": "2027-03-30T10:30", "place": "Clinic"}, "Enter the date and time"),
    ("offer_appointment", "sent", {"at": APPOINTMENT}, "Enter where the appointment is, or choose a video call"),
    ("offer_appointment", "sent", {"at": APPOINTMENT, "place": " "}, "Enter where the appointment is"),
    ("close", "accepted", {}, "Select the outcome"),
    ("close", "accepted", {"reason": "not_eligible"}, "Select the outcome"),
    ("close", "accepted", {"reason": "other"}, "Enter the reason"),
    ("decline", "sent", {}, "Select why the referral is declined"),
    ("decline", "sent", {"reason": "seen_and_supported"}, "Select why the referral is declined"),
    ("decline", "sent", {"reason": "other", "text": ""}, "Enter the reason"),
    ("withdraw", "sent", {}, "Enter why the referral is being withdrawn"),
    ("ask_to_rearrange", "appointment_offered", {}, "Enter what would suit you better"),
]


@pytest.mark.parametrize(("name", "status", "values", "message"), MISSING,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MISSING)])
def test_a_missing_or_wrong_answer_is_refused_and_writes_nothing(db_session, lead, sent, name, status, values,
                                                                  message):
    put_in(db_session, sent.row, status)
    actor, roles = (lead, {"service_lead"}) if ACTIONS[name].by == SERVICE else (sent.family, {"family"})
    before = snapshot(db_session, sent.row)
    with pytest.raises(Refused, match=re.escape(message)):
        lifecycle.act(db_session, actor.id, roles, sent.row.id, name, 1, **values)
    assert snapshot(db_session, sent.row) == before


@pytest.mark.parametrize(("name", "values", "kept"), [
    ("wait_list", {"weeks": 0}, {"weeks": 0}),
    ("wait_list", {"weeks": 260, "text": " About five years "}, {"weeks": 260, "text": "About five years"}),
    ("offer_appointment", {"at": APPOINTMENT, "video": True, "place": ""},
     {"at": APPOINTMENT.isoformat(), "video": True}),
    ("decline", {"reason": "other", "text": "We only see children under 5"},
     {"reason": "other", "text": "We only see children under 5"}),
    ("decline", {"reason": "outside_area"}, {"reason": "outside_area"}),
])
def test_the_answers_at_the_edges_are_kept(db_session, lead, sent, name, values, kept):
    lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, name, 1, **values)
    event = db_session.exec(select(ReferralEvent).where(ReferralEvent.kind == name)).one()
    assert event.detail == kept


def test_close_with_other_needs_its_text(db_session, lead, sent):
    put_in(db_session, sent.row, "waiting_list")
    row = lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "close", 1, reason="other",
                        text="The family chose a private therapist")
    assert (row.status, row.outcome) == ("closed", "other")


# --- stale versions and two leads at once ------------------------------------------------------------------------

def test_a_stale_version_is_refused_as_changed(db_session, lead, sent):
    lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "acknowledge", 1)
    before = snapshot(db_session, sent.row)
    for stale in (1, 0, 3, -1):
        with pytest.raises(Changed, match="changed since you opened it"):
            lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "accept", stale)
    assert snapshot(db_session, sent.row) == before
    assert lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "accept", 2).status == "accepted"


def test_two_leads_acting_at_once_one_wins_and_the_other_is_told_it_changed(engine):
    with Session(engine, expire_on_commit=False) as session:
        leads = [make_user(session, ["service_lead"], services=[EARLY_HELP]) for _ in range(2)]
        key_worker = make_user(session, ["key_worker"], districts=["east-staffordshire"])
        rows = []
        for _ in range(4):
            record, _family = new_family(session, key_worker)
            rows.append(send(session, key_worker, record).id)
        outbox_before = count(session, OutboxMessage)

    def acting(lead, row_id, name, values):
        def work():
            with Session(engine, expire_on_commit=False) as session:
                return lifecycle.act(session, lead.id, {"service_lead"}, row_id, name, 1, **values).status
        return work

    for row_id in rows:
        results = race_two(acting(leads[0], row_id, "accept", {}),
                       acting(leads[1], row_id, "decline", {"reason": "outside_area"}))
        winners = [r for r in results if isinstance(r, str)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert isinstance(losers[0], Changed), results
        with Session(engine) as session:
            row = session.get(ServiceReferral, row_id)
            assert row.status == winners[0] and row.version == 2
            kinds = session.exec(select(ReferralEvent.kind).where(ReferralEvent.service_referral_id == row_id)
                                 .order_by(ReferralEvent.at)).all()
            assert kinds == ["sent", "accept" if winners[0] == "accepted" else "decline"]
    with Session(engine) as session:
        # Each winner told the key worker (the family member is also told): two emails a referral, no more.
        assert count(session, OutboxMessage) == outbox_before + 2 * len(rows)


# --- emails with their change, or neither -------------------------------------------------------------------------

def test_a_change_that_fails_after_writing_its_email_leaves_nothing(db_session, lead, sent, monkeypatch):
    """notify queues the emails, then the transaction fails: neither the status, the event, the audit entry
    nor the emails remain."""
    real_notify = lifecycle.notify

    def notify_then_fail(*args, **kwargs):
        real_notify(*args, **kwargs)
        db_session.flush()
        raise RuntimeError("the connection dropped")

    monkeypatch.setattr(lifecycle, "notify", notify_then_fail)
    before = snapshot(db_session, sent.row)
    with pytest.raises(RuntimeError):
        lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "accept", 1)
    assert snapshot(db_session, sent.row) == before
    monkeypatch.undo()
    lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "accept", 1)
    after = snapshot(db_session, sent.row)
    assert (after["status"], after["events"], after["outbox"]) == ("accepted", before["events"] + 1,
                                                                  before["outbox"] + 2)


def test_an_email_that_cannot_be_made_stops_the_change(db_session, lead, sent, monkeypatch):
    from directory.notify import templates

    def broken(*args, **kwargs):
        raise templates.TemplateError("emails/referral_update.txt must set a subject")

    monkeypatch.setattr("directory.notify.queue.render", broken)
    before = snapshot(db_session, sent.row)
    with pytest.raises(templates.TemplateError):
        lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "accept", 1)
    assert snapshot(db_session, sent.row) == before


def test_each_change_commits_its_emails_with_it(engine):
    """Seen from another connection, the change and its emails are there together after the commit."""
    with Session(engine, expire_on_commit=False) as session:
        lead = make_user(session, ["service_lead"], services=[EARLY_HELP])
        key_worker = make_user(session, ["key_worker"], districts=["east-staffordshire"])
        record, family = new_family(session, key_worker)
        row_id = send(session, key_worker, record).id
        lifecycle.act(session, lead.id, {"service_lead"}, row_id, "wait_list", 1, weeks=12)
    with Session(engine) as other:
        row = other.get(ServiceReferral, row_id)
        assert (row.status, row.wait_weeks) == ("waiting_list", 12)
        to = set(other.exec(select(OutboxMessage.to_address).where(
            OutboxMessage.template == "referral_update")).all())
        assert to == {key_worker.email, family.email}
        assert other.exec(select(ReferralEvent).where(ReferralEvent.kind == "wait_list")).one().detail["weeks"] == 12


# --- duplicates ---------------------------------------------------------------------------------------------------

def test_a_second_open_referral_to_the_same_service_is_refused_with_a_link(db_session, lead, sent):
    with pytest.raises(submit.ReferralError) as refused:
        send(db_session, sent.key_worker, sent.record)
    assert "already has an open referral for this family" in str(refused.value)
    assert refused.value.link == ("See the open referral", f"/service-referrals/{sent.row.id}")
    assert count(db_session, ServiceReferral, ServiceReferral.record_id == sent.record.id) == 1
    # Another service is fine; once the first has ended, the same service is too.
    send(db_session, sent.key_worker, sent.record, AUTISM)
    lifecycle.act(db_session, lead.id, {"service_lead"}, sent.row.id, "decline", 1, reason="not_enough_information")
    again = send(db_session, sent.key_worker, sent.record)
    assert again.id != sent.row.id and again.status == "sent"


def test_the_database_refuses_a_second_open_row_written_directly(db_session, lead, sent):
    def row(status):
        referral = Referral(reference=f"REF-TEST-{status[:4].upper()}", record_id=sent.record.id,
                            submitted_by_id=sent.key_worker.id, idempotency_key=f"direct-{status}")
        db_session.add(referral)
        db_session.flush()
        db_session.add(ServiceReferral(referral_id=referral.id, record_id=sent.record.id,
                                       service_id=sent.row.service_id, status=status))
        db_session.commit()

    for status in OPEN_STATUSES:
        with pytest.raises(IntegrityError):
            row(status)
        db_session.rollback()
    for status in FINAL_STATUSES:
        row(status)  # ended referrals may be many
    assert count(db_session, ServiceReferral, ServiceReferral.record_id == sent.record.id) == 1 + len(FINAL_STATUSES)


# --- a service with a referral address and no lead ------------------------------------------------------------------

def test_a_service_with_no_lead_is_sent_by_email_and_the_key_worker_records_its_answers(db_session):
    outbox = count(db_session, OutboxMessage)
    sent = sent_referral(db_session, AUTISM)
    autism = service(db_session, AUTISM)
    row = sent.row
    assert row.replies_here is False and row.response_target_days is None
    by_email = emails(db_session, outbox)
    assert [(m.template, m.to_address) for m in by_email] == [("new_referral_by_email", autism.referral_email)]
    body = by_email[0].body_text
    assert lifecycle.reference_of(db_session, row) in body and sent.key_worker.email in body
    assert "autism" not in body.lower().replace(autism.referral_email, "")
    # The key worker records the service's answers, the same statuses; the family may not.
    worker = lifecycle.part_of(db_session, sent.key_worker.id, {"key_worker"}, row)
    assert names(lifecycle.allowed(worker)) == ["acknowledge", "ask", "accept", "wait_list", "offer_appointment",
                                                "decline", "withdraw"]
    with pytest.raises(Refused, match="Only the service or the family's key worker can do that"):
        lifecycle.act(db_session, sent.family.id, {"family"}, row.id, "acknowledge", 1)
    outbox = count(db_session, OutboxMessage)
    row = lifecycle.act(db_session, sent.key_worker.id, {"key_worker"}, row.id, "wait_list", 1, weeks=30)
    assert (row.status, row.wait_weeks, row.version) == ("waiting_list", 30, 2)
    event = db_session.exec(select(ReferralEvent).where(ReferralEvent.kind == "wait_list")).one()
    assert event.actor == "service" and event.actor_id == sent.key_worker.id
    assert event.detail == {"weeks": 30, "recorded_by_key_worker": True}
    # The family is told; the key worker (who did it) and the service (who said it) are not.
    assert [m.to_address for m in emails(db_session, outbox)] == [sent.family.email]
    # The key worker's own withdrawal goes to the service's referral address.
    outbox = count(db_session, OutboxMessage)
    lifecycle.act(db_session, sent.key_worker.id, {"key_worker"}, row.id, "withdraw", 2, **VALUES["withdraw"])
    assert [m.to_address for m in emails(db_session, outbox)] == [autism.referral_email]


def test_a_service_whose_lead_arrives_later_keeps_its_old_referrals_by_email(db_session):
    sent = sent_referral(db_session, AUTISM)
    lead = make_user(db_session, ["service_lead"], services=[AUTISM])
    assert sent.row.replies_here is False
    assert names(lifecycle.allowed(lifecycle.part_of(db_session, lead.id, {"service_lead"}, sent.row)))[:1] == \
        ["acknowledge"]
    newer = sent_referral(db_session, AUTISM, key_worker=sent.key_worker)
    assert newer.row.replies_here is True
    assert newer.row.response_target_days == db_session.get(Service, newer.row.service_id).response_target_days


# --- the change pages --------------------------------------------------------------------------------------------

@pytest.fixture
def lead_client(app, lead):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, lead)
    return client


def test_a_lead_makes_a_change_through_its_page(lead_client, db_session, sent):
    url = f"/service-referrals/{sent.row.id}"
    page = lead_client.get(f"{url}/wait_list")
    assert page.status_code == 200
    assert page.soup.find("input", attrs={"name": "version"})["value"] == "1"
    done = lead_client.post(f"{url}/wait_list", data={"version": "1", "weeks": "18", "text": "About 4 months"})
    assert done.status_code == 302 and done.headers["Location"].endswith(url)
    shown = lead_client.get(url)
    banner = shown.soup.select_one(".govuk-notification-banner--success")
    assert banner is not None and "Put on the waiting list." in text_of(banner)
    row = db_session.get(ServiceReferral, sent.row.id)
    db_session.refresh(row)
    assert (row.status, row.wait_weeks, row.version) == ("waiting_list", 18, 2)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("wait_list", {"weeks": ""}, "Enter how many weeks the wait is expected to be"),
    ("wait_list", {"weeks": "300"}, "Enter a number of weeks from 0 to 260"),
    ("ask", {"text": "  "}, "Enter your question"),
    ("decline", {"reason": "other"}, "Enter why you are declining it"),
    ("close", {"reason": "other", "text": " "}, "Enter the outcome"),
    ("offer_appointment", {"day": ["30", "3", "2027"], "at_time": " ", "video": "y"}, "Enter the time"),
    ("decline", {}, "Select why you are declining it"),
    ("offer_appointment", {"day": ["30", "3", "2027"], "at_time": "25:00", "place": "Clinic"},
     "Enter a real time"),
    ("offer_appointment", {"day": ["30", "3", "2027"], "at_time": "10:30am"},
     "Enter where the appointment is, or say it is a video call"),
])
def test_an_invalid_form_shows_govuk_errors_and_changes_nothing(lead_client, db_session, sent, name, data,
                                                                message):
    if name == "close":
        put_in(db_session, sent.row, "accepted")
    before = snapshot(db_session, sent.row)
    page = lead_client.post(f"/service-referrals/{sent.row.id}/{name}", data={"version": "1", **data})
    assert page.status_code == 200
    summary = page.soup.select_one(".govuk-error-summary")
    assert summary is not None and message in text_of(summary)
    assert page.soup.title.get_text().strip().startswith("Error: ")
    assert snapshot(db_session, sent.row) == before


def test_a_stale_page_says_the_referral_changed(lead_client, app, db_session, sent):
    other = make_user(db_session, ["service_lead"], services=[EARLY_HELP])
    url = f"/service-referrals/{sent.row.id}"
    lead_client.get(f"{url}/accept")  # the form, at version 1
    lifecycle.act(db_session, other.id, {"service_lead"}, sent.row.id, "acknowledge", 1)
    before = snapshot(db_session, sent.row)
    response = lead_client.post(f"{url}/accept", data={"version": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    shown = text_of(lead_client.get(url).soup)
    assert "This referral has changed since you opened it" in shown
    assert snapshot(db_session, sent.row) == before
    # A tampered version is stale too.
    assert lead_client.post(f"{url}/accept", data={"version": "two"}).status_code == 302
    assert snapshot(db_session, sent.row) == before


def test_a_change_that_is_not_allowed_now_is_not_offered(lead_client, db_session, sent):
    url = f"/service-referrals/{sent.row.id}"
    response = lead_client.post(f"{url}/close", data={"version": "1", "reason": "seen_and_supported"})
    assert response.status_code == 302
    assert "you cannot close the referral now" in text_of(lead_client.get(url).soup)
    assert lead_client.get(f"{url}/not-an-action").status_code == 404
    assert db_session.get(ServiceReferral, sent.row.id).status == "sent"
