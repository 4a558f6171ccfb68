"""Forms for the sections of a listing that a lead changes through a change request (eligibility has its own
editor). Each form fills itself from the listing's import-format entry (`load`) and gives back the entry's fields
(`changes`); the writer then checks the change as an import would."""

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError

from directory.postcodes import PostcodeError, normalise_postcode
from directory.web.listings.forms import WholeNumberField
from directory.web.validators import EMAIL_FORMAT, at_most, drop_blanks, strip

ROWS = 3  # how many phone, contact and cost rows a form offers
SEND = "Send for approval"


def _web_address(form, field):
    if field.data and not field.data.startswith(("https://", "http://")):
        raise ValidationError("Enter a web address that starts with https://, like https://www.example.org")


class AboutForm(FlaskForm):
    name = StringField("Name of the service", widget=GovTextInput(), filters=[strip],
                       validators=[InputRequired("Enter the name of the service"), at_most(200, "The name")])
    summary = StringField("Summary", widget=GovTextInput(), filters=[strip],
                          description="One sentence that families see in search results: what the service does "
                                      "and for whom. Between 10 and 200 characters.",
                          validators=[InputRequired("Enter a summary"),
                                      Length(10, 200, "The summary must be between 10 and 200 characters")])
    description = TextAreaField("Description", widget=GovTextArea(), filters=[strip],
                                description="What the service offers, in plain English. At least 40 characters.",
                                validators=[InputRequired("Enter a description"),
                                            Length(min=40, message="The description must be 40 characters or "
                                                                   "more")])
    url = StringField("Website (optional)", widget=GovTextInput(), filters=[strip],
                      description="For example, https://www.example.org/our-service",
                      validators=[Optional(), _web_address, at_most(500, "The web address")])
    email = StringField("Email address for families (optional)", widget=GovTextInput(), filters=[strip],
                        validators=[Optional(), Email(EMAIL_FORMAT), at_most(320, "The email address")])
    submit = SubmitField(SEND, widget=GovSubmitInput())

    def load(self, entry: dict, choices: dict) -> None:
        for name in ("name", "summary", "description", "url", "email"):
            getattr(self, name).data = entry.get(name)

    def changes(self) -> dict:
        return {name: getattr(self, name).data or None for name in ("name", "summary", "description", "url", "email")}


class WhoForForm(FlaskForm):
    min_age = WholeNumberField("Youngest age (optional)", widget=GovTextInput(),
                               description="In years. Leave empty if there is no youngest age.",
                               not_a_number="The youngest age must be a whole number of years, like 5",
                               validators=[Optional(), NumberRange(0, 25, "The youngest age must be from 0 to 25")])
    max_age = WholeNumberField("Oldest age (optional)", widget=GovTextInput(),
                               description="In years. Leave empty if there is no oldest age.",
                               not_a_number="The oldest age must be a whole number of years, like 18",
                               validators=[Optional(), NumberRange(0, 25, "The oldest age must be from 0 to 25")])
    areas = SelectMultipleField("Areas the service covers", widget=GovCheckboxesInput(), filters=[drop_blanks],
                                validators=[InputRequired("Select the areas the service covers")])
    needs = SelectMultipleField("Needs the service helps with (optional)", widget=GovCheckboxesInput(),
                                filters=[drop_blanks], validators=[Optional()])
    categories = SelectMultipleField("Kinds of help", widget=GovCheckboxesInput(), filters=[drop_blanks],
                                     validators=[InputRequired("Select at least one kind of help")])
    submit = SubmitField(SEND, widget=GovSubmitInput())

    def set_choices(self, choices: dict) -> None:
        for name in ("areas", "needs", "categories"):
            getattr(self, name).choices = [SelectChoice(code, label) for code, label in choices[name]]

    def validate_max_age(self, field):
        if field.data is not None and self.min_age.data is not None and field.data < self.min_age.data:
            raise ValidationError("The oldest age must be the same as or more than the youngest age")

    def load(self, entry: dict, choices: dict) -> None:
        self.min_age.data, self.max_age.data = entry.get("min_age"), entry.get("max_age")
        for name in ("areas", "needs", "categories"):
            getattr(self, name).data = list(entry.get(name) or [])

    def changes(self) -> dict:
        return {"min_age": self.min_age.data, "max_age": self.max_age.data, "areas": self.areas.data or [],
                "needs": self.needs.data or [], "categories": self.categories.data or []}


REFERRAL_METHODS = [SelectChoice("site", "Through this site"), SelectChoice("phone", "By phone"),
                    SelectChoice("own_form", "On the service's own form"),
                    SelectChoice("none", "No referral is needed: families contact the service themselves")]


