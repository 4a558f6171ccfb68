"""Admin forms for managing people: the search of accounts (GET), roles, services, districts, caseload limit,
deactivation (one question per family) and reactivation."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, ValidationError

from directory.people_admin import MAX_CASELOAD
from directory.web.admin.forms import ROLE_CHOICES
from directory.web.validators import drop_blanks, strip

MAX_WORDS = 200
TO_QUEUE = "queue"


class PeopleSearchForm(FlaskForm):
    """Posted and kept in the session (directory.web.kept_filters); any role or status the list does not know is
    ignored."""

    class Meta:
        csrf = False

    q = StringField("Name or email address", widget=GovTextInput(),
                    filters=[strip, lambda v: (v or "")[:MAX_WORDS]])
    role = SelectField("Role", widget=GovSelect(), validate_choice=False,
                       choices=[SelectChoice("", "Any role"), *ROLE_CHOICES])
    status = SelectField("Status", widget=GovSelect(), validate_choice=False,
                         choices=[SelectChoice("", "Active or deactivated"), SelectChoice("active", "Active"),
                                  SelectChoice("deactivated", "Deactivated")])
    submit = SubmitField("Search", widget=GovSubmitInput())


class RolesForm(FlaskForm):
    roles = SelectMultipleField("Roles", widget=GovCheckboxesInput(), choices=ROLE_CHOICES, filters=[drop_blanks],
                                invalid_choice_message="Select roles from the list",
                                validators=[DataRequired("Select at least one role")])
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class ServicesForm(FlaskForm):
    services = SelectMultipleField("Services they lead", widget=GovCheckboxesInput(), filters=[drop_blanks],
                                   invalid_choice_message="Select services from the list")
    submit = SubmitField("Save services", widget=GovSubmitInput())


class DistrictsForm(FlaskForm):
    districts = SelectMultipleField("Areas they take new families from", widget=GovCheckboxesInput(),
                                    filters=[drop_blanks], invalid_choice_message="Select areas from the list")
    submit = SubmitField("Save areas", widget=GovSubmitInput())


def whole_number_to_max(form, field):
    if not field.data:
        return
    if not (field.data.isascii() and field.data.isdigit()):
        raise ValidationError("Enter the caseload limit as a whole number, like 20")
    if len(field.data) > 3 or int(field.data) > MAX_CASELOAD:
        raise ValidationError(f"Enter a caseload limit from 0 to {MAX_CASELOAD}")


class CaseloadForm(FlaskForm):
    limit = StringField("Caseload limit", widget=GovTextInput(), filters=[strip], validators=[whole_number_to_max])
    submit = SubmitField("Save caseload limit", widget=GovSubmitInput())

    @property
    def value(self) -> int | None:
        return int(self.limit.data) if self.limit.data else None


class DeactivateForm(FlaskForm):
    # The families the page asked about (record ids, in order), so that a change since is noticed.
    shown = HiddenField()
    submit = SubmitField("Deactivate their account", widget=GovSubmitInput())


def deactivate_form(families: list, choices_for) -> DeactivateForm:
    """A DeactivateForm with one question per family (`move_<record id hex>`): `choices_for(family)` gives the
    key worker choices; the queue is always one."""
    fields = {}
    for family in families:
        fields[f"move_{family.record_id.hex}"] = SelectField(
            f"Who takes {family.reference}?", widget=GovSelect(),
            choices=[SelectChoice("", "Choose"), SelectChoice(TO_QUEUE, "Return to the queue for a new key worker"),
                     *choices_for(family)],
            validators=[InputRequired(f"Select who takes {family.reference}")],
            invalid_choice_message=f"Select who takes {family.reference} from the list")
    form_class = type("DeactivateFamiliesForm", (DeactivateForm,), fields)
    return form_class()


class ReactivateForm(FlaskForm):
    submit = SubmitField("Reactivate their account", widget=GovSubmitInput())
