"""Forms on the public pages (GET forms: no CSRF token, nothing stored)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, InputRequired

from directory.web.validators import postcode_or_outward_code, strip


class _GetForm(FlaskForm):
    class Meta:
        csrf = False


class PostcodeForm(_GetForm):
    postcode = StringField(
        "Postcode",
        widget=GovTextInput(),
        description="For example, ST16 3NE",
        filters=[strip],
        validators=[DataRequired(message="Enter a postcode"), postcode_or_outward_code],
    )


class DistrictForm(_GetForm):
    district = RadioField(
        "Which area do you live in?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the area you live in")],
        invalid_choice_message="Select the area you live in from the list",
    )
