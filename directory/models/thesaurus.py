"""The SEND thesaurus: groups of words that mean the same thing in a search, and the categories and needs a
group's words describe. Seeded from seed_data/thesaurus.json; admins edit it; every server's index follows it."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from directory.models.accounts import utcnow

# What a group is, for admins finding their way around it (the search treats every kind alike).
THESAURUS_KINDS = ("condition", "need", "everyday", "professional", "spelling", "abbreviation", "service")


class ThesaurusGroup(SQLModel, table=True):
    """Phrases searched as one: a search for any of them finds listings that say any other. Query-only phrases
    are understood in searches but never looked for in listings (ordinary English words such as "add"). A group
    mapped to categories or needs also finds the services in them, whatever their listings say."""

    __tablename__ = "thesaurus_group"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    position: int = Field(index=True)  # the order groups are listed and numbered in
    kind: str = Field(max_length=20)
    phrases: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    query_only: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # service-categories codes
    needs: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # need-areas, sen-types codes
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
