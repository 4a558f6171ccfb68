"""One GOV.UK form for each change to a service referral (directory.referrals.lifecycle.ACTIONS). Each carries
the version of the referral the page showed, so a change made on an older page is refused, not applied."""

import re
from datetime import datetime, time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from directory.referrals.lifecycle import MAX_TEXT, MAX_WAIT_WEEKS
from directory.referrals.words import CLOSE_OUTCOMES, DECLINE_REASONS
from directory.web.referrals.forms import UKDateField
from directory.web.validators import at_most, strip
from directory.working_days import LONDON

TIME = re.compile(r"\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s*", re.IGNORECASE)


class ActionForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def values(self) -> dict:
        """What lifecycle.act takes for this action."""
        return {}

    def version_number(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1  # a missing or altered version is never current: the change is refused as stale


def _text(label: str, required: str | None, hint: str | None = None, what: str = "Your text") -> TextAreaField:
    # DataRequired: checked after stripping, so spaces alone are missing too.
    validators = [DataRequired(message=required)] if required else [Optional()]
    return TextAreaField(label, validators=[*validators, at_most(MAX_TEXT, what)], filters=[strip],
                         widget=GovTextArea(), description=hint or "")


class PlainForm(ActionForm):
    """Acknowledge, accept, accept an appointment: a note is optional."""

    text = _text("Add a note (optional)", None)

    def values(self) -> dict:
        return {"text": self.text.data}


class QuestionForm(ActionForm):
    text = _text("Your question", "Enter your question",
                 "The family and their key worker will see it and can answer it here.")

    def values(self) -> dict:
        return {"text": self.text.data}


class AnswerForm(ActionForm):
    text = _text("Your answer", "Enter your answer", "The service will see your answer here.")

    def values(self) -> dict:
        return {"text": self.text.data}


class WaitListForm(ActionForm):
    weeks = IntegerField("How many weeks is the wait expected to be?", widget=GovTextInput(),
                         validators=[InputRequired(message="Enter how many weeks the wait is expected to be"),
                                     NumberRange(0, MAX_WAIT_WEEKS, message="Enter a number of weeks from 0 to "
                                                                            f"{MAX_WAIT_WEEKS}")],
                         description="For example, 18. The family will see this.")
    text = _text("Add a note for the family (optional)", None)

    def values(self) -> dict:
        return {"weeks": self.weeks.data, "text": self.text.data}


def _read_time(value: str) -> time | None:
    match = TIME.fullmatch(value or "")
    if not match:
        return None
    hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class AppointmentForm(ActionForm):
    day = UKDateField("Date of the appointment", missing="Enter the date of the appointment",
                      description="For example, 27 3 2027",
                      validators=[InputRequired("Enter the date of the appointment")])
    at_time = StringField("Time", widget=GovTextInput(), filters=[strip],
                          validators=[DataRequired(message="Enter the time of the appointment")],
                          description="For example, 10:30am or 14:15")
    video = BooleanField("This is a video call", widget=GovCheckboxInput())
    place = StringField("Where is it?", widget=GovTextInput(), filters=[strip],
                        validators=[Optional(), at_most(300, "Where it is")],
                        description="The address or the building. Leave it empty for a video call.")
    text = _text("Anything the family should know (optional)", None)

    def validate_at_time(self, field):
        if field.data and _read_time(field.data) is None:
            raise ValidationError("Enter a real time, like 10:30am or 14:15")

    def validate(self, extra_validators=None) -> bool:
        # Checked here, not in validate_place: Optional() stops an empty field's own validators.
        valid = super().validate(extra_validators)
        if not self.place.data and not self.video.data:
            self.place.errors = [*self.place.errors, "Enter where the appointment is, or say it is a video call"]
            return False
        return valid

    def values(self) -> dict:
        at = datetime.combine(self.day.data, _read_time(self.at_time.data), tzinfo=LONDON)
        return {"at": at, "video": self.video.data, "place": self.place.data, "text": self.text.data}


def _reasons(label: str, words: dict[str, str], message: str) -> RadioField:
    return RadioField(label, choices=[SelectChoice(code, text) for code, text in words.items()],
                      validators=[InputRequired(message=message)], widget=GovRadioInput())


class CloseForm(ActionForm):
    reason = _reasons("What was the outcome?", CLOSE_OUTCOMES, "Select the outcome")
    text = _text("More detail (needed if you chose other)", None)
    other_needs = "Enter the outcome"

    def validate(self, extra_validators=None) -> bool:
        # Checked here, not in validate_text: Optional() stops an empty field's own validators.
        valid = super().validate(extra_validators)
        if self.reason.data == "other" and not self.text.data:
            self.text.errors = [*self.text.errors, self.other_needs]
            return False
        return valid

    def values(self) -> dict:
        return {"reason": self.reason.data, "text": self.text.data}


class DeclineForm(CloseForm):
    reason = _reasons("Why are you declining the referral?", DECLINE_REASONS, "Select why you are declining it")
    text = _text("Explain for the family and key worker (needed if you chose other)", None,
                 "Say what might help instead. The key worker will be shown other services the child may be "
                 "eligible for.")
    other_needs = "Enter why you are declining it"


class WithdrawForm(ActionForm):
    text = _text("Why is the referral being withdrawn?", "Enter why the referral is being withdrawn",
                 "The service will be told it has been withdrawn.")

    def values(self) -> dict:
        return {"text": self.text.data}


class RearrangeForm(ActionForm):
    text = _text("What times would suit you better?", "Enter what would suit you better")

    def values(self) -> dict:
        return {"text": self.text.data}


FORMS: dict[str, type[ActionForm]] = {
    "acknowledge": PlainForm, "ask": QuestionForm, "accept": PlainForm, "wait_list": WaitListForm,
    "offer_appointment": AppointmentForm, "close": CloseForm, "decline": DeclineForm, "answer": AnswerForm,
    "withdraw": WithdrawForm, "accept_appointment": PlainForm, "ask_to_rearrange": RearrangeForm,
}
