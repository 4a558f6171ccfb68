"""Read taxonomies and their terms."""

import uuid

from sqlalchemy import func
from sqlmodel import Session, select

from directory import reference_cache
from directory.listings.revision import directory_revision
from directory.models import Service, ServiceAttribute, Taxonomy, TaxonomyTerm


def list_terms(session: Session, taxonomy_slug: str) -> list[TaxonomyTerm]:
    return list(
        session.exec(
            select(TaxonomyTerm)
            .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
            .where(Taxonomy.slug == taxonomy_slug)
            .order_by(TaxonomyTerm.position)
        )
    )


def kept_terms(session: Session, taxonomy_slug: str) -> list[TaxonomyTerm]:
    """list_terms, kept until the directory revision changes (terms change only with it): rows shared by every
    request, detached from the session; read them, never change them."""
    return reference_cache.cached(f"terms:{taxonomy_slug}", session,
                                  lambda s: reference_cache.detached(s, list_terms(s, taxonomy_slug)))


def get_term(session: Session, taxonomy_slugs: tuple[str, ...], code: str) -> TaxonomyTerm | None:
    """The term with `code` in the first of `taxonomy_slugs` that has one; codes match case-insensitively."""
    for slug in taxonomy_slugs:
        for term in list_terms(session, slug):
            if term.code.lower() == code.lower():
                return term
    return None


def child_terms(session: Session, term: TaxonomyTerm) -> list[TaxonomyTerm]:
    return list(session.exec(select(TaxonomyTerm).where(TaxonomyTerm.parent_id == term.id).order_by(TaxonomyTerm.name)))


def active_service_counts(session: Session, term_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many active services link to each term directly."""
    rows = session.exec(
        select(ServiceAttribute.taxonomy_term_id, func.count())
        .join(Service, Service.id == ServiceAttribute.service_id)
        .where(ServiceAttribute.taxonomy_term_id.in_(term_ids), Service.status == "active")
        .group_by(ServiceAttribute.taxonomy_term_id)
    )
    return dict(rows.all())


def term_names(session: Session, taxonomy_slugs: tuple[str, ...]) -> dict[str, str]:
    """{code: name} for the terms of these taxonomies, in taxonomy then term order."""
    names: dict[str, str] = {}
    for slug in taxonomy_slugs:
        for term in list_terms(session, slug):
            names.setdefault(term.code, term.name)
    return names


def version(session: Session) -> int:
    """The directory revision: terms and districts change only with it (directory.listings.revision)."""
    return directory_revision(session)
