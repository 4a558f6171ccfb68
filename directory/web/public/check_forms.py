"""The "check what my child might get" form: a few facts in plain words; nothing is stored."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from directory.web.validators import age_in_years, drop_blanks, postcode_or_outward_code, strip

EHCP_CHOICES = [
    SelectChoice("none", "No"),
    SelectChoice("requested", "We have asked for one"),
    SelectChoice("in_place", "Yes"),
    SelectChoice("not_sure", "I'm not sure"),
]
NOT_SURE = "not_sure"
YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No"), SelectChoice(NOT_SURE, "I'm not sure")]
# The codes the rules read: -1 nursery (or not at school yet), 0 reception, then years 1 to 14.
SCHOOL_YEARS = [SelectChoice("", "Not sure, or not in a school year"),
                SelectChoice("-1", "Nursery or not at school yet"), SelectChoice("0", "Reception")]
SCHOOL_YEARS += [SelectChoice(str(year), f"Year {year}") for year in range(1, 15)]


def months_over(form, field):
    """Months since the last birthday: a whole number from 0 to 11; empty passes."""
    if not field.data:
        return
    # Length first: int() refuses a string of thousands of digits.
    if not (field.data.isascii() and field.data.isdigit()) or len(field.data) > 2 or int(field.data) > 11:
        raise ValidationError("Enter the months as a whole number from 0 to 11, like 6")


class CheckForm(FlaskForm):
    age = StringField("How old is your child?", widget=GovTextInput(), description="In whole years, for example 7",
                      filters=[strip], validators=[DataRequired(message="Enter your child's age"), age_in_years])
    months = StringField("And how many months? (optional)", widget=GovTextInput(),
                         description="Months since their last birthday, from 0 to 11. Some services for young "
                                     "children go by age in months", filters=[strip], validators=[months_over])
    postcode = StringField("Your postcode", widget=GovTextInput(),
                           description="For example, ST16 3NE, or just the first part, like ST16",
                           filters=[strip], validators=[postcode_or_outward_code])
    district = SelectField("Or choose your area", widget=GovSelect(), validate_choice=False, filters=[strip])
    needs = SelectMultipleField("What does your child need help with?", widget=GovCheckboxesInput(),
                                description="Select all that apply", filters=[drop_blanks],
                                invalid_choice_message="Select the areas your child needs help with from the list")
    diagnoses = SelectMultipleField("Has your child been diagnosed with any of these?", widget=GovCheckboxesInput(),
                                    description="Select all that apply", filters=[drop_blanks],
                                    invalid_choice_message="Select diagnoses from the list")
    suspected = SelectMultipleField("Do you or a professional think your child may have any of these?",
                                    widget=GovCheckboxesInput(), description="A diagnosis is not needed",
                                    filters=[drop_blanks], invalid_choice_message="Select conditions from the list")
    ehcp = RadioField("Does your child have an education, health and care (EHC) plan?", widget=GovRadioInput(),
                      choices=EHCP_CHOICES, invalid_choice_message="Select whether your child has an EHC plan",
                      validators=[InputRequired(message="Select whether your child has an EHC plan")])
    school_year = SelectField("Which school year is your child in? (optional)", widget=GovSelect(),
                              choices=SCHOOL_YEARS, filters=[strip], validators=[Optional()],
                              invalid_choice_message="Choose a school year from the list")
    in_education = RadioField("Is your child in school, college or other education? (optional)",
                              widget=GovRadioInput(), choices=YES_NO, validators=[Optional()],
                              invalid_choice_message="Select yes, no or I'm not sure")
    looked_after = RadioField("Is your child looked after by the council (in care)? (optional)",
                              widget=GovRadioInput(), choices=YES_NO, validators=[Optional()],
                              invalid_choice_message="Select yes, no or I'm not sure")
    submit = SubmitField("Check", widget=GovSubmitInput())

    def validate_district(self, field):
        if not field.data and not self.postcode.data:
            raise ValidationError("Enter your postcode or choose your area")
        if field.data and field.data not in {choice.value for choice in field.iter_choices()}:
            raise ValidationError("Choose your area from the list")
