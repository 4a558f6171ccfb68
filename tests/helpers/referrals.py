"""Send service referrals for tests, straight through the sending operation (no pages): a key worker's record,
optionally a family member with access to it, and one referral to one service."""

import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from directory.models import FamilyAccess, FamilyRecord, Service, ServiceReferral, User
from directory.referrals import records as family_records
from directory.referrals import submit
from tests.helpers.people import make_user

# Two services a key worker may refer to through the site; the test databases give them referral addresses.
EARLY_HELP, AUTISM = "early-help-family-support", "autism-family-support"
CONSENT = ("parent_with_parental_responsibility", "written")


@dataclass
class Sent:
    key_worker: User
    family: User
    record: FamilyRecord
    row: ServiceReferral


def service(session: Session, slug: str) -> Service:
    return session.exec(select(Service).where(Service.slug == slug)).one()


def new_family(session: Session, key_worker: User) -> tuple[FamilyRecord, User]:
    """A record made by the key worker, and a family member who can see it; committed."""
    record = family_records.create_record(session, key_worker.id, {"key_worker"})
    family = make_user(session, ["family"])
    session.add(FamilyAccess(record_id=record.id, user_id=family.id))
    session.commit()
    return record, family


def send(session: Session, key_worker: User, record: FamilyRecord, slug: str = EARLY_HELP) -> ServiceReferral:
    """One referral from the key worker to the service, committed; its service referral."""
    referral = submit.submit_referral(session, key_worker, {"key_worker"}, record,
                                      [submit.Choice(service(session, slug).id, *CONSENT)], uuid.uuid4().hex, 20)
    return session.exec(select(ServiceReferral).where(ServiceReferral.referral_id == referral.id)).one()


def sent_referral(session: Session, slug: str = EARLY_HELP, key_worker: User | None = None) -> Sent:
    key_worker = key_worker or make_user(session, ["key_worker"], districts=["east-staffordshire"])
    record, family = new_family(session, key_worker)
    return Sent(key_worker, family, record, send(session, key_worker, record, slug))
