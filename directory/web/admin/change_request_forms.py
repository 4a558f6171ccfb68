"""Admin forms: deciding a change request, restoring an earlier version of a listing."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from directory.listings.change_requests import MAX_REASON
from directory.web.validators import at_most, strip


class DecideForm(FlaskForm):
    version = HiddenField()
    decision = RadioField("Do you approve this change?", widget=GovRadioInput(),
                          choices=[SelectChoice("approve", "Approve: publish it now"),
                                   SelectChoice("reject", "Reject: the listing stays as it is")],
                          validators=[InputRequired("Select approve or reject")])
    reason = TextAreaField("Reason", widget=GovTextArea(), filters=[strip],
                           description="The service lead is emailed it. You must give one when you reject a change.",
                           validators=[at_most(MAX_REASON, "The reason")])
    submit = SubmitField("Save decision", widget=GovSubmitInput())

    def validate_reason(self, field):
        if self.decision.data == "reject" and not field.data:
            raise ValidationError("Enter the reason you are rejecting this change: the service lead will be told it")

    def version_number(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class RestoreForm(FlaskForm):
    submit = SubmitField("Restore this version", widget=GovSubmitInput())
