"""Forms on the public pages (GET forms: no CSRF token, nothing stored)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired, ValidationError

from directory.postcodes import PostcodeError, normalise_postcode


class _GetForm(FlaskForm):
    class Meta:
        csrf = False


def _postcode(form, field):
    try:
        field.data = normalise_postcode(field.data)
    except PostcodeError as error:
        raise ValidationError(str(error)) from None


class PostcodeForm(_GetForm):
    postcode = StringField(
        "Postcode",
        widget=GovTextInput(),
        description="For example, ST16 3NE",
        filters=[lambda value: value.strip() if value else value],
        validators=[InputRequired(message="Enter a postcode"), _postcode],
    )


class DistrictForm(_GetForm):
    district = RadioField(
        "Which area do you live in?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the area you live in")],
    )
