"""Fill in a family record through its pages, as a key worker or a family would."""

CHILD = {"first_name": "Sam", "last_name": "Jones", "date_of_birth": ["14", "5", "2017"], "address_line_1": "1 High St",
         "town": "Burton upon Trent", "postcode": "DE14 1AA", "school_year": "4", "in_education": "yes",
         "ehcp": "none", "looked_after": "no"}
PEOPLE = {"carer_name": "Alex Jones", "relationship": "Mother", "parental_responsibility": "yes",
          "carer_phone": "07700 900123", "carer_email": "alex@example.org", "contact_method": "email",
          "language": "English", "interpreter": "no", "access_needs": ["written"]}
NEEDS = {"needs": ["SLCN"], "suspected": ["autism"], "tried_already": "Visual timetable at school"}
STORY = {"what_matters": "Sam can tell us what he needs", "good_day": "Calm mornings and football",
         "child_views": "I like trains and I do not like loud rooms"}
PROFESSIONALS = {"gp_name": "Dr Priya Patel", "gp_surgery": "Stapenhill Surgery, Burton", "gp_phone": "01283 500500",
                 "other_1_role": "Speech and language therapist", "other_1_name": "Jo Smith",
                 "other_1_organisation": "Burton Hospitals", "other_1_contact": "jo.smith@example.org"}
SECTIONS = {"child": CHILD, "people": PEOPLE, "needs": NEEDS, "story": STORY, "professionals": PROFESSIONALS}


def new_record(client) -> str:
    response = client.post("/families/new")
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[1]


def complete_record(client, record_id: str, **overrides) -> None:
    for section, data in SECTIONS.items():
        response = client.post(f"/families/{record_id}/{section}", data={**data, **overrides.get(section, {})})
        assert response.status_code == 302, (section, response.get_data(as_text=True)[:3000])
