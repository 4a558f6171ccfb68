"""What a services file being imported may refer to in the database: districts, terms and existing records."""

from sqlmodel import Session, select

from directory.models import (
    District,
    LocalAuthority,
    Location,
    Organisation,
    Service,
    Taxonomy,
    TaxonomyTerm,
    stable_id,
)
from directory.seed.files import Known

_MODELS = {"organisation": Organisation, "location": Location, "service": Service}


def known_from_database(session: Session) -> Known:
    terms: dict[str, set[str]] = {}
    for taxonomy_slug, code in session.exec(
        select(Taxonomy.slug, TaxonomyTerm.code).join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
    ):
        terms.setdefault(taxonomy_slug, set()).add(code)
    return Known(
        districts=set(session.exec(select(District.slug))),
        local_authorities=set(session.exec(select(LocalAuthority.slug))),
        terms=terms,
        exists=lambda kind, key: session.get(_MODELS[kind], stable_id(kind, key)) is not None,
    )
