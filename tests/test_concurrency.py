"""Races on real connections (real commits, own database): a link token works once, a recovery code works once,
and families allocated at the same moment never take a key worker over their caseload limit."""

import uuid

from sqlmodel import Session, func, select

from directory import account_links, two_factor
from directory.models import District, FamilyRecord, User
from directory.referrals import drafts, submit
from directory.referrals import records as family_records
from tests.helpers.concurrency import race
from tests.helpers.people import make_user

PARALLEL = 8


def test_a_reset_link_used_eight_times_at_once_works_exactly_once(engine):
    with Session(engine) as session:
        user = make_user(session, ["family"])
        token = account_links.issue(session, user, "reset_password")
        session.commit()

    def use(number):
        with Session(engine, expire_on_commit=False) as session:
            done = account_links.use_to_set_password(session, token, "reset_password", f"new password number {number}")
            session.commit()
            return done is not None

    results = race(PARALLEL, use)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results.count(True) == 1


def test_a_recovery_code_used_eight_times_at_once_works_exactly_once(engine):
    with Session(engine) as session:
        user = make_user(session, ["key_worker"])
        codes = two_factor.new_recovery_codes(session, user)
        session.commit()
        user_id = user.id

    def use(_number):
        with Session(engine, expire_on_commit=False) as session:
            ok = two_factor.use_recovery_code(session, session.get(User, user_id), codes[0])
            session.commit()
            return ok

    results = race(PARALLEL, use)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results.count(True) == 1


def test_families_allocated_at_the_same_moment_never_go_over_the_limit(engine):
    """Five self-referring families in one district, one key worker with 3 places: exactly 3 are allocated."""
    from directory.models import Service
    from tests.test_referrals import CONSENT

    with Session(engine) as session:
        district = session.exec(select(District).where(District.slug == "tamworth")).one()
        worker = make_user(session, ["key_worker"], districts=["tamworth"], caseload_limit=3)
        service = session.exec(select(Service).where(Service.slug == "early-help-family-support")).one().id
        parents = []
        for _ in range(5):
            parent = make_user(session, ["family"])
            record = family_records.create_record(session, parent.id, {"family"})
            family_records.save_section(session, parent.id, record, "child", {"postcode": "B79 7BZ",
                                                                        "district": district.slug}, True)
            session.commit()
            parents.append((parent.id, record.id))
        worker_id = worker.id

    def send(number):
        parent_id, record_id = parents[number]
        with Session(engine, expire_on_commit=False) as session:
            user, record = session.get(User, parent_id), session.get(FamilyRecord, record_id)
            referral = submit.submit_referral(session, user, {"family"}, record,
                                                [submit.Choice(service, *CONSENT.values())],
                                                uuid.uuid4().hex, 20)
            return referral.id

    results = race(5, send)
    assert not [r for r in results if isinstance(r, Exception)], results
    with Session(engine) as session:
        allocated = session.exec(select(func.count()).select_from(FamilyRecord)
                                 .where(FamilyRecord.key_worker_id == worker_id)).one()
        pending = session.exec(select(func.count()).select_from(FamilyRecord)
                               .where(FamilyRecord.key_worker_id.is_(None))).one()
    assert allocated == 3
    assert pending == 2


def test_a_record_is_written_after_another_person_commits_between_the_requests_read_and_its_write(engine):
    """A request reads (the signed-in person) before it writes. On SQLite a transaction that read before another
    writer committed may not write: starting, saving and choosing services for a record take the write lock first,
    so a commit by someone else in between (here, a new account) changes nothing for them."""
    with Session(engine) as session:
        worker_id = make_user(session, ["key_worker"]).id

    def someone_else_commits():
        with Session(engine) as other:
            make_user(other, ["family"])

    with Session(engine, expire_on_commit=False) as session:
        session.get(User, worker_id)
        someone_else_commits()
        record = family_records.create_record(session, worker_id, {"key_worker"})
        session.get(User, worker_id)
        someone_else_commits()
        family_records.save_section(session, worker_id, record, "child", {"first_name": "Sam"}, False)
        session.get(User, worker_id)
        someone_else_commits()
        drafts.choose_services(session, record, worker_id, ["camhs-south-staffordshire"])
    with Session(engine) as session:
        assert family_records.section_data(session, session.get(FamilyRecord, record.id))["child"] == {
            "first_name": "Sam"}
        assert drafts.get(session, record, worker_id).data["services"] == ["camhs-south-staffordshire"]
