"""Account forms, with GOV.UK wording for every error. Text fields are stripped, so they use DataRequired: an
answer of only spaces is no answer."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from directory import passwords, phones
from directory.web.validators import EMAIL_FORMAT, strip


def _new_password(form, field):
    if message := passwords.problem(field.data):
        raise ValidationError(message)


def _email_field(label: str = "Email address", **kwargs) -> StringField:
    return StringField(label, widget=GovTextInput(), filters=[strip],
                       validators=[DataRequired("Enter your email address"), Length(max=320, message=EMAIL_FORMAT),
                                   Email(EMAIL_FORMAT)], **kwargs)


class SignInForm(FlaskForm):
    email = _email_field()
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password"),
                                         Length(max=passwords.MAX_LENGTH, message="Enter a correct email address "
                                                                                  "and password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "Choose a password", widget=GovPasswordInput(),
        description=f"At least {passwords.MIN_LENGTH} characters. A few unrelated words make a good password.",
        validators=[_new_password],
    )
    confirm = PasswordField("Enter the password again", widget=GovPasswordInput(),
                            validators=[InputRequired("Enter the password again"),
                                        EqualTo("password", "The passwords do not match")])
    submit = SubmitField("Save password", widget=GovSubmitInput())


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Your current password", widget=GovPasswordInput(),
                            validators=[InputRequired("Enter your current password"),
                                        Length(max=passwords.MAX_LENGTH, message="Your current password is not "
                                                                                 "right")])
    password = PasswordField("New password", widget=GovPasswordInput(),
                             description=f"At least {passwords.MIN_LENGTH} characters", validators=[_new_password])
    confirm = PasswordField("Enter the new password again", widget=GovPasswordInput(),
                            validators=[InputRequired("Enter the new password again"),
                                        EqualTo("password", "The passwords do not match")])
    submit = SubmitField("Change password", widget=GovSubmitInput())


class CreateAccountForm(FlaskForm):
    name = StringField("Your full name", widget=GovTextInput(), filters=[strip],
                       validators=[DataRequired("Enter your full name"),
                                   Length(max=200, message="Your name must be 200 characters or fewer")])
    email = _email_field(description="We will send you a link to confirm it and choose a password")
    submit = SubmitField("Create account", widget=GovSubmitInput())


class ResetRequestForm(FlaskForm):
    email = _email_field()
    submit = SubmitField("Send a reset link", widget=GovSubmitInput())


class CodeForm(FlaskForm):
    code = StringField("Security code", widget=GovTextInput(), filters=[strip],
                       description="The 6-digit code your authenticator app shows for this site",
                       validators=[DataRequired("Enter the security code"),
                                   Length(max=20, message="Enter the 6-digit security code")])
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_code(self, field):
        digits = "".join(field.data.split())
        if not (digits.isdigit() and len(digits) == 6):
            raise ValidationError("Enter the 6-digit security code")


class RecoveryCodeForm(FlaskForm):
    code = StringField("Recovery code", widget=GovTextInput(), filters=[strip],
                       description="One of the 16-character codes you saved when you set up your app",
                       validators=[DataRequired("Enter a recovery code"),
                                   Length(max=40, message="Enter a recovery code, like abcd efgh jkmn pqrs")])
    submit = SubmitField("Continue", widget=GovSubmitInput())



def _uk_phone(form, field):
    if field.data:
        try:
            field.data = phones.normalise_uk_phone(field.data)
        except phones.PhoneError as error:
            raise ValidationError(str(error)) from None


class WorkPhoneForm(FlaskForm):
    phone = StringField("Work phone number", widget=GovTextInput(), filters=[strip],
                        description="A UK number, like 01632 960001 or 07700 900982. The families you work with "
                                    "will see it.",
                        validators=[DataRequired("Enter your work phone number"),
                                    Length(max=40, message=phones.MESSAGE), _uk_phone])
    submit = SubmitField("Save work phone number", widget=GovSubmitInput())
