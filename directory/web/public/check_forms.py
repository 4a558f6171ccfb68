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
from wtforms.validators import DataRequired, InputRequired, ValidationError

from directory.web.validators import age_in_years, drop_blanks, postcode, strip

EHCP_CHOICES = [
    SelectChoice("none", "No"),
    SelectChoice("requested", "We have asked for one"),
    SelectChoice("in_place", "Yes"),
    SelectChoice("not_sure", "I'm not sure"),
]


class CheckForm(FlaskForm):
    age = StringField("How old is your child?", widget=GovTextInput(), description="In whole years, for example 7",
                      filters=[strip], validators=[DataRequired(message="Enter your child's age"), age_in_years])
    postcode = StringField("Your postcode", widget=GovTextInput(), description="For example, ST16 3NE",
                           filters=[strip], validators=[postcode])
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
    submit = SubmitField("Check", widget=GovSubmitInput())


    def validate_district(self, field):
        if not field.data and not self.postcode.data:
            raise ValidationError("Enter your postcode or choose your area")
        if field.data and field.data not in {choice.value for choice in field.iter_choices()}:
            raise ValidationError("Choose your area from the list")
