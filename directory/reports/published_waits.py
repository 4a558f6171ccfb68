"""Published waiting times: every active service's own published wait (in weeks) and when it was updated, a section
for each type of help it offers. These are published listing facts, not counts of children: nothing is suppressed."""

import uuid
from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from directory.data.taxonomy import list_terms
from directory.models import Service, ServiceAttribute
from directory.models.taxonomy import CATEGORIES
from directory.reports.cells import Link
from directory.reports.model import Bar, BarChart, Filters, Report, Section, Table

SLUG = "waiting-times"
TITLE = "Waiting times"
USES = ("category",)
NOT_PUBLISHED = "Not published"
HEADER = ["Service", "Waiting time (weeks)", "Updated"]


def uk_date(day: date | None) -> str | None:
    return f"{day.day} {day:%B %Y}" if day else None


def build(session: Session, filters: Filters, today: date) -> Report:
    terms = [term for term in list_terms(session, CATEGORIES)
             if not filters.category_id or term.id == filters.category_id]
    by_term: dict[uuid.UUID, list[Service]] = defaultdict(list)
    for term_id, service in session.exec(
            select(ServiceAttribute.taxonomy_term_id, Service)
            .join(Service, Service.id == ServiceAttribute.service_id)
            .where(ServiceAttribute.link_type == "category", Service.status == "active",
                   ServiceAttribute.taxonomy_term_id.in_([term.id for term in terms]))
            .order_by(Service.name, Service.id)):
        by_term[term_id].append(service)

    sections = []
    for term in terms:
        services = by_term.get(term.id)
        if not services:
            continue
        table = Table(caption=f"Published waiting times: {term.name}", header=list(HEADER), rows=[
            [Link(service.name, f"/services/{service.slug}"),
             service.wait_weeks if service.wait_weeks is not None else NOT_PUBLISHED, uk_date(service.wait_updated)]
            for service in services])
        chart = BarChart(
            title=f"Published waiting times in weeks: {term.name}",
            description=f"A bar for each {term.name.lower()} service, as long as its published wait in weeks. "
                        "Services that publish no waiting time have no bar. The table below has the figures.",
            unit="weeks", series=["Waiting time"], stacked=False,
            bars=[Bar(service.name, [service.wait_weeks]) for service in services])
        sections.append(Section(term.code, term.name, table, chart))
    return Report(SLUG, TITLE, "Each service's own published waiting time and when the service last updated it.",
                  sections, USES)


def csv_rows(report: Report) -> tuple[list[str], list[list]]:
    """Every section's rows in one file, with the type of help first."""
    return (["Type of help", *HEADER],
            [[section.heading, *row] for section in report.sections for row in section.table.rows])
