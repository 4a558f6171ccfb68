"""Filters and validators shared by the site's forms, with GOV.UK wording."""

from wtforms.validators import ValidationError

from directory.postcodes import PostcodeError, normalise_postcode

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def strip(value):
    return value.strip() if isinstance(value, str) else value


def postcode(form, field):
    """A real UK postcode, normalised ("b797bz" -> "B79 7BZ"); empty passes (add InputRequired if needed)."""
    if field.data:
        try:
            field.data = normalise_postcode(field.data)
        except PostcodeError as error:
            raise ValidationError(str(error)) from None


def age_in_years(form, field):
    """A child's age: a whole number from 0 to 25; empty passes."""
    if not field.data:
        return
    if not field.data.isdigit():
        raise ValidationError("Enter your child's age as a whole number, like 7")
    if int(field.data) > 25:
        raise ValidationError("Enter an age from 0 to 25")
