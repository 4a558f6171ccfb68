"""What a service's public page shows, kept until the directory revision changes: a page costs one revision read
instead of twenty queries (directory.reference_cache), and its main content is drawn once a day."""

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup
from sqlmodel import Session

from directory import reference_cache, routing
from directory.data import services as service_data
from directory.listings.quick_edits import today_in_england
from directory.rules import describe_rule

# How each kind of relation is shown on a service page, in this order: (heading, relation types).
RELATION_SECTIONS = (
    ("Before this service", ("requires_referral_from", "requires_prerequisite")),
    ("While you wait", ("while_you_wait",)),
    ("If this service is not right", ("alternative_to", "step_up_to", "step_down_to")),
    ("This service also helps with", ("advises_on", "contributes_advice_to")),
)


@dataclass(frozen=True)
class ShownService:
    page: service_data.ServicePage
    eligibility: dict  # the whole rule in plain English (directory.rules.describe_rule)
    sections: list[tuple[str, list[service_data.Related]]]  # RELATION_SECTIONS that have services
    elsewhere: list[service_data.Related]  # the same service for other areas


def shown_service(session: Session, slug: str) -> ShownService | None:
    """The service's page, None when there is no such service. Shared by every request until the directory
    revision changes: read it, never change it."""
    return reference_cache.cached_per_key("public-service-page", slug, session, _build)


def main_content(session: Session, slug: str, shown: ShownService) -> Markup:
    """The page's main content as HTML, rendered once per service, revision and day (the day says whether its
    details are out of date); the rest of the page (header, sign-in state, messages) is drawn for each request."""
    return reference_cache.cached_per_key(
        "public-service-page-html", (slug, today_in_england()), session,
        lambda _session, _key: Markup(render_template(
            "public/_service-main.html", page=shown.page, eligibility=shown.eligibility, sections=shown.sections,
            elsewhere=shown.elsewhere)))


def _build(session: Session, slug: str) -> ShownService | None:
    page = service_data.get_service_page(session, slug)
    if page is None:
        return None
    related = service_data.related_services(session, page.service.id)
    sections = [(heading, [r for r in related if r.relation_type in types]) for heading, types in RELATION_SECTIONS]
    rule = routing.effective_rule(page.service, [district.slug for district in page.districts])
    shown = ShownService(
        page=page, eligibility=describe_rule(rule, routing.cached_labels(session)),
        sections=[(heading, items) for heading, items in sections if items],
        elsewhere=[r for r in related if r.relation_type == "cross_border_equivalent"],
    )
    service_data.detach(session, page, related)
    return shown
