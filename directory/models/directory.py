"""The directory, shaped on Open Referral UK 3.0: organisations, services, locations and their details."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from directory.models.accounts import utcnow

SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
# How referrals to a service are made: through this site; by phone; on the service's own form; none needed
# (information, websites, crisis and duty lines). "site" also needs somewhere to receive them: a referral email
# address or a service lead (directory.referrals.channels).
REFERRAL_METHODS = ("site", "phone", "own_form", "none")


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=300)
    description: str
    website: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)


class Service(SQLModel, table=True):
    __tablename__ = "service"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    slug: str = Field(max_length=100, unique=True, index=True)
    name: str = Field(max_length=300)
    summary: str = Field(max_length=300)
    description: str
    status: str = Field(default="active", max_length=30, index=True)
    url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)
    opening_hours: str | None = None
    minimum_age: int
    maximum_age: int
    # SEND fields that Open Referral UK has no place for.
    how_to_refer: str
    referral_method: str = Field(default="site", max_length=20)
    # Where referrals made through this site are emailed when no lead answers them here. Never published (the
    # public contact email above does not count).
    referral_email: str | None = Field(default=None, max_length=320)
    accepting_referrals: bool = True
    # How many working days the service aims to take to answer a referral made through this site.
    response_target_days: int = 10
    wait_weeks: int | None = None
    wait_updated: date | None = None
    # When the listing was last checked as correct (ORUK assured_date).
    assured_date: date | None = None
    # The service's own eligibility rule (directory.rules); its age range and areas are added when evaluating.
    eligibility: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The fields of a family record this service receives with a referral (directory.family_fields keys);
    # None means the site's minimum set.
    data_needed: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    last_modified: datetime = Field(default_factory=utcnow)


class ServiceArea(SQLModel, table=True):
    """ORUK `service_area`: a district the service covers."""

    __tablename__ = "service_area"
    __table_args__ = (UniqueConstraint("service_id", "district_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    district_id: uuid.UUID = Field(foreign_key="district.id", index=True)


class Location(SQLModel, table=True):
    __tablename__ = "location"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=300)
    description: str | None = None
    location_type: str = Field(default="physical", max_length=20)
    latitude: float | None = None
    longitude: float | None = None


class Address(SQLModel, table=True):
    __tablename__ = "address"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    location_id: uuid.UUID = Field(foreign_key="location.id", index=True, ondelete="CASCADE")
    address_1: str = Field(max_length=300)
    address_2: str | None = Field(default=None, max_length=300)
    city: str = Field(max_length=100)
    state_province: str | None = Field(default=None, max_length=100)
    postal_code: str = Field(max_length=10)
    country: str = Field(default="GB", max_length=2)
    address_type: str = Field(default="physical", max_length=20)


class Accessibility(SQLModel, table=True):
    __tablename__ = "accessibility"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    location_id: uuid.UUID = Field(foreign_key="location.id", index=True, ondelete="CASCADE")
    description: str


class ServiceAtLocation(SQLModel, table=True):
    __tablename__ = "service_at_location"
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    location_id: uuid.UUID = Field(foreign_key="location.id", index=True)


class Contact(SQLModel, table=True):
    __tablename__ = "contact"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=200)
    position: int = 0


class Phone(SQLModel, table=True):
    __tablename__ = "phone"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    number: str = Field(max_length=30)
    description: str | None = None
    position: int = 0


class CostOption(SQLModel, table=True):
    __tablename__ = "cost_option"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    option: str
    amount: float | None = None
    amount_description: str | None = None
    currency: str = Field(default="GBP", max_length=3)
    position: int = 0


class Language(SQLModel, table=True):
    __tablename__ = "language"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    code: str | None = Field(default=None, max_length=3)
    note: str | None = None
    position: int = 0


RELATION_TYPES = (
    "requires_referral_from", "requires_prerequisite", "step_up_to", "step_down_to", "alternative_to",
    "while_you_wait", "advises_on", "contributes_advice_to", "cross_border_equivalent",
)


class ServiceRelation(SQLModel, table=True):
    """A typed, directed edge between two services: `service` <relation_type> `related_service`."""

    __tablename__ = "service_relation"
    __table_args__ = (UniqueConstraint("service_id", "related_service_id", "relation_type"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    related_service_id: uuid.UUID = Field(foreign_key="service.id", index=True, ondelete="CASCADE")
    relation_type: str = Field(max_length=40)
    note: str | None = None
    position: int = 0
