"""What the referral reports share: the date range as moments, months and days in England's time, the category
and district filters as SQL conditions, and the names of categories, need areas, districts and services."""

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import exists
from sqlmodel import Session, select

from directory.data.taxonomy import list_terms
from directory.models import District, Service, ServiceAttribute, TaxonomyTerm
from directory.models.taxonomy import CATEGORIES, NEED_AREAS
from directory.reports.model import Filters
from directory.working_days import LONDON, local_date

NOT_KNOWN = "Not known"


def start_of(day: date) -> datetime:
    """The first moment of a day in England, in UTC."""
    return datetime.combine(day, time(), tzinfo=LONDON).astimezone(UTC)


def between(column, filters: Filters) -> list:
    """Conditions keeping a timestamp column within the filters' dates (inclusive, in England's time)."""
    conditions = []
    if filters.start is not None:
        conditions.append(column >= start_of(filters.start))
    if filters.end is not None:
        conditions.append(column < start_of(filters.end + timedelta(days=1)))
    return conditions


def in_range(moment: datetime, filters: Filters) -> bool:
    day = local_date(moment)
    return (filters.start is None or day >= filters.start) and (filters.end is None or day <= filters.end)


def month_of(moment: datetime) -> date:
    """The first day of the month this moment falls in, in England (23:30 UTC on 31 May is June)."""
    return local_date(moment).replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_label(month: date) -> str:
    return month.strftime("%b %Y")  # "Jan 2026"


def in_category(service_id_column, category_id: uuid.UUID):
    """The service is linked to the category term."""
    return exists().where(ServiceAttribute.service_id == service_id_column, ServiceAttribute.link_type == "category",
                          ServiceAttribute.taxonomy_term_id == category_id)


def referral_filters(service_id_column, district_id_column, filters: Filters) -> list:
    """The district (the family's, as kept on the service referral) and category (the service's) conditions."""
    conditions = []
    if filters.district_id is not None:
        conditions.append(district_id_column == filters.district_id)
    if filters.category_id is not None:
        conditions.append(in_category(service_id_column, filters.category_id))
    return conditions


def service_names(session: Session, ids) -> dict[uuid.UUID, str]:
    ids = list(ids)
    if not ids:
        return {}
    return dict(session.exec(select(Service.id, Service.name).where(Service.id.in_(ids))).all())


def district_names(session: Session) -> dict[uuid.UUID, str]:
    return dict(session.exec(select(District.id, District.name)).all())


def categories(session: Session) -> list[TaxonomyTerm]:
    """The service categories in their taxonomy order."""
    return list_terms(session, CATEGORIES)


def categories_of(session: Session, service_ids) -> dict[uuid.UUID, list[uuid.UUID]]:
    """{service id: its category term ids}."""
    ids = list(service_ids)
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    if not ids:
        return out
    for service_id, term_id in session.exec(
            select(ServiceAttribute.service_id, ServiceAttribute.taxonomy_term_id)
            .where(ServiceAttribute.service_id.in_(ids), ServiceAttribute.link_type == "category")):
        out.setdefault(service_id, []).append(term_id)
    return out


def need_areas(session: Session) -> list[TaxonomyTerm]:
    return list_terms(session, NEED_AREAS)


def number(value: float | None) -> float | int | None:
    """A median or percentile as shown: a whole number without ".0", else one decimal place."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 1)


COUNTS_NOTE = 'Counts from 1 to 4 show as "fewer than 5", and totals that would give one away as "not shown".'
FIGURES_NOTE = "A median or 90th percentile is shown only when at least 5 referrals make it."
