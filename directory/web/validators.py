"""Filters and validators shared by the site's forms, with GOV.UK wording."""

from wtforms.validators import Length, ValidationError

from directory.postcodes import PostcodeError, normalise_postcode, normalise_postcode_or_outward_code

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def strip(value):
    return value.strip() if isinstance(value, str) else value


def at_most(limit: int, what: str) -> Length:
    """A length limit with GOV.UK wording: "First name must be 100 characters or fewer"."""
    return Length(max=limit, message=f"{what} must be {limit} characters or fewer")


def drop_blanks(values):
    """For multi-selects: a blank or repeated value (a hidden "none" box, a doubled or tampered post) is not
    a choice; keep the rest in the order sent."""
    if not values:
        return values
    kept = []
    for value in values:
        if isinstance(value, str) and value.strip() and value not in kept:
            kept.append(value)
    return kept


def postcode(form, field):
    """A real UK postcode, normalised ("b797bz" -> "B79 7BZ"); empty passes (add InputRequired if needed)."""
    if field.data:
        try:
            field.data = normalise_postcode(field.data)
        except PostcodeError as error:
            raise ValidationError(str(error)) from None


def postcode_or_outward_code(form, field):
    """A real UK postcode or its outward code alone ("b79" -> "B79"), where only the area matters (the checker,
    search); empty passes. A family record's address keeps `postcode`: services write to it."""
    if field.data:
        try:
            field.data = normalise_postcode_or_outward_code(field.data)
        except PostcodeError as error:
            raise ValidationError(str(error)) from None


def age_in_years(form, field):
    """A child's age: a whole number from 0 to 25; empty passes."""
    if not field.data:
        return
    # ASCII digits only: str.isdigit() also accepts "²", which int() cannot read.
    if not (field.data.isascii() and field.data.isdigit()):
        raise ValidationError("Enter your child's age as a whole number, like 7")
    if len(field.data) > 2 or int(field.data) > 25:
        raise ValidationError("Enter an age from 0 to 25")
