"""The family record's section forms and the consent form, with GOV.UK error wording."""

import re
from datetime import date, datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Optional, ValidationError

from directory.models.referrals import CONSENT_GIVERS, CONSENT_METHODS
from directory.referrals import fields as family_fields
from directory.web.validators import EMAIL_FORMAT, at_most, drop_blanks, postcode, strip


def _choices(words: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, text) for value, text in words.items()]


# The words come from directory.referrals.fields, so what a form offers is what a service reads.
YES_NO = _choices(family_fields.YES_NO)
EHCP = _choices(family_fields.EHCP)
SCHOOL_YEARS = [SelectChoice("", "Not at school yet, or not in a school year")] + _choices(family_fields.SCHOOL_YEARS)
CONTACT_METHODS = _choices(family_fields.CONTACT_METHODS)
ACCESS_NEEDS = _choices(family_fields.ACCESS_NEEDS)
CONSENT_GIVER_LABELS = {
    "parent_with_parental_responsibility": "A parent or carer with parental responsibility",
    "young_person_16_plus": "The young person (aged 16 or over)",
    "competent_child": "The child, who understands what they are agreeing to",
}
CONSENT_METHOD_LABELS = {"verbal": "Spoken (in person or by phone)", "written": "In writing", "online": "Online"}


