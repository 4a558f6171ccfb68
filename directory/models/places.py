"""Local authorities, their districts, and the postcode districts (outward codes) each district spans."""

import uuid

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class LocalAuthority(SQLModel, table=True):
    __tablename__ = "local_authority"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    slug: str = Field(max_length=100, unique=True, index=True)
    name: str = Field(max_length=200)
    short_name: str = Field(max_length=100)
    code: str | None = Field(default=None, max_length=20)
    # The council's SEND Local Offer: where a family is sent when a listing has no contact details.
    local_offer_url: str | None = Field(default=None, max_length=500)


class District(SQLModel, table=True):
    __tablename__ = "district"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    slug: str = Field(max_length=100, unique=True, index=True)
    name: str = Field(max_length=200)
    code: str | None = Field(default=None, max_length=20)
    towns: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    local_authority_id: uuid.UUID = Field(foreign_key="local_authority.id", index=True)


class OutwardCode(SQLModel, table=True):
    """One row per (outward code, district): a code in several districts straddles them."""

    __tablename__ = "outward_code"

    code: str = Field(max_length=4, primary_key=True)
    district_id: uuid.UUID = Field(foreign_key="district.id", primary_key=True)
