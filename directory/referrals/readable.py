"""What a reader sees for a stored answer: one (field key, stored value) in, plain English out, never a code."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from directory.data.taxonomy import list_terms
from directory.models import District
from directory.models.taxonomy import CONDITIONS, SEN_TYPES
from directory.referrals import fields

NOT_GIVEN = "Not given"

# Yes/no and status answers read as sentences about the child or the carer, not as "Yes" after a question.
SENTENCES = {
    "people.parental_responsibility": {"yes": "They have parental responsibility",
                                       "no": "They do not have parental responsibility"},
    "people.interpreter": {"yes": "They need an interpreter", "no": "They do not need an interpreter"},
    "child.looked_after": {"yes": "The child is looked after by the council (in care)",
                           "no": "The child is not looked after by the council"},
    "child.in_education": {"yes": "The child is in school, college or other education",
                           "no": "The child is not in school, college or other education"},
    "child.ehcp": {"none": "The child does not have an education, health and care (EHC) plan",
                   "requested": "The family has asked for an education, health and care (EHC) plan",
                   "in_place": "The child has an education, health and care (EHC) plan"},
}
# Answers chosen from a fixed list read as that list's words (the same words the form offers).
CHOICES = {
    "child.school_year": fields.SCHOOL_YEARS,
    "people.contact_method": fields.CONTACT_METHODS,
    "people.access_needs": fields.ACCESS_NEEDS,
}
DATES = {"child.date_of_birth"}


@dataclass(frozen=True)
class Names:
    """What the codes the record stores stand for, read once from the database for a page."""

    needs: dict[str, str]
    conditions: dict[str, str]
    districts: dict[str, str]


def names(session: Session) -> Names:
    return Names(
        needs={t.code: t.name for t in list_terms(session, SEN_TYPES)},
        conditions={t.code: t.name[:1].upper() + t.name[1:] for t in list_terms(session, CONDITIONS)},
        districts=dict(session.exec(select(District.slug, District.name)).all()),
    )


def long_date(value: date | str) -> str:
    """ "14 March 2022", from a date or an ISO date string (a string that is no date stays as it is)."""
    try:
        day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def professional(entry: dict) -> str:
    """One other professional: "Speech and language therapist: Jo Smith, Burton Hospitals, 01283 000000"."""
    details = ", ".join(entry[part] for part in ("name", "organisation", "contact") if entry.get(part))
    return f"{entry['role']}: {details}" if entry.get("role") and details else entry.get("role") or details


def text(key: str, value, known: Names) -> str | list[str]:
    """What a reader sees for `value` stored under `key` ("section.field"): a sentence, or a list of lines for a
    list. A code nobody has a name for any more (a retired term) is shown as it is rather than hidden."""
    if value in (None, "", []):
        return NOT_GIVEN
    if key in SENTENCES:
        return SENTENCES[key].get(value, value)
    if key in CHOICES:
        words = CHOICES[key]
        return [words.get(v, v) for v in value] if isinstance(value, list) else words.get(value, value)
    if key in DATES:
        return long_date(value)
    if key == "needs.needs":
        return [known.needs.get(v, v) for v in value]
    if key in ("needs.diagnoses", "needs.suspected"):
        return [known.conditions.get(v, v) for v in value]
    if key == "child.district":
        return known.districts.get(value, value)
    if key == "professionals.others":
        return [professional(entry) for entry in value if isinstance(entry, dict)] or NOT_GIVEN
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


def rows(values: dict, keys: list[str], known: Names) -> list[tuple[str, str | list[str]]]:
    """(field name, what a reader sees) for each key, in the order given, "Not given" for a missing value."""
    return [(fields.FIELDS[key], text(key, values.get(key), known)) for key in keys]
