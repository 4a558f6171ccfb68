"""Admin forms."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from directory.web.validators import EMAIL_FORMAT, at_most, drop_blanks, strip

ROLE_CHOICES = [
    SelectChoice("key_worker", "Key worker"),
    SelectChoice("service_lead", "Service lead"),
    SelectChoice("admin", "Directory admin"),
    SelectChoice("information_governance", "Information governance (subject access requests)"),
    SelectChoice("family", "Family (parent, carer or young person)"),
]


class InviteForm(FlaskForm):
    name = StringField("Full name", widget=GovTextInput(), filters=[strip],
                       validators=[DataRequired("Enter the person's full name"), at_most(200, "Their name")])
    email = StringField("Email address", widget=GovTextInput(), filters=[strip],
                        validators=[DataRequired("Enter their email address"), Email(EMAIL_FORMAT)])
    roles = SelectMultipleField("Roles", widget=GovCheckboxesInput(), choices=ROLE_CHOICES, filters=[drop_blanks],
                                invalid_choice_message="Select roles from the list",
                                validators=[DataRequired("Select at least one role")])
    districts = SelectMultipleField("Areas they take new families from (key workers)", widget=GovCheckboxesInput(),
                                    filters=[drop_blanks], invalid_choice_message="Select areas from the list")
    services = SelectMultipleField("Services they lead (service leads)", widget=GovCheckboxesInput(),
                                   filters=[drop_blanks], invalid_choice_message="Select services from the list")
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

    def validate_services(self, field):
        if "service_lead" in (self.roles.data or []) and not field.data:
            raise ValidationError("Select the services this service lead works for")


class ResetSecondFactorForm(FlaskForm):
    reason = TextAreaField("Why are you resetting it?", widget=GovTextArea(), filters=[strip],
                           description="For example, how you checked that the request came from them. This goes in "
                                       "the audit log.",
                           validators=[DataRequired("Enter why you are resetting this person's second factor"),
                                       Length(max=500, message="The reason must be 500 characters or fewer")])
    submit = SubmitField("Reset their second factor", widget=GovSubmitInput())
