"""How a referral to each service can be made, and by whom: the one place that decides whether a service can be
chosen on the services page and accepted at submission.

A service is referrable through this site only when its listing says referrals are made here (`referral_method`
"site"), it is active and taking referrals, it can receive them (a referral email address or at least one service
lead), and it takes referrals from the sender: a key worker from services that take referrals from key workers, a
family from services that take referrals from parents and carers."""

import uuid
from dataclasses import dataclass, field

from sqlmodel import Session, select

from directory import people
from directory.models import Service, ServiceAttribute, TaxonomyTerm
from directory.referrals.records import ROLE_FOR_ROUTING as SENDER_CODES  # the referrer-roles code each refers as

# Professionals a family can ask to refer, in the order the page names them; the words finish "Ask ... to refer".
PROFESSIONALS = {
    "gp": "the child's GP", "health_visitor": "the child's health visitor",
    "senco": "the SENCO (special educational needs co-ordinator) at the child's school or nursery",
    "paediatrician": "the child's paediatrician", "school_nurse": "the school nurse",
    "social_worker": "the child's social worker", "therapist": "a therapist working with the child",
    "mental_health_worker": "a mental health worker working with the child", "audiologist": "the audiologist",
    "eye_specialist": "the eye specialist", "local_authority": "the council's SEND team",
}

# How: the answer for one service and one sender.
HERE = "here"  # can be chosen and sent through this site
ASK_PROFESSIONAL = "ask_professional"  # another professional must refer: a printable summary helps them
ASK_KEY_WORKER = "ask_key_worker"  # a family: the key worker can refer
FAMILY_REFERS = "family_refers"  # a key worker: only the family can refer (or apply) themselves
THROUGH_ANOTHER_SERVICE = "through_another_service"  # nobody refers directly
PHONE = "phone"
OWN_FORM = "own_form"
NO_REFERRAL = "none"  # information, websites, crisis and duty lines: contact them
NOT_ACCEPTING = "not_accepting"
CANNOT_RECEIVE = "cannot_receive"  # referrals are made here, but nobody can receive them yet


@dataclass
class Channel:
    service_id: uuid.UUID
    how: str
    # Referrer-roles codes of the professionals who may refer (for ASK_PROFESSIONAL), in PROFESSIONALS' order.
    professionals: list[str] = field(default_factory=list)
    # For a key worker: the family can also refer themselves.
    family_can_refer: bool = False

    @property
    def choosable(self) -> bool:
        return self.how == HERE

    def ask_whom(self) -> str:
        """"the child's GP or the child's health visitor"; past three, "... or another professional working with
        the child"."""
        names = [PROFESSIONALS[code] for code in self.professionals]
        if len(names) > 3:
            names = names[:3] + ["another professional working with the child"]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def referrers_of(session: Session, service_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    rows = session.exec(
        select(ServiceAttribute.service_id, TaxonomyTerm.code)
        .join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
        .where(ServiceAttribute.service_id.in_(service_ids), ServiceAttribute.link_type == "referrer")
    ).all()
    found: dict[uuid.UUID, set[str]] = {service_id: set() for service_id in service_ids}
    for service_id, code in rows:
        found[service_id].add(code)
    return found


def services_with_leads(session: Session, service_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """The services that reply here: those with an active lead (directory.people.active_leads)."""
    return set(people.active_leads(session, service_ids))


def decide(service: Service, referrers: set[str], has_lead: bool, sender_role: str) -> Channel:
    """How `sender_role` (an account role: "key_worker" or "family") can refer to this service."""
    if service.referral_method == "none":
        return Channel(service.id, NO_REFERRAL)
    if service.status != "active" or not service.accepting_referrals:
        return Channel(service.id, NOT_ACCEPTING)
    if service.referral_method == "phone":
        return Channel(service.id, PHONE)
    if service.referral_method == "own_form":
        return Channel(service.id, OWN_FORM)
    if SENDER_CODES.get(sender_role) in referrers:
        return Channel(service.id, HERE if service.referral_email or has_lead else CANNOT_RECEIVE)
    if sender_role == "family" and "key_worker" in referrers:
        return Channel(service.id, ASK_KEY_WORKER)  # every family has a key worker: the simplest way in
    family_can_refer = sender_role != "family" and "self" in referrers
    professionals = [code for code in PROFESSIONALS if code in referrers]
    if professionals:
        return Channel(service.id, ASK_PROFESSIONAL, professionals, family_can_refer)
    if family_can_refer:
        return Channel(service.id, FAMILY_REFERS, family_can_refer=True)
    return Channel(service.id, THROUGH_ANOTHER_SERVICE)


def channels_for(session: Session, services: list[Service], sender_role: str) -> dict[uuid.UUID, Channel]:
    """{service id: Channel} for these services and this sender, in three queries."""
    ids = [service.id for service in services]
    referrers, leads = referrers_of(session, ids), services_with_leads(session, ids)
    return {service.id: decide(service, referrers[service.id], service.id in leads, sender_role)
            for service in services}


def sender_role(roles: set[str]) -> str:
    """The account role a person refers as: a key worker's, else a family's."""
    return "key_worker" if "key_worker" in roles else "family"
