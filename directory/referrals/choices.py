"""The services page's content: every service the router did not rule out, grouped by what the child needs, each
with its outcome, how a referral is made and by whom (channels), its published wait and how to contact it."""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, select

from directory import routing
from directory.models import District, Phone, Service, ServiceArea, ServiceAttribute, TaxonomyTerm
from directory.referrals import channels
from directory.rules import describe_rule


@dataclass(frozen=True)
class NeedGroup:
    code: str
    name: str
    categories: tuple[str, ...]


@lru_cache(maxsize=4)
def need_groups(path: str) -> tuple[NeedGroup, ...]:
    """The groups in page order, from the seed's need_groups.json (data, so that councils can change them)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(NeedGroup(g["code"], g["name"], tuple(g["categories"])) for g in data["groups"])


@dataclass
class Option:
    result: routing.ServiceResult
    service: Service
    channel: channels.Channel
    phones: list[Phone] = field(default_factory=list)
    # Who the service is for, as plain-English lines (directory.rules.describe_rule), for the services not ruled out.
    who_for: dict | None = None


@dataclass
class Group:
    code: str
    name: str
    options: list[Option] = field(default_factory=list)


def _categories(session: Session, service_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    found: dict[uuid.UUID, set[str]] = {service_id: set() for service_id in service_ids}
    for service_id, code in session.exec(
            select(ServiceAttribute.service_id, TaxonomyTerm.code)
            .join(TaxonomyTerm, TaxonomyTerm.id == ServiceAttribute.taxonomy_term_id)
            .where(ServiceAttribute.service_id.in_(service_ids), ServiceAttribute.link_type == "category")):
        found[service_id].add(code)
    return found


def _district_slugs(session: Session, service_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = {service_id: [] for service_id in service_ids}
    for service_id, slug in session.exec(
            select(ServiceArea.service_id, District.slug).join(District, District.id == ServiceArea.district_id)
            .where(ServiceArea.service_id.in_(service_ids))):
        found[service_id].append(slug)
    return found


def _group_code(categories: set[str], groups: Iterable[NeedGroup]) -> str:
    groups = list(groups)
    for group in groups:
        if categories & set(group.categories):
            return group.code
    return groups[-1].code


def options(session: Session, results: list[routing.ServiceResult], sender_role: str,
            groups: tuple[NeedGroup, ...]) -> tuple[list[Group], list[Option], dict[uuid.UUID, Option]]:
    """(groups of the services not ruled out, in page order, each with those that can be sent here first; the
    services ruled out; every option by service id)."""
    ids = [result.service_id for result in results]
    services = {s.id: s for s in session.exec(select(Service).where(Service.id.in_(ids)))}
    decided = channels.channels_for(session, list(services.values()), sender_role)
    phones: dict[uuid.UUID, list[Phone]] = {}
    for phone in session.exec(select(Phone).where(Phone.service_id.in_(ids)).order_by(Phone.position)):
        phones.setdefault(phone.service_id, []).append(phone)
    categories = _categories(session, ids)
    # Each service's whole rule for "who it is for": its areas read at once, the labels kept by revision.
    areas, names = _district_slugs(session, ids), routing.cached_labels(session)
    by_id = {r.service_id: Option(r, services[r.service_id], decided[r.service_id], phones.get(r.service_id, []))
             for r in results}
    page = {group.code: Group(group.code, group.name) for group in groups}
    ruled_out = []
    for result in results:
        option = by_id[result.service_id]
        if result.outcome == routing.NOT_ELIGIBLE:
            ruled_out.append(option)
        else:
            option.who_for = describe_rule(routing.effective_rule(option.service, areas[result.service_id]), names)
            page[_group_code(categories[result.service_id], groups)].options.append(option)
    for group in page.values():
        group.options.sort(key=lambda o: (not o.channel.choosable, routing.ORDER[o.result.outcome],
                                          o.result.name.casefold()))
    return [group for group in page.values() if group.options], ruled_out, by_id


def choosable_ids(groups: list[Group]) -> list[str]:
    return [str(option.service.id) for group in groups for option in group.options
            if option.channel.choosable and option.result.outcome != routing.NOT_ELIGIBLE]
