"""Admin forms for the search thesaurus: finding groups (GET), a group's phrases, kind, categories and needs, and
deleting one."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from directory.thesaurus_admin import KIND_NAMES, MAX_PHRASE, MAX_PHRASES
from directory.web.validators import drop_blanks, strip

KIND_CHOICES = [SelectChoice(code, name) for code, name in KIND_NAMES.items()]
# A generous bound on what a text box may hold: every phrase at its longest, one a line.
MAX_TEXT = MAX_PHRASES * (MAX_PHRASE + 2)


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ThesaurusSearchForm(FlaskForm):
    """Any kind it does not know is ignored."""

    class Meta:
        csrf = False

    kind = SelectField("Kind", widget=GovSelect(), validate_choice=False,
                       choices=[SelectChoice("", "Any kind"), *KIND_CHOICES])
    phrase = StringField("Phrase", widget=GovTextInput(), filters=[strip, lambda v: (v or "")[:MAX_PHRASE]])
    submit = SubmitField("Find", widget=GovSubmitInput())


class GroupForm(FlaskForm):
    phrases = TextAreaField(
        "Phrases", widget=GovTextArea(), filters=[strip],
        description="One a line. A search for any of them finds services whose listing says any other.",
        validators=[DataRequired("Enter at least one phrase"),
                    Length(max=MAX_TEXT, message=f"Enter at most {MAX_PHRASES} phrases")])
    query_only = TextAreaField(
        "Phrases understood only in searches (optional)", widget=GovTextArea(), filters=[strip],
        description="One a line. Words that are also ordinary English, such as “add” for ADD: a search for them "
                    "finds this group, but a listing that uses them is not taken to mean it.",
        validators=[Length(max=MAX_TEXT, message=f"Enter at most {MAX_PHRASES} phrases")])
    kind = RadioField("What kind of words are they?", widget=GovRadioInput(), choices=KIND_CHOICES,
                      validators=[InputRequired("Select what kind of words the group holds")])
    categories = SelectMultipleField(
        "Categories of service these words describe (optional)", widget=GovCheckboxesInput(), filters=[drop_blanks],
        description="A search for the group also finds every service in these categories.",
        invalid_choice_message="Select categories from the list")
    needs = SelectMultipleField(
        "Needs these words describe (optional)", widget=GovCheckboxesInput(), filters=[drop_blanks],
        description="A search for the group also finds every service for these needs.",
        invalid_choice_message="Select needs from the list")
    submit = SubmitField("Save group", widget=GovSubmitInput())


class DeleteGroupForm(FlaskForm):
    submit = SubmitField("Delete group", widget=GovSubmitInput())
