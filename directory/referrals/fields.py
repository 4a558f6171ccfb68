"""The fields of a family record: which section asks for each, what it is called, and what services may get.

Services declare the fields they need (Service.data_needed) as keys "section.field"; nothing else is shared.
"""

SECTION_TITLES = {
    "child": "About your child",
    "people": "Parents and carers",
    "needs": "Needs and diagnoses",
    "story": "In your own words",
    "professionals": "Professionals involved",
}

# key -> plain-English name shown before consent ("exactly which fields that service will receive").
FIELDS = {
    "child.first_name": "Child's first name",
    "child.last_name": "Child's last name",
    "child.preferred_name": "Name the child likes to be called",
    "child.date_of_birth": "Date of birth",
    "child.nhs_number": "NHS number",
    "child.address_line_1": "Address",
    "child.town": "Town or city",
    "child.postcode": "Postcode",
    "child.district": "Area (district)",
    "child.school": "School or setting",
    "child.school_year": "School year",
    "child.ehcp": "Education, health and care (EHC) plan",
    "child.looked_after": "Looked after by the council",
    "people.carer_name": "Parent or carer's name",
    "people.relationship": "Relationship to the child",
    "people.parental_responsibility": "Has parental responsibility",
    "people.carer_phone": "Phone number",
    "people.carer_email": "Email address",
    "people.contact_method": "How they prefer to be contacted",
    "people.contact_times": "Best times to contact",
    "people.language": "Preferred language",
    "people.interpreter": "Needs an interpreter",
    "people.access_needs": "Their own access needs",
    "needs.needs": "Areas of need",
    "needs.diagnoses": "Diagnoses",
    "needs.diagnosed_by": "Who diagnosed",
    "needs.suspected": "Suspected conditions",
    "needs.tried_already": "What has been tried already",
    "story.what_matters": "What matters to the family",
    "story.good_day": "What a good day looks like",
    "story.child_views": "The child's own views",
    "professionals.gp_name": "GP's name",
    "professionals.gp_surgery": "GP surgery",
    "professionals.gp_phone": "GP surgery phone number",
    "professionals.others": "Other professionals involved",
}

# The words for each stored choice: the forms offer these, and readers see them (directory.referrals.readable).
YES_NO = {"yes": "Yes", "no": "No"}
EHCP = {"none": "No", "requested": "We have asked for one", "in_place": "Yes"}
SCHOOL_YEARS = {str(year): "Reception" if year == 0 else f"Year {year}" for year in range(0, 14)}
CONTACT_METHODS = {"phone": "Phone call", "text": "Text message", "email": "Email", "letter": "Letter"}
ACCESS_NEEDS = {
    "written": "I prefer things in writing", "easy_read": "I need easy read",
    "neurodivergent": "I am neurodivergent: please be clear and give me time",
    "hearing": "I am deaf or have a hearing impairment", "vision": "I am blind or have a vision impairment",
}
# How many other professionals the record has room for.
OTHER_PROFESSIONALS = 3

# What a service receives when its listing does not say: enough to contact the family and understand the need.
# The GP and other professionals are not here: a service that needs them (a GP summary) names them in data_needed.
DEFAULT_FIELDS = [
    "child.first_name", "child.last_name", "child.date_of_birth", "child.postcode", "people.carer_name",
    "people.carer_phone", "people.carer_email", "people.contact_method", "people.language", "people.interpreter",
    "people.access_needs", "needs.needs", "needs.diagnoses", "needs.suspected", "story.what_matters",
    "story.child_views",
]

# The section that asks for each fact the eligibility rules read, so "we need to know X" can link to it.
FACT_SECTIONS = {
    "age": "child", "age_months": "child", "district": "child", "local_authority": "child", "ehcp": "child",
    "school_year": "child", "looked_after": "child", "in_education": "child", "needs": "needs",
    "need_areas": "needs", "diagnoses": "needs", "suspected": "needs", "referrer_role": None,
}


def fields_for(data_needed: list | None) -> list[str]:
    """The keys a service receives, in the record's order."""
    wanted = set(data_needed) if data_needed else set(DEFAULT_FIELDS)
    return [key for key in FIELDS if key in wanted]


def values(sections: dict[str, dict], keys: list[str]) -> dict:
    """{key: value} for the keys that have a value in the sections ({section: data})."""
    out = {}
    for key in keys:
        section, name = key.split(".", 1)
        value = sections.get(section, {}).get(name)
        if value not in (None, "", []):
            out[key] = value
    return out


def changed_keys(before: dict, after: dict) -> list[str]:
    """The fields whose value differs between two snapshots, in the record's order."""
    return [key for key in FIELDS if before.get(key) != after.get(key)]
