"""Information governance forms: find a family, and the reason for an export. Each needs a reason: both go in the
audit log."""

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from directory.referrals.subject_access import normalise_reference
from directory.web.referrals.forms import UKDateField
from directory.web.validators import at_most, strip

REASON_LIMIT = 2000


def _reason(label: str, missing: str) -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), filters=[strip],
                         description="For example, the subject access request you are answering and who made it. "
                                     "This goes in the audit log.",
                         validators=[DataRequired(missing), at_most(REASON_LIMIT, "The reason")])


class FindFamilyForm(FlaskForm):
    """The family reference, or the child's first name, last name and date of birth (not both)."""

    reference = StringField("Family reference", widget=GovTextInput(), filters=[strip],
                            description="For example, FAM-ABCD-2345")
    first_name = StringField("Child's first name", widget=GovTextInput(), filters=[strip],
                             validators=[at_most(100, "First name")])
    last_name = StringField("Child's last name", widget=GovTextInput(), filters=[strip],
                            validators=[at_most(100, "Last name")])
    date_of_birth = UKDateField("Child's date of birth", missing="Enter the child's date of birth",
                                description="For example, 27 3 2017")
    reason = _reason("Why are you searching for this family?", "Enter why you are searching for this family")
    submit = SubmitField("Search", widget=GovSubmitInput())

    def _by_reference(self) -> bool:
        return bool(self.reference.data)

    def _child_given(self) -> bool:
        return bool(self.first_name.data or self.last_name.data or any(self.date_of_birth.raw_data or []))

    def validate_reference(self, field):
        if self._by_reference() and self._child_given():
            raise ValidationError("Enter the family reference or the child's details, not both")
        if self._by_reference() and normalise_reference(field.data) is None:
            raise ValidationError("Enter the family reference in the correct format, like FAM-ABCD-2345")
        if not self._by_reference() and not self._child_given():
            raise ValidationError("Enter the family reference, or the child's first name, last name and date of "
                                  "birth")

    def validate_first_name(self, field):
        if not self._by_reference() and self._child_given() and not field.data:
            raise ValidationError("Enter the child's first name")

    def validate_last_name(self, field):
        if not self._by_reference() and self._child_given() and not field.data:
            raise ValidationError("Enter the child's last name")

    def validate_date_of_birth(self, field):
        if not self._by_reference() and self._child_given() and not any(field.raw_data or []):
            raise ValidationError("Enter the child's date of birth")
        if field.data and field.data > date.today():
            raise ValidationError("Date of birth must be in the past")


class ExportForm(FlaskForm):
    reason = _reason("Why are you exporting this family's data?", "Enter why you are exporting this family's data")
    submit = SubmitField("Export", widget=GovSubmitInput())
