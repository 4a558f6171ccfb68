"""Admins edit the search thesaurus: list and find groups, add, change and delete one. Each change is checked
(at least one phrase, no phrase in two groups, known categories and needs), written with its audit entry and a
search change asking every server for a whole new index, and committed once; refusals write nothing. The index
itself is rebuilt after commit, outside the request (directory.search.sync)."""

import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from directory.audit import record as audit
from directory.data.taxonomy import term_names
from directory.db import begin_write
from directory.models import DirectoryRevision, ThesaurusGroup
from directory.models.accounts import utcnow
from directory.models.thesaurus import THESAURUS_KINDS
from directory.search.synonyms import normal, words
from directory.thesaurus import CATEGORY_TAXONOMIES, NEED_TAXONOMIES, clash, group_name, groups, record_rebuild

__all__ = ["Choices", "NotFound", "Refused", "choices", "delete_group", "find_groups", "get_group", "group_name",
           "save_group"]

MAX_PHRASE = 100  # characters
MAX_PHRASES = 100  # in a group, counting query-only ones
KIND_NAMES = {
    "condition": "Condition", "need": "Need", "everyday": "Everyday words", "professional": "Professional term",
    "spelling": "UK and US spelling", "abbreviation": "Abbreviation", "service": "Kind of service",
}


class NotFound(LookupError):
    pass


class Refused(ValueError):
    """A change that cannot be made; the message is fit to show, `field` says which answer it is about, and
    nothing was written."""

    def __init__(self, message: str, field: str = "phrases"):
        super().__init__(message)
        self.field = field


@dataclass
class Choices:
    categories: dict[str, str]  # {code: name}
    needs: dict[str, str]


def choices(session: Session) -> Choices:
    return Choices(term_names(session, CATEGORY_TAXONOMIES), term_names(session, NEED_TAXONOMIES))


def find_groups(session: Session, kind: str = "", phrase: str = "") -> list[ThesaurusGroup]:
    """Groups of this kind (any when blank) with a phrase containing these words (any when blank), in order."""
    wanted = normal(phrase)
    found = []
    for group in groups(session):
        if kind and group.kind != kind:
            continue
        if wanted and not any(wanted in normal(p) for p in [*group.phrases, *group.query_only]):
            continue
        found.append(group)
    return found


def get_group(session: Session, group_id: uuid.UUID) -> ThesaurusGroup:
    group = session.get(ThesaurusGroup, group_id)
    if group is None:
        raise NotFound(group_id)
    return group


def _checked_phrases(lines: list[str], what: str, field: str) -> list[str]:
    phrases = [" ".join(line.split()) for line in lines if line and line.strip()]
    for phrase in phrases:
        if len(phrase) > MAX_PHRASE:
            raise Refused(f"Each {what} must be {MAX_PHRASE} characters or fewer", field)
        if not words(phrase):
            raise Refused(f"Each {what} must have a letter or a number in it", field)
    return phrases


def _check(session: Session, group_id: uuid.UUID | None, kind: str, phrases: list[str], query_only: list[str],
           categories: list[str], needs: list[str]) -> tuple[list[str], list[str]]:
    if kind not in THESAURUS_KINDS:
        raise Refused("Select what kind of words the group holds", "kind")
    phrases = _checked_phrases(phrases, "phrase", "phrases")
    query_only = _checked_phrases(query_only, "phrase understood only in searches", "query_only")
    if not phrases:
        raise Refused("Enter at least one phrase", "phrases")
    if len(phrases) + len(query_only) > MAX_PHRASES:
        raise Refused(f"A group can have at most {MAX_PHRASES} phrases: split it into two", "phrases")
    seen: dict[str, str] = {}
    for field, phrase in [*(("phrases", p) for p in phrases), *(("query_only", p) for p in query_only)]:
        if normal(phrase) in seen:
            raise Refused(f"“{phrase}” is in the group twice: enter it once", field)
        seen[normal(phrase)] = phrase
    known = choices(session)
    if set(categories) - set(known.categories):
        raise Refused("Select categories from the list", "categories")
    if set(needs) - set(known.needs):
        raise Refused("Select needs from the list", "needs")
    others = [(group_name(g.phrases), [*g.phrases, *g.query_only]) for g in groups(session) if g.id != group_id]
    for field, mine in (("phrases", phrases), ("query_only", query_only)):
        found = clash(mine, others)
        if found:
            raise Refused(f"“{found[0]}” is already in the group {found[1]}: a phrase can be in one group only. "
                          "Take it out of that group first, or leave it out here", field)
    return phrases, query_only


def _lock(session: Session) -> None:
    """One thesaurus change at a time (two admins adding the same phrase at once: the second is refused)."""
    begin_write(session)
    session.exec(select(DirectoryRevision).where(DirectoryRevision.id == 1).with_for_update()).first()


def save_group(session: Session, admin_id: uuid.UUID, group_id: uuid.UUID | None, kind: str, phrases: list[str],
               query_only: list[str], categories: list[str], needs: list[str]) -> tuple[ThesaurusGroup, bool]:
    """Add a group (no `group_id`) or change one; (the group, whether anything changed). The audit entry names
    the fields that changed."""
    _lock(session)
    try:
        group = get_group(session, group_id) if group_id else None
        phrases, query_only = _check(session, group_id, kind, phrases, query_only, categories, needs)
    except (Refused, NotFound):
        session.rollback()
        raise
    values = {"kind": kind, "phrases": phrases, "query_only": query_only,
              "categories": sorted(set(categories)), "needs": sorted(set(needs))}
    if group is None:
        last = max((g.position for g in groups(session)), default=-1)
        group = ThesaurusGroup(position=last + 1, updated_at=utcnow(), updated_by_id=admin_id, **values)
        session.add(group)
        session.flush()
        audit(session, admin_id, "thesaurus_group_added", "thesaurus_group", group.id, fields=sorted(values))
    else:
        changed = sorted(key for key, value in values.items() if getattr(group, key) != value)
        if not changed:
            session.rollback()
            return group, False
        for key in changed:
            setattr(group, key, values[key])
        group.updated_at, group.updated_by_id = utcnow(), admin_id
        audit(session, admin_id, "thesaurus_group_changed", "thesaurus_group", group.id, fields=changed)
    record_rebuild(session)
    session.commit()
    return group, True


def delete_group(session: Session, admin_id: uuid.UUID, group_id: uuid.UUID) -> None:
    _lock(session)
    try:
        group = get_group(session, group_id)
    except NotFound:
        session.rollback()
        raise
    session.delete(group)
    audit(session, admin_id, "thesaurus_group_deleted", "thesaurus_group", group_id, kind=group.kind,
          phrases=len(group.phrases) + len(group.query_only))
    record_rebuild(session)
    session.commit()
