"""The SEND thesaurus in the database: checked when read from its seed file, written by the seed only into an
empty table (or when told), read by every server's search, and versioned by the search changes that ask for a
rebuild, which servers check to know when to build their index again."""

import json
from pathlib import Path

from sqlalchemy import delete, func
from sqlmodel import Session, select

from directory.listings.revision import directory_revision
from directory.models import SearchChange, ThesaurusGroup, stable_id
from directory.models.accounts import utcnow
from directory.models.taxonomy import CATEGORIES, NEED_AREAS, SEN_TYPES
from directory.search.synonyms import Synonyms, normal, phrase_forms

FILE = "thesaurus.json"
FORMAT = "send-directory-thesaurus/1"
# The taxonomies a group's codes come from: the categories, and the areas of need and types of SEN.
CATEGORY_TAXONOMIES = (CATEGORIES,)
NEED_TAXONOMIES = (NEED_AREAS, SEN_TYPES)
# What an entry holds, as written in the file and kept in the table.
FIELDS = ("kind", "phrases", "query_only", "categories", "needs")


def entry(group: ThesaurusGroup) -> dict:
    """A group as a thesaurus entry (the file's format)."""
    return {"kind": group.kind, "phrases": list(group.phrases), "query_only": list(group.query_only or []),
            "categories": list(group.categories or []), "needs": list(group.needs or [])}


def clash(phrases: list[str], others: list[tuple[str, list[str]]]) -> tuple[str, str] | None:
    """(the phrase, the other group's name) when one of `phrases` is already a phrase of another group: a phrase
    in two groups would mean two things. `others`: (a name for the group, its phrases and query-only phrases)."""
    taken = {form: name for name, group_phrases in others for phrase in group_phrases
             for form in phrase_forms(phrase)}
    for phrase in phrases:
        for form in phrase_forms(phrase):
            if form in taken:
                return phrase, taken[form]
    return None


def group_name(phrases: list[str]) -> str:
    """How a group is named to people: its first phrase."""
    return f"“{phrases[0]}”" if phrases else "an empty group"


def check_entries(groups: list[dict], categories: set[str], needs: set[str], filename: str = FILE) -> list[str]:
    """Problems no schema can see: a phrase in two groups (or twice in one), codes that are not terms."""
    problems: list[str] = []
    seen: list[tuple[str, list[str]]] = []
    for number, group in enumerate(groups, start=1):
        where = f"{filename}: group {number} ({group_name(group['phrases'])})"
        mine = [*group["phrases"], *group.get("query_only", [])]
        normals = [normal(p) for p in mine]
        for phrase in sorted({p for p, n in zip(mine, normals, strict=True) if normals.count(n) > 1}):
            problems.append(f"{where}: “{phrase}” is in the group twice")
        found = clash(mine, seen)
        if found:
            problems.append(f"{where}: “{found[0]}” is already a phrase of the group {found[1]}")
        seen.append((group_name(group["phrases"]), mine))
        for field, known in (("categories", categories), ("needs", needs)):
            for code in group.get(field, []):
                if code not in known:
                    problems.append(f"{where}: field \"{field}\": \"{code}\" is not a term")
    return problems


def codes_in_taxonomies(taxonomies: dict) -> tuple[set[str], set[str]]:
    """(category codes, need codes) of a taxonomies seed document."""
    terms = {t["slug"]: {term["code"] for term in t["terms"]} for t in taxonomies.get("taxonomies", [])}
    return (set().union(*(terms.get(s, set()) for s in CATEGORY_TAXONOMIES)),
            set().union(*(terms.get(s, set()) for s in NEED_TAXONOMIES)))


def read_groups(document: dict) -> list[dict]:
    """The groups of a thesaurus document, as entries with every field (the seed has checked it)."""
    return [{field: group.get(field, [] if field != "kind" else "") for field in FIELDS}
            for group in document["groups"]]


def read_file(path: str | Path) -> list[dict]:
    """The groups of a thesaurus file, unchecked."""
    return read_groups(json.loads(Path(path).read_text(encoding="utf-8")))


# --- in the database ---------------------------------------------------------------------------------------------

def groups(session: Session) -> list[ThesaurusGroup]:
    """Every group, in order."""
    return list(session.exec(select(ThesaurusGroup).order_by(ThesaurusGroup.position, ThesaurusGroup.id)))


def synonyms_from_database(session: Session) -> Synonyms:
    return Synonyms.cached([entry(group) for group in groups(session)])


def version(session: Session) -> int:
    """The thesaurus's version: the last search change that asked every server for a whole new index. One
    indexed lookup, cheap enough to ask every minute."""
    return session.exec(select(func.max(SearchChange.id)).where(SearchChange.rebuild == True)).one() or 0  # noqa: E712


def record_rebuild(session: Session) -> None:
    """In the caller's transaction: every server's index must be built again (the thesaurus changed)."""
    session.add(SearchChange(service_id=None, rebuild=True, directory_revision=directory_revision(session)))


def seed_groups(session: Session, entries: list[dict], report, replace: bool = False) -> bool:
    """Write the seed file's groups when the table is empty, or replace every group when `replace`: admins'
    edits survive an ordinary re-seed. True when written. The caller commits."""
    existing = session.exec(select(func.count()).select_from(ThesaurusGroup)).one()
    if existing and not replace:
        return False
    if existing:
        session.exec(delete(ThesaurusGroup))
        report.deleted[ThesaurusGroup.__tablename__] += existing
    now = utcnow()
    for position, values in enumerate(entries):
        session.add(ThesaurusGroup(id=stable_id("thesaurus_group", f"{position}:{normal(values['phrases'][0])}"),
                                   position=position, updated_at=now, updated_by_id=None,
                                   **{field: values.get(field, []) for field in FIELDS}))
    report.created[ThesaurusGroup.__tablename__] += len(entries)
    record_rebuild(session)
    return True
