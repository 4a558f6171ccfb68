"""Forms for the fields a service lead publishes at once."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import IntegerField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, NumberRange, Optional, StopValidation

from directory.listings.quick_edits import RESPONSE_DAYS, WAIT_WEEKS
from directory.web.validators import EMAIL_FORMAT, at_most, strip


class WholeNumberField(IntegerField):
    """A whole number, with a GOV.UK message when it is not one."""

    def __init__(self, *args, not_a_number: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        self.bad_number = False
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = int(valuelist[0].strip())
            except ValueError:
                self.bad_number = True

    def pre_validate(self, form):
        if getattr(self, "bad_number", False):
            raise StopValidation(self.not_a_number)


class WaitingTimeForm(FlaskForm):
    weeks = WholeNumberField(
        "How many weeks is the wait for a new referral now?", widget=GovTextInput(),
        description="In weeks, for example 18. Enter 0 if there is no wait. Families see it straight away.",
        not_a_number="The waiting time must be a whole number of weeks, like 18",
        validators=[InputRequired("Enter the waiting time in weeks"),
                    NumberRange(*WAIT_WEEKS, message=f"The waiting time must be between {WAIT_WEEKS[0]} and "
                                                     f"{WAIT_WEEKS[1]} weeks")])
    submit = SubmitField("Publish waiting time", widget=GovSubmitInput())


class AcceptingForm(FlaskForm):
    accepting = RadioField("Is the service taking new referrals?", widget=GovRadioInput(),
                           choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
                           invalid_choice_message="Select yes if the service is taking new referrals",
                           validators=[InputRequired("Select yes if the service is taking new referrals")])
    submit = SubmitField("Publish", widget=GovSubmitInput())


class ResponseTargetForm(FlaskForm):
    days = WholeNumberField(
        "How many working days does the service aim to take to answer a referral?", widget=GovTextInput(),
        description="For example, 10. Reminders are sent when a referral has no reply by then.",
        not_a_number="The response target must be a whole number of working days, like 10",
        validators=[InputRequired("Enter the response target in working days"),
                    NumberRange(*RESPONSE_DAYS, message=f"The response target must be between {RESPONSE_DAYS[0]} "
                                                        f"and {RESPONSE_DAYS[1]} working days")])
    submit = SubmitField("Publish response target", widget=GovSubmitInput())


class ReferralEmailForm(FlaskForm):
    email = StringField("Referral email address", widget=GovTextInput(), filters=[strip],
                        description="Where referrals made through this site are emailed when nobody answers them "
                                    "here. It is never published. Leave it empty to remove it.",
                        validators=[Optional(), Email(EMAIL_FORMAT), at_most(320, "The email address")])
    submit = SubmitField("Save referral email address", widget=GovSubmitInput())


class StillCorrectForm(FlaskForm):
    submit = SubmitField("Still correct", widget=GovSubmitInput())
