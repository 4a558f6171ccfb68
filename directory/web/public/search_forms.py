"""The search form: words, "for my child" (age and where they live) and the filters (GET, nothing stored)."""

import json

from flask import current_app
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovTextInput
from markupsafe import Markup
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField
from wtforms.validators import Optional

from directory.web.validators import age_in_years, drop_blanks, postcode_or_outward_code, strip

MAX_QUERY = 200
# Widget HTML kept per app (see _KeptWidget); a few variants of a few fields, so this is never reached in practice.
KEPT_WIDGETS = 256


class _KeptWidget:
    """A field left empty and without an error renders the same HTML on every search page (most of them: the age,
    the postcode and the checkbox are usually left alone), so its macro's HTML is kept per app instead of being
    rendered again each time (each GOV.UK macro costs about half a millisecond). Nothing typed is kept."""

    def __call__(self, field, **kwargs):
        if field.data or field.errors:
            return super().__call__(field, **kwargs)
        kept = current_app.extensions.setdefault("search_form_widgets", {})
        key = (type(self).__name__, field.name, json.dumps(kwargs, sort_keys=True, default=str))
        html = kept.get(key)
        if html is None:
            html = super().__call__(field, **kwargs)
            if len(kept) < KEPT_WIDGETS:
                kept[key] = html
        return Markup(html)


class _KeptTextInput(_KeptWidget, GovTextInput):
    pass


class _KeptCheckboxInput(_KeptWidget, GovCheckboxInput):
    pass


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search for services", widget=_KeptTextInput(), filters=[strip, lambda v: (v or "")[:MAX_QUERY]])
    age = StringField("Your child's age", widget=_KeptTextInput(), description="In whole years, for example 7",
                      filters=[strip], validators=[age_in_years])
    postcode = StringField("Postcode", widget=_KeptTextInput(), description="For example, ST16 3NE",
                           filters=[strip], validators=[postcode_or_outward_code])
    district = RadioField("Which area does your child live in?", widget=GovRadioInput(), validators=[Optional()],
                          validate_choice=False)
    eligible_only = BooleanField("Only services my child may be able to use", widget=_KeptCheckboxInput(),
                                 description="Uses your child's age and where they live")
    # "Search all areas": a place typed in the words is searched for as words, not made the area filter.
    all_areas = BooleanField()
    # "Search all ages": an age typed in the words ("my 4 year old") is searched for as words, not made the age.
    all_ages = BooleanField()
    # Filters: any value the index does not know is ignored.
    category = SelectMultipleField(validate_choice=False, filters=[drop_blanks])
    need = SelectMultipleField(validate_choice=False, filters=[drop_blanks])
    area = SelectMultipleField(validate_choice=False, filters=[drop_blanks])
    referrer = SelectMultipleField(validate_choice=False, filters=[drop_blanks])
    cost = SelectMultipleField(validate_choice=False, filters=[drop_blanks])
    accepting = SelectMultipleField(validate_choice=False, filters=[drop_blanks])

    @property
    def age_years(self) -> int | None:
        return int(self.age.data) if self.age.data and not self.age.errors else None