class HowToReferForm(FlaskForm):
    referral_method = RadioField("How are referrals made?", widget=GovRadioInput(), choices=REFERRAL_METHODS,
                                 validators=[InputRequired("Select how referrals are made")])
    how_to_refer = TextAreaField("How to refer", widget=GovTextArea(), filters=[strip],
                                 description="What a family or professional does to get help, step by step, in "
                                             "plain English.",
                                 validators=[InputRequired("Enter how to refer"), at_most(5000, "How to refer")])
    submit = SubmitField(SEND, widget=GovSubmitInput())

    def load(self, entry: dict, choices: dict) -> None:
        self.referral_method.data = entry.get("referral_method") or "site"
        self.how_to_refer.data = entry.get("how_to_refer")

    def changes(self) -> dict:
        return {"referral_method": self.referral_method.data, "how_to_refer": self.how_to_refer.data}


def _phone(form, field):
    if field.data and not re.fullmatch(r"\+?[0-9][0-9 ]{5,20}", field.data):
        raise ValidationError("Enter a phone number, like 01785 223344")


def _rows_form(name: str, fields: dict, base=FlaskForm):
    """A form class with `ROWS` numbered copies of each of `fields`."""
    attributes = {}
    for row in range(1, ROWS + 1):
        for key, make in fields.items():
            attributes[f"{key}_{row}"] = make(row)
    return type(name, (base,), attributes)


class _ContactsBase(FlaskForm):
    def load(self, entry: dict, choices: dict) -> None:
        for row, phone in enumerate((entry.get("phones") or [])[:ROWS], start=1):
            getattr(self, f"phone_{row}").data = phone.get("number")
            getattr(self, f"phone_description_{row}").data = phone.get("description")
        for row, contact in enumerate((entry.get("contacts") or [])[:ROWS], start=1):
            getattr(self, f"contact_{row}").data = contact.get("name")
            getattr(self, f"contact_title_{row}").data = contact.get("title")

    def changes(self) -> dict:
        phones, contacts = [], []
        for row in range(1, ROWS + 1):
            number, description = getattr(self, f"phone_{row}").data, getattr(self, f"phone_description_{row}").data
            if number:
                phones.append({"number": number, **({"description": description} if description else {})})
            name, title = getattr(self, f"contact_{row}").data, getattr(self, f"contact_title_{row}").data
            if name:
                contacts.append({"name": name, **({"title": title} if title else {})})
        return {"phones": phones or None, "contacts": contacts or None}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for row in range(1, ROWS + 1):
            if getattr(self, f"phone_description_{row}").data and not getattr(self, f"phone_{row}").data:
                getattr(self, f"phone_{row}").errors.append(f"Enter phone number {row}, or remove what it is for")
                valid = False
            if getattr(self, f"contact_title_{row}").data and not getattr(self, f"contact_{row}").data:
                getattr(self, f"contact_{row}").errors.append(f"Enter the name of contact {row}, or remove their "
                                                              "job title")
                valid = False
        return valid


ContactsForm = _rows_form("ContactsForm", {
    "phone": lambda row: StringField(f"Phone number {row}", widget=GovTextInput(), filters=[strip],
                                     validators=[Optional(), _phone]),
    "phone_description": lambda row: StringField(f"What phone number {row} is for (optional)", widget=GovTextInput(),
                                                 filters=[strip], description="For example, Advice line",
                                                 validators=[Optional(), at_most(200, "What it is for")]),
    "contact": lambda row: StringField(f"Contact {row}: name", widget=GovTextInput(), filters=[strip],
                                       validators=[Optional(), at_most(200, "The name")]),
    "contact_title": lambda row: StringField(f"Contact {row}: job title (optional)", widget=GovTextInput(),
                                             filters=[strip], validators=[Optional(), at_most(200, "The job title")]),
}, _ContactsBase)
ContactsForm.submit = SubmitField(SEND, widget=GovSubmitInput())


class OpeningTimesForm(FlaskForm):
    opening_hours = TextAreaField("Opening times (optional)", widget=GovTextArea(), filters=[strip],
                                  description="For example, Monday to Friday 9am to 5pm. Closed on bank holidays. "
                                              "Leave it empty to remove the opening times.",
                                  validators=[Optional(), at_most(1000, "Opening times")])
    submit = SubmitField(SEND, widget=GovSubmitInput())

    def load(self, entry: dict, choices: dict) -> None:
        self.opening_hours.data = entry.get("opening_hours")

    def changes(self) -> dict:
        return {"opening_hours": self.opening_hours.data or None}


class _CostsBase(FlaskForm):
    def load(self, entry: dict, choices: dict) -> None:
        for row, cost in enumerate((entry.get("costs") or [])[:ROWS], start=1):
            getattr(self, f"option_{row}").data = cost.get("option")
            amount = cost.get("amount")
            getattr(self, f"amount_{row}").data = None if amount is None else f"{amount:g}"
            getattr(self, f"amount_description_{row}").data = cost.get("amount_description")

    def changes(self) -> dict:
        costs = []
        for row in range(1, ROWS + 1):
            option = getattr(self, f"option_{row}").data
            if option:
                amount, words = getattr(self, f"amount_{row}").data, getattr(self, f"amount_description_{row}").data
                costs.append({"option": option, **({"amount": _number(amount)} if amount else {}),
                              **({"amount_description": words} if words else {})})
        return {"costs": costs or None}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for row in range(1, ROWS + 1):
            if not getattr(self, f"option_{row}").data and (getattr(self, f"amount_{row}").data
                                                             or getattr(self, f"amount_description_{row}").data):
                getattr(self, f"option_{row}").errors.append(f"Enter what cost {row} is for, or remove its amount")
                valid = False
        return valid


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


