"""The eligibility editor's form: age range, districts, who it is for, EHC plan, "not for", who can refer, and a
sample child to try the rule on."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, StopValidation

from directory.listings import eligibility_editor as editor
from directory.web.validators import drop_blanks, strip

TOLD_HINT = "Plain English. Without it, families see a reason made from the condition."
YES_NO_UNKNOWN = [SelectChoice("", "Not known"), SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
YES_NO_INVALID = "Select yes, no or not known"


class WholeNumberField(IntegerField):
    """A whole number, or a GOV.UK message when it is not one (empty is None)."""

    def __init__(self, *args, not_a_number: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        self.bad_number, self.data = False, None
        if valuelist and valuelist[0].strip():
            text = valuelist[0].strip()
            if text.isascii() and text.isdigit() and len(text) <= 3:
                self.data = int(text)
            else:
                self.bad_number = True

    def pre_validate(self, form):
        if getattr(self, "bad_number", False):
            raise StopValidation(self.not_a_number)


def _codes(label: str, hint: str | None = None) -> SelectMultipleField:
    return SelectMultipleField(label, widget=GovCheckboxesInput(), description=hint, filters=[drop_blanks],
                               invalid_choice_message="Select from the list", choices=[])


def _told(what: str) -> TextAreaField:
    return TextAreaField(f"What families are told when {what} rules their child out (optional)", widget=GovTextArea(),
                         description=TOLD_HINT, filters=[strip])


class EligibilityForm(FlaskForm):
    min_age = WholeNumberField("Youngest age", widget=GovTextInput(), description="In whole years, for example 0",
                               not_a_number="The youngest age must be a whole number, like 5",
                               validators=[InputRequired("Enter the youngest age the service is for")])
    max_age = WholeNumberField("Oldest age", widget=GovTextInput(), description="In whole years, for example 18",
                               not_a_number="The oldest age must be a whole number, like 18",
                               validators=[InputRequired("Enter the oldest age the service is for")])
    areas = _codes("Which districts does the service cover?", "Select all that apply")
    needs = _codes("Needs", "Special educational needs: a child with any of these is eligible")
    need_areas = _codes("Areas of need", "A child with a need in any of these areas is eligible")
    diagnoses = _codes("Diagnoses", "A child diagnosed with any of these is eligible")
    suspected = _codes("Possible conditions (no diagnosis needed)",
                       "A child who you or a professional think may have any of these is eligible")
    for_message = _told("not having any of these")
    ehcp = RadioField("Which children can use the service, by education, health and care (EHC) plan?",
                      widget=GovRadioInput(), choices=[SelectChoice(k, v) for k, v in editor.EHCP_LABELS.items()],
                      default="any", invalid_choice_message="Select which children the service is for, by EHC plan")
    ehcp_message = _told("their EHC plan")
    not_for = SelectMultipleField(
        "Not for children who:", widget=GovCheckboxesInput(), filters=[drop_blanks],
        choices=[SelectChoice("not_in_education", "are not in school, college or other education"),
                 SelectChoice("looked_after", "are looked after by the council (in care)")],
        invalid_choice_message="Select from the list")
    in_education_message = _told("not being in education")
    not_looked_after_message = _told("being looked after")
    not_diagnosed = _codes("Not for children already diagnosed with:",
                           "For example, an assessment service is not for children who already have the diagnosis")
    not_diagnosed_message = _told("a diagnosis")
    not_suspected = _codes("Not for children thought to have (and waiting for an assessment of):")
    not_suspected_message = _told("a possible condition")
    referrers = _codes("Who can refer?", "Leave all unticked when referrals only come through another service")

    sample_age = WholeNumberField(
        "The sample child's age", widget=GovTextInput(), description="In whole years. Leave blank if not known",
        not_a_number="The sample child's age must be a whole number, like 7",
        validators=[Optional(), NumberRange(0, editor.OLDEST,
                                            message=f"The sample child's age must be from 0 to {editor.OLDEST}")])
    sample_district = SelectField("Where the sample child lives", widget=GovSelect(), choices=[], default="",
                                  invalid_choice_message="Select a district from the list")
    sample_needs = _codes("The sample child's needs", "Leave all unticked for none")
    sample_diagnoses = _codes("The sample child's diagnoses", "Leave all unticked for none")
    sample_suspected = _codes("Conditions the sample child may have", "Leave all unticked for none")
    sample_ehcp = RadioField(
        "Does the sample child have an EHC plan?", widget=GovRadioInput(), validators=[Optional()], default="",
        choices=[SelectChoice("", "Not known"), SelectChoice("none", "No EHC plan"),
                 SelectChoice("requested", "Asked for one"), SelectChoice("in_place", "Has an EHC plan")],
        invalid_choice_message="Select the sample child's EHC plan from the list")
    sample_in_education = RadioField(
        "Is the sample child in school, college or other education?", widget=GovRadioInput(),
        choices=YES_NO_UNKNOWN, validators=[Optional()], default="", invalid_choice_message=YES_NO_INVALID)
    sample_looked_after = RadioField(
        "Is the sample child looked after by the council (in care)?", widget=GovRadioInput(),
        choices=YES_NO_UNKNOWN, validators=[Optional()], default="", invalid_choice_message=YES_NO_INVALID)

    preview = SubmitField("Show the rule in plain English", widget=GovSubmitInput())
    try_it = SubmitField("Try it", widget=GovSubmitInput())
    save = SubmitField("Send for approval", widget=GovSubmitInput())

    def set_choices(self, found: editor.Choices) -> None:
        for name, pairs in (("areas", found.districts), ("needs", found.needs), ("need_areas", found.need_areas),
                            ("diagnoses", found.conditions), ("suspected", found.conditions),
                            ("not_diagnosed", found.conditions), ("not_suspected", found.conditions),
                            ("referrers", found.referrers), ("sample_needs", found.needs),
                            ("sample_diagnoses", found.conditions), ("sample_suspected", found.conditions)):
            getattr(self, name).choices = [SelectChoice(code, label) for code, label in pairs]
        self.sample_district.choices = [SelectChoice("", "Not known")] + [
            SelectChoice(code, label) for code, label in found.districts]

    def fill(self, answers: dict) -> None:
        """Show the listing's current answers (on the first visit)."""
        for name in ("min_age", "max_age", "areas", "referrers", *editor.FOR_FIELDS, "for_message", "ehcp",
                     "ehcp_message", "in_education_message", "not_looked_after_message", "not_diagnosed",
                     "not_diagnosed_message", "not_suspected", "not_suspected_message"):
            getattr(self, name).data = answers.get(name)
        self.not_for.data = ([*(["not_in_education"] if answers.get("in_education") else []),
                              *(["looked_after"] if answers.get("not_looked_after") else [])])

    def answers(self) -> dict:
        answers = {name: getattr(self, name).data for name in (
            "min_age", "max_age", *editor.FOR_FIELDS, "for_message", "ehcp", "ehcp_message", "in_education_message",
            "not_looked_after_message", "not_diagnosed", "not_diagnosed_message", "not_suspected",
            "not_suspected_message")}
        answers["areas"], answers["referrers"] = self.areas.data or [], self.referrers.data or []
        for name in (*editor.FOR_FIELDS, "not_diagnosed", "not_suspected"):
            answers[name] = answers[name] or []
        for name in ("for_message", "ehcp_message", "in_education_message", "not_looked_after_message",
                     "not_diagnosed_message", "not_suspected_message"):
            answers[name] = answers[name] or ""
        chosen = self.not_for.data or []
        answers["in_education"], answers["not_looked_after"] = "not_in_education" in chosen, "looked_after" in chosen
        return answers

    def sample(self) -> dict:
        return {"age": self.sample_age.data, "district": self.sample_district.data or None,
                "needs": self.sample_needs.data or [], "diagnoses": self.sample_diagnoses.data or [],
                "suspected": self.sample_suspected.data or [], "ehcp": self.sample_ehcp.data or None,
                "in_education": self.sample_in_education.data or None,
                "looked_after": self.sample_looked_after.data or None}
