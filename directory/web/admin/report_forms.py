"""The filter form on a report's page (GET, no CSRF): dates (inclusive), district and type of help, of which the page
shows only those the report reads. A value that is not on the list gets a GOV.UK error, never an exception."""

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from directory.listings.freshness import months_before
from directory.reports.model import Filters
from directory.web.referrals.forms import UKDateField

FIELDS = {"dates": ("date_from", "date_to"), "district": ("district",), "category": ("category",)}


def default_dates(today: date) -> tuple[date, date]:
    """The 12 whole months up to today: from the first day of the month 11 months ago to today."""
    return months_before(today.replace(day=1), 11), today


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = UKDateField("Date from", missing="Enter the date from", description="For example, 1 4 2026")
    date_to = UKDateField("Date to", missing="Enter the date to", description="For example, 31 3 2027")
    district = SelectField("District", widget=GovSelect(), default="",
                           invalid_choice_message="Select a district from the list")
    category = SelectField("Type of help", widget=GovSelect(), default="",
                           invalid_choice_message="Select a type of help from the list")
    submit = SubmitField("Show the report", widget=GovSubmitInput())

    def setup(self, uses: tuple[str, ...], districts, categories, today: date) -> None:
        """Offer these choices; leave out the fields the report does not read; fill in the default dates."""
        self.district.choices = [SelectChoice("", "All districts")] + [SelectChoice(d.slug, d.name) for d in districts]
        self.category.choices = [SelectChoice("", "All types of help")] + [SelectChoice(t.code, t.name)
                                                                       for t in categories]
        self._districts = {d.slug: d for d in districts}
        self._categories = {t.code: t for t in categories}
        for use, names in FIELDS.items():
            if use not in uses:
                for name in names:
                    delattr(self, name)
        if "dates" in uses and not any(self.date_from.raw_data or []) and not any(self.date_to.raw_data or []):
            self.date_from.data, self.date_to.data = default_dates(today)
            self.date_from.raw_data = self.date_to.raw_data = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if "date_from" in self._fields and self.date_from.data and self.date_to.data and not self.errors \
                and self.date_to.data < self.date_from.data:
            self.date_to.errors = [*self.date_to.errors, "Date to must be the same as or after date from"]
            valid = False
        return valid

    def filters(self) -> Filters:
        dates = "date_from" in self._fields
        return Filters(
            start=self.date_from.data if dates else None,
            end=self.date_to.data if dates else None,
            district_id=_id(self._districts.get(self.district.data)) if "district" in self._fields else None,
            category_id=_id(self._categories.get(self.category.data)) if "category" in self._fields else None)

    def described(self) -> str:
        """The filters in force, in words: "1 January 2026 to 1 December 2026, all districts"."""
        parts = []
        if "date_from" in self._fields:
            start, end = self.date_from.data, self.date_to.data
            parts.append(f"{_uk(start)} to {_uk(end)}" if start and end
                         else f"from {_uk(start)}" if start else f"up to {_uk(end)}" if end else "all dates")
        if "district" in self._fields:
            chosen = self._districts.get(self.district.data)
            parts.append(chosen.name if chosen else "all districts")
        if "category" in self._fields:
            chosen = self._categories.get(self.category.data)
            parts.append(chosen.name if chosen else "all types of help")
        return ", ".join(part for part in parts if part)


def _id(row):
    return row.id if row is not None else None


def _uk(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
