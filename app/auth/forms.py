from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.forms import email_field, new_password_fields
from app.regional_form import RegionalForm, first


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class AcceptInvitationForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    password, confirm = new_password_fields()


class SetupForm(RegionalForm):
    org_name = first(StringField("Organisation name", validators=[DataRequired("Enter your organisation's name."),
                                                                  Length(max=120)]))
    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    email = email_field("Your email")
    password, confirm = new_password_fields()


class AccountForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter your name."), Length(max=120)])
    current_password = PasswordField("Current password", render_kw={"autocomplete": "current-password"})
    password = PasswordField("New password (leave empty to keep it)",
                             render_kw={"autocomplete": "new-password"})
