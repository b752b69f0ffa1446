"""Forms of the helpdesk's SLAs and automation: canned replies, SLA
policies, working hours and holidays, rules, a ticket logged by an agent,
merging, and the acknowledgement text of a team."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from app.forms import choices
from app.templating import editor
from modules.helpdesk.models import CHANNELS, PRIORITIES

RULE_ROWS = 4  # condition rows and action rows a rule form shows


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class CannedForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the reply a name."), Length(max=120)])
    shared = BooleanField("Shared with every agent", default=True,
                          description="Untick to keep it to yourself.")
    format = editor.format_field("Written in")
    body = TextAreaField("Reply", validators=[DataRequired("Write the reply first."), Length(max=50_000)])


class AckForm(FlaskForm):
    format = editor.format_field("Written in")
    body = TextAreaField("Acknowledgement", validators=[Optional(), Length(max=20_000)],
                         description="Leave empty for the built-in wording.")


def _minutes(label: str):
    return IntegerField(label, validators=[Optional(), NumberRange(min=1, max=525_600)],
                        description="Business minutes; empty: no target.")


class PolicyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    team_id = SelectField("Team", coerce=_int_or_none)
    priority = SelectField("Priority", choices=choices([("", "Any priority")] + list(PRIORITIES.items())))
    first_response_minutes = _minutes("First response within")
    next_response_minutes = _minutes("Next response within")
    resolution_minutes = _minutes("Resolution within")


class HoursForm(FlaskForm):
    """One text box per weekday: "09:00-17:00", several spans with commas, empty for closed."""

    monday = StringField("Monday", validators=[Length(max=100)])
    tuesday = StringField("Tuesday", validators=[Length(max=100)])
    wednesday = StringField("Wednesday", validators=[Length(max=100)])
    thursday = StringField("Thursday", validators=[Length(max=100)])
    friday = StringField("Friday", validators=[Length(max=100)])
    saturday = StringField("Saturday", validators=[Length(max=100)])
    sunday = StringField("Sunday", validators=[Length(max=100)])


class HolidayForm(FlaskForm):
    day = DateField("Date", validators=[DataRequired("Give the date.")])
    name = StringField("Name", validators=[Optional(), Length(max=200)])


class IcalForm(FlaskForm):
    file = FileField("iCalendar file (.ics)")


class RuleForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    position = IntegerField("Order", default=10, validators=[Optional(), NumberRange(min=0, max=10_000)],
                            description="Lower runs first.")
    active = BooleanField("Active", default=True)
    stop = BooleanField("Stop here: no later rule runs on a ticket this rule matched")


class NewTicketForm(FlaskForm):
    email = StringField("Requester's email", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Requester's name", validators=[Optional(), Length(max=200)],
                       description="Used only when no contact has this address yet.")
    channel = SelectField("How they got in touch", choices=choices(
        [(k, v) for k, v in CHANNELS.items() if k in ("phone", "in_person", "email")]), default="phone")
    subject = StringField("Subject", validators=[DataRequired(), Length(max=300)])
    body = TextAreaField("What they asked", validators=[DataRequired(), Length(max=100_000)])
    team_id = SelectField("Team", coerce=_int_or_none)
    priority = SelectField("Priority", choices=choices(list(PRIORITIES.items())), default="normal")


class MergeForm(FlaskForm):
    target = StringField("Merge into ticket number", validators=[DataRequired("Give the ticket number.")],
                         description="This ticket's conversation moves there; this one is marked merged.")
