"""Taxonomies and their terms (categories, areas of need, SEN types, referrer roles) and links to services."""

import uuid

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class Taxonomy(SQLModel, table=True):
    __tablename__ = "taxonomy"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    slug: str = Field(max_length=100, unique=True, index=True)
    name: str = Field(max_length=200)
    description: str
    uri: str | None = Field(default=None, max_length=500)


class TaxonomyTerm(SQLModel, table=True):
    __tablename__ = "taxonomy_term"
    __table_args__ = (UniqueConstraint("taxonomy_id", "code"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    taxonomy_id: uuid.UUID = Field(foreign_key="taxonomy.id", index=True)
    code: str = Field(max_length=100)
    name: str = Field(max_length=200)
    description: str
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="taxonomy_term.id")
    term_uri: str | None = Field(default=None, max_length=500)
    position: int = 0


class ServiceAttribute(SQLModel, table=True):
    """ORUK `attribute`: a service linked to a taxonomy term; link_type says what the link means."""

    __tablename__ = "service_attribute"
    __table_args__ = (UniqueConstraint("service_id", "taxonomy_term_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    taxonomy_term_id: uuid.UUID = Field(foreign_key="taxonomy_term.id", index=True)
    link_type: str = Field(max_length=50)
    # A category's place in the service's list (the first is its main one); 0 for needs and referrers (sets).
    position: int = 0


# The taxonomies the code knows by slug; their terms are data (seed_data/taxonomies.json).
CATEGORIES = "service-categories"
NEED_AREAS = "need-areas"
SEN_TYPES = "sen-types"
REFERRER_ROLES = "referrer-roles"
CONDITIONS = "conditions"
LINK_TYPES = {CATEGORIES: "category", NEED_AREAS: "need", SEN_TYPES: "need", REFERRER_ROLES: "referrer"}