class UKDateField(DateField):
    """Day, month and year boxes; a date that is not real, or a year without 4 numbers, gets a GOV.UK message."""

    def __init__(self, label, missing: str, **kwargs):
        super().__init__(label, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.missing = missing

    def process_formdata(self, valuelist):
        parts = [v.strip() for v in valuelist] if valuelist else []
        if len(parts) != 3:  # the three boxes were not all sent: treat as empty boxes
            parts = ["", "", ""]
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        day, month, year = parts
        # ASCII digits only: int() also reads other scripts' digits, and a long run of them is no date.
        if not (_DAY_OR_MONTH.fullmatch(day) and _DAY_OR_MONTH.fullmatch(month) and year.isascii()
                and year.isdigit()):
            raise ValueError(f"{self.label.text.rstrip('?')} must be a real date")
        if not _YEAR.fullmatch(year):
            raise ValueError("Year must include 4 numbers")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{self.label.text.rstrip('?')} must be a real date") from None


_DAY_OR_MONTH = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")


def _choose(message: str) -> dict:
    """A required choice: nothing chosen, or a value that is not one of the choices, gets the same message."""
    return {"validators": [InputRequired(message)], "invalid_choice_message": message}


def _past_or_today(form, field):
    if field.data and field.data > date.today():
        raise ValidationError(f"{field.label.text.rstrip('?')} cannot be in the future")


def _past(form, field):
    if field.data and field.data > date.today():
        raise ValidationError(f"{field.label.text} must be in the past")


def _nhs_number(form, field):
    digits = re.sub(r"\s", "", field.data or "")
    if not digits:
        return
    if not re.fullmatch(r"\d{10}", digits):
        raise ValidationError("NHS number must be 10 digits, like 943 476 5919")
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11
    if (0 if check == 11 else check) != int(digits[9]) or check == 10:
        raise ValidationError("Enter a real NHS number: check the digits")
    field.data = f"{digits[:3]} {digits[3:6]} {digits[6:]}"


class ChildForm(FlaskForm):
    first_name = StringField("First name", widget=GovTextInput(), filters=[strip],
                             validators=[DataRequired("Enter your child's first name"), at_most(100, "First name")])
    last_name = StringField("Last name", widget=GovTextInput(), filters=[strip],
                            validators=[DataRequired("Enter your child's last name"), at_most(100, "Last name")])
    preferred_name = StringField("Name they like to be called (optional)", widget=GovTextInput(), filters=[strip],
                                 validators=[Optional(), at_most(100, "The name they like to be called")])
    date_of_birth = UKDateField("Date of birth", missing="Enter your child's date of birth",
                                description="For example, 27 3 2017",
                                validators=[InputRequired("Enter your child's date of birth"), _past])
    nhs_number = StringField("NHS number (optional)", widget=GovTextInput(), filters=[strip],
                             description="A 10 digit number, like 943 476 5919", validators=[_nhs_number])
    address_line_1 = StringField("Address line 1", widget=GovTextInput(), filters=[strip],
                                 validators=[DataRequired("Enter the first line of the address"),
                                             at_most(200, "Address line 1")])
    town = StringField("Town or city", widget=GovTextInput(), filters=[strip],
                       validators=[DataRequired("Enter the town or city"), at_most(100, "Town or city")])
    postcode = StringField("Postcode", widget=GovTextInput(), filters=[strip],
                           validators=[DataRequired("Enter the postcode"), postcode])
    district = RadioField("Which area do you live in?", widget=GovRadioInput(), validate_choice=False,
                          validators=[Optional()])
    school = StringField("School, nursery or college (optional)", widget=GovTextInput(), filters=[strip],
                         validators=[Optional(), at_most(200, "School, nursery or college")])
    school_year = SelectField("School year", widget=GovSelect(), choices=SCHOOL_YEARS, filters=[strip],
                              invalid_choice_message="Select a school year from the list", validators=[Optional()])
    in_education = RadioField("Is your child in school, college or other education?", widget=GovRadioInput(),
                              choices=YES_NO, **_choose("Select yes if your child is in education"))
    ehcp = RadioField("Does your child have an education, health and care (EHC) plan?", widget=GovRadioInput(),
                      choices=EHCP, **_choose("Select whether your child has an EHC plan"))
    looked_after = RadioField("Is your child looked after by the council (in care)?", widget=GovRadioInput(),
                              choices=YES_NO,
                              **_choose("Select yes if your child is looked after by the council"))
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


class PeopleForm(FlaskForm):
    carer_name = StringField("Your full name", widget=GovTextInput(), filters=[strip],
                             validators=[DataRequired("Enter the parent or carer's full name"),
                                         at_most(200, "Full name")])
    relationship = StringField("Relationship to the child", widget=GovTextInput(), filters=[strip],
                               description="For example, mother, father, grandparent, foster carer",
                               validators=[DataRequired("Enter the relationship to the child"),
                                           at_most(100, "Relationship to the child")])
    parental_responsibility = RadioField(
        "Do they have parental responsibility?", widget=GovRadioInput(), choices=YES_NO,
        **_choose("Select yes if they have parental responsibility"))
    carer_phone = StringField("Phone number", widget=GovTextInput(), filters=[strip],
                              validators=[at_most(30, "Phone number")])
    carer_email = StringField("Email address", widget=GovTextInput(), filters=[strip],
                              validators=[Optional(), Email(EMAIL_FORMAT)])
    contact_method = RadioField("How do they prefer to be contacted?", widget=GovRadioInput(),
                                choices=CONTACT_METHODS, **_choose("Select how to contact them"))
    contact_times = StringField("Best times to contact (optional)", widget=GovTextInput(), filters=[strip],
                                validators=[Optional(), at_most(200, "Best times to contact")])
    language = StringField("Preferred language", widget=GovTextInput(), filters=[strip], default="English",
                           validators=[DataRequired("Enter their preferred language"),
                                       at_most(100, "Preferred language")])
    interpreter = RadioField("Do they need an interpreter?", widget=GovRadioInput(), choices=YES_NO,
                             **_choose("Select yes if they need an interpreter"))
    access_needs = SelectMultipleField("Anything that makes contact easier for them (optional)",
                                       widget=GovCheckboxesInput(), choices=ACCESS_NEEDS, filters=[drop_blanks],
                                       invalid_choice_message="Select what makes contact easier from the list")
    second_carer_name = StringField("Another parent or carer's name (optional)", widget=GovTextInput(),
                                    filters=[strip], validators=[Optional(),
                                                                 at_most(200, "The other parent or carer's name")])
    second_carer_parental_responsibility = RadioField(
        "Does the other parent or carer have parental responsibility?", widget=GovRadioInput(), choices=YES_NO,
        filters=[strip], validators=[Optional()],
        invalid_choice_message="Select yes if the other parent or carer has parental responsibility")
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def validate_carer_phone(self, field):
        if not field.data and not self.carer_email.data:
            raise ValidationError("Enter a phone number or an email address")

    def validate_contact_method(self, field):
        if field.data in ("phone", "text") and not self.carer_phone.data:
            raise ValidationError("Enter a phone number to be contacted by phone or text")
        if field.data == "email" and not self.carer_email.data:
            raise ValidationError("Enter an email address to be contacted by email")


class NeedsForm(FlaskForm):
    needs = SelectMultipleField("What does your child need help with?", widget=GovCheckboxesInput(),
                                filters=[drop_blanks], description="Select all that apply",
                                invalid_choice_message="Select the areas your child needs help with from the list",
                                validators=[DataRequired("Select at least one area your child needs help with")])
    diagnoses = SelectMultipleField("Diagnoses your child has (optional)", widget=GovCheckboxesInput(),
                                    filters=[drop_blanks], invalid_choice_message="Select diagnoses from the list")
    diagnosed_by = StringField("Who made the diagnosis?", widget=GovTextInput(), filters=[strip],
                               description="For example, the community paediatrician or CAMHS",
                               validators=[at_most(200, "Who made the diagnosis")])
    suspected = SelectMultipleField("Conditions you or a professional think your child may have (optional)",
                                    widget=GovCheckboxesInput(), description="A diagnosis is not needed",
                                    filters=[drop_blanks], invalid_choice_message="Select conditions from the list")
    tried_already = TextAreaField("What has been tried already? (optional)", widget=GovTextArea(),
                                  filters=[strip], validators=[Optional(),
                                                               at_most(4000, "What has been tried already")])
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def validate_diagnosed_by(self, field):
        if self.diagnoses.data and not field.data:
            raise ValidationError("Enter who made the diagnosis")


class StoryForm(FlaskForm):
    what_matters = TextAreaField("What matters to us", widget=GovTextArea(), filters=[strip],
                                 description="What you most want help with, in your own words",
                                 validators=[DataRequired("Tell us what matters to you"),
                                             at_most(4000, "What matters to us")])
    good_day = TextAreaField("What a good day looks like", widget=GovTextArea(), filters=[strip],
                             validators=[DataRequired("Tell us what a good day looks like"),
                                         at_most(4000, "What a good day looks like")])
    child_views = TextAreaField("Your child's own views", widget=GovTextArea(), filters=[strip],
                                description="What your child says, draws or shows about what they like, what is "
                                            "hard and what they want. Use their words if you can.",
                                validators=[at_most(4000, "Your child's own views")])
    child_views_not_given_reason = TextAreaField(
        "If you could not ask your child, tell us why", widget=GovTextArea(), filters=[strip],
        validators=[Optional(), at_most(2000, "The reason you could not ask your child")])
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def validate_child_views(self, field):
        # The child's voice is asked for, not left out by omission.
        if not field.data and not self.child_views_not_given_reason.data:
            raise ValidationError("Enter your child's views, or tell us why you could not ask them")


_OTHER_PARTS = ("role", "name", "organisation", "contact")


def _other_professional(number: int) -> tuple:
    """The four boxes of one other professional (role, name, organisation, contact)."""
    def box(part: str, label: str, most: int, description: str = ""):
        return StringField(label, widget=GovTextInput(), filters=[strip], description=description,
                           validators=[Optional(), at_most(most, f"Professional {number}'s {part}")])

    return (box("role", "Role", 100, "For example, speech and language therapist, social worker"),
            box("name", "Name", 200),
            box("organisation", "Organisation or team", 200,
                "For example, Burton Hospitals speech and language therapy"),
            box("contact", "Phone number or email address (optional)", 200))


class ProfessionalsForm(FlaskForm):
    """The child's GP and other professionals involved. The others are stored as one list ("others")."""

    gp_name = StringField("GP's name (optional)", widget=GovTextInput(), filters=[strip],
                          description="For example, Dr Priya Patel. Leave this empty if you do not know it.",
                          validators=[Optional(), at_most(200, "GP's name")])
    gp_surgery = StringField("GP surgery", widget=GovTextInput(), filters=[strip],
                             description="The surgery's name and town, for example, Stapenhill Surgery, Burton",
                             validators=[DataRequired("Enter your child's GP surgery"), at_most(200, "GP surgery")])
    gp_phone = StringField("GP surgery phone number (optional)", widget=GovTextInput(), filters=[strip],
                           validators=[Optional(), at_most(30, "GP surgery phone number")])
    # One set of boxes for each of fields.OTHER_PROFESSIONALS, named other_<number>_<part>.
    other_1_role, other_1_name, other_1_organisation, other_1_contact = _other_professional(1)
    other_2_role, other_2_name, other_2_organisation, other_2_contact = _other_professional(2)
    other_3_role, other_3_name, other_3_organisation, other_3_contact = _other_professional(3)
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for number in range(1, family_fields.OTHER_PROFESSIONALS + 1):
            boxes = {part: self[f"other_{number}_{part}"] for part in _OTHER_PARTS}
            if not any(box.data for box in boxes.values()):
                continue
            if not boxes["role"].data:
                boxes["role"].errors = [*boxes["role"].errors, f"Enter professional {number}'s role"]
                ok = False
            if not boxes["name"].data and not boxes["organisation"].data:
                boxes["name"].errors = [*boxes["name"].errors,
                                        f"Enter professional {number}'s name, or their organisation or team"]
                ok = False
        return ok

    @staticmethod
    def pack(answers: dict) -> dict:
        """The other professionals' boxes as one list of those with anything in them."""
        others = []
        for number in range(1, family_fields.OTHER_PROFESSIONALS + 1):
            entry = {part: answers.pop(f"other_{number}_{part}", None) or "" for part in _OTHER_PARTS}
            if any(entry.values()):
                others.append(entry)
        return {**answers, "others": others}

    @staticmethod
    def unpack(data: dict) -> dict:
        out = {k: v for k, v in data.items() if k != "others"}
        for number, entry in enumerate(data.get("others") or [], start=1):
            out.update({f"other_{number}_{part}": entry.get(part, "") for part in _OTHER_PARTS})
        return out


SECTION_FORMS = {"child": ChildForm, "people": PeopleForm, "needs": NeedsForm, "story": StoryForm,
                 "professionals": ProfessionalsForm}


def form_data(form: FlaskForm) -> dict:
    """The answers to keep, as JSON: only the fields without errors (so nothing valid is lost)."""
    out = {}
    for field in form:
        if field.name in ("csrf_token", "submit") or field.errors:
            continue
        value = field.data
        if isinstance(value, date | datetime):
            value = value.isoformat()
        out[field.name] = value
    return form.pack(out) if hasattr(form, "pack") else out


def fill(form: FlaskForm, data: dict) -> None:
    """Put saved answers back into a form shown again."""
    if hasattr(form, "unpack"):
        data = form.unpack(data)
    for field in form:
        if field.name in data and field.name not in ("csrf_token", "submit"):
            value = data[field.name]
            if isinstance(field, DateField) and value:
                value = date.fromisoformat(value)
            field.data = value


class ChooseServicesForm(FlaskForm):
    services = SelectMultipleField("Choose the services to refer to", widget=GovCheckboxesInput(),
                                   filters=[drop_blanks], validators=[DataRequired("Select at least one service")],
                                   invalid_choice_message="Select services from the list shown")
    submit = SubmitField("Continue", widget=GovSubmitInput())


def consent_form(service_ids: list[str], can_skip_consent: bool) -> type[FlaskForm]:
    """A form with consent questions for each chosen service (fields named by the service's position)."""
    givers = [SelectChoice(v, CONSENT_GIVER_LABELS[v]) for v in CONSENT_GIVERS]
    methods = [SelectChoice(v, CONSENT_METHOD_LABELS[v]) for v in CONSENT_METHODS]
    fields: dict = {}
    for i, _service_id in enumerate(service_ids):
        fields[f"given_by_{i}"] = RadioField("Who gave consent?", widget=GovRadioInput(), choices=givers,
                                             filters=[strip], validators=[Optional()],
                                             invalid_choice_message="Select who gave consent")
        fields[f"method_{i}"] = RadioField("How was consent given?", widget=GovRadioInput(), choices=methods,
                                           filters=[strip], validators=[Optional()],
                                           invalid_choice_message="Select how consent was given")
        fields[f"when_{i}"] = UKDateField("When was consent given?", missing="Enter the date consent was given",
                                          default=date.today, validators=[Optional(), _past_or_today])
        if can_skip_consent:
            fields[f"reason_{i}"] = TextAreaField(
                "Safeguarding only: why this referral must go without consent", widget=GovTextArea(),
                filters=[strip], validators=[Optional(), at_most(2000, "The safeguarding reason")])
    fields["submit"] = SubmitField("Continue", widget=GovSubmitInput())

    def validate(self, extra_validators=None):
        ok = FlaskForm.validate(self, extra_validators)
        for i in range(len(service_ids)):
            reason = getattr(self, f"reason_{i}", None)
            if reason is not None and reason.data:
                continue
            for name, message in ((f"given_by_{i}", "Select who gave consent"),
                                  (f"method_{i}", "Select how consent was given"),
                                  (f"when_{i}", "Enter the date consent was given")):
                if not getattr(self, name).data:
                    getattr(self, name).errors = [*getattr(self, name).errors, message]
                    ok = False
        return ok

    return type("ConsentForm", (FlaskForm,), {**fields, "validate": validate})