def _amount(form, field):
    if field.data:
        try:
            value = float(field.data.lstrip("£"))
        except ValueError:
            raise ValidationError("Enter the amount in pounds, like 5 or 12.50") from None
        if value < 0 or value != value or value > 100000:
            raise ValidationError("Enter an amount from 0 to 100,000 pounds")
        field.data = field.data.lstrip("£")


CostsForm = _rows_form("CostsForm", {
    "option": lambda row: StringField(f"Cost {row}: what it is for", widget=GovTextInput(), filters=[strip],
                                      description="For example, Free, or One session" if row == 1 else "",
                                      validators=[Optional(), at_most(200, "What the cost is for")]),
    "amount": lambda row: StringField(f"Cost {row}: amount in pounds (optional)", widget=GovTextInput(),
                                      filters=[strip], validators=[Optional(), _amount]),
    "amount_description": lambda row: StringField(f"Cost {row}: more about the amount (optional)",
                                                  widget=GovTextInput(), filters=[strip],
                                                  description="For example, per session, or free for families on "
                                                              "a low income" if row == 1 else "",
                                                  validators=[Optional(), at_most(200, "More about the amount")]),
}, _CostsBase)
CostsForm.submit = SubmitField(SEND, widget=GovSubmitInput())

class LocationsForm(FlaskForm):
    locations = SelectMultipleField("Places the service is offered at", widget=GovCheckboxesInput(),
                                    filters=[drop_blanks], validators=[Optional()],
                                    description="Select all that apply. Leave them all empty if the service has no "
                                                "place families visit.")
    new_name = StringField("Add a new place: its name (optional)", widget=GovTextInput(), filters=[strip],
                           description="For example, Hazel Trees Children's Centre",
                           validators=[Optional(), at_most(200, "The name of the place")])
    new_address_1 = StringField("New place: first line of the address", widget=GovTextInput(), filters=[strip],
                                validators=[Optional(), at_most(200, "The first line of the address")])
    new_city = StringField("New place: town or city", widget=GovTextInput(), filters=[strip],
                           validators=[Optional(), at_most(100, "The town or city")])
    new_postcode = StringField("New place: postcode", widget=GovTextInput(), filters=[strip],
                               description="For example, ST4 3NR", validators=[Optional()])
    new_accessibility = TextAreaField("New place: access for disabled people (optional)", widget=GovTextArea(),
                                      filters=[strip], description="For example, Step-free entrance and a lift",
                                      validators=[Optional(), at_most(500, "Access")])
    submit = SubmitField(SEND, widget=GovSubmitInput())

    NEW = ("new_name", "new_address_1", "new_city", "new_postcode", "new_accessibility")

    def set_choices(self, choices: dict) -> None:
        self.locations.choices = [SelectChoice(code, label) for code, label in choices["locations"]]

    def load(self, entry: dict, choices: dict) -> None:
        self.locations.data = list(entry.get("locations") or [])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if any(getattr(self, name).data for name in self.NEW):
            for name, message in (("new_name", "Enter the name of the new place"),
                                  ("new_address_1", "Enter the first line of the new place's address"),
                                  ("new_city", "Enter the town or city of the new place")):
                if not getattr(self, name).data:
                    getattr(self, name).errors.append(message)
                    valid = False
            try:
                self.new_postcode.data = normalise_postcode(self.new_postcode.data or "")
            except PostcodeError as error:
                self.new_postcode.errors.append(str(error))
                valid = False
        return valid

    def changes(self) -> dict:
        new = None
        if self.new_name.data:
            new = {"name": self.new_name.data,
                   "address": {"address_1": self.new_address_1.data, "city": self.new_city.data,
                               "postal_code": self.new_postcode.data},
                   "accessibility": [self.new_accessibility.data] if self.new_accessibility.data else []}
        return {"locations": self.locations.data or [], "new_location": new}


FORMS = {"about": AboutForm, "who_for": WhoForForm, "how_to_refer": HowToReferForm, "contacts": ContactsForm,
         "opening_times": OpeningTimesForm, "costs": CostsForm, "locations": LocationsForm}
# The fields of each form in the order they appear on the page (the rows forms are built above).
ROW_FIELDS = {"contacts": ("phone", "phone_description", "contact", "contact_title"),
              "costs": ("option", "amount", "amount_description")}
