"""Account forms, with GOV.UK wording for every error."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from directory.accounts import MIN_PASSWORD_LENGTH
from directory.web.validators import EMAIL_FORMAT, strip


class SignInForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput(), filters=[strip],
                        validators=[InputRequired("Enter your email address"), Email(EMAIL_FORMAT)])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "Choose a password", widget=GovPasswordInput(), description=f"At least {MIN_PASSWORD_LENGTH} characters",
        validators=[InputRequired("Enter a password"),
                    Length(min=MIN_PASSWORD_LENGTH,
                           message=f"Password must be {MIN_PASSWORD_LENGTH} characters or more")],
    )
    confirm = PasswordField("Enter the password again", widget=GovPasswordInput(),
                            validators=[InputRequired("Enter the password again"),
                                        EqualTo("password", "The passwords do not match")])
    submit = SubmitField("Save password", widget=GovSubmitInput())


class CreateAccountForm(NewPasswordForm):
    name = StringField("Your full name", widget=GovTextInput(), filters=[strip],
                       validators=[InputRequired("Enter your full name"), Length(max=200)])
    email = StringField("Email address", widget=GovTextInput(), filters=[strip],
                        description="We will use this to send you updates about your referrals",
                        validators=[InputRequired("Enter your email address"), Email(EMAIL_FORMAT)])
    submit = SubmitField("Create account", widget=GovSubmitInput())


class ResetRequestForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput(), filters=[strip],
                        validators=[InputRequired("Enter your email address"), Email(EMAIL_FORMAT)])
    submit = SubmitField("Send a reset link", widget=GovSubmitInput())
