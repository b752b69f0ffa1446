"""Helpdesk forms: a ticket's properties (an edit form: app/edits guards
it), a reply or note, a team."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms import choices
from modules.helpdesk.models import PRIORITIES, STATUSES

KEEP = ""


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class TicketForm(FlaskForm):
    status = SelectField("Status", choices=choices([(k, v) for k, v in STATUSES.items() if k != "merged"]))
    priority = SelectField("Priority", choices=choices(list(PRIORITIES.items())))
    team_id = SelectField("Team", coerce=_int_or_none)
    assignee_id = SelectField("Assignee", coerce=_int_or_none)
    tags = StringField("Tags", validators=[Optional(), Length(max=500)],
                       description="Separated by commas.")
    cc = StringField("CC", validators=[Optional(), Length(max=2000)],
                     description="Addresses that get every reply too, separated by commas.")


class ReplyForm(FlaskForm):
    body = TextAreaField("Message", validators=[DataRequired("Write the message first."), Length(max=100_000)])
    kind = SelectField("Send as", choices=choices([("reply", "Reply to the requester"), ("note", "Internal note")]))
    then = SelectField("Then set the status to",
                       choices=choices([(KEEP, "Leave as it is")]
                                       + [(k, v) for k, v in STATUSES.items() if k != "merged"]))
    files = MultipleFileField("Attach files")
    version = HiddenField()
    confirmed = HiddenField()  # the version the agent saw before sending anyway


class TeamForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    address = StringField("Address customers write to", validators=[Optional(), Email(), Length(max=254)],
                          description="Replies say Reply-To this address, so answers come back to the team.")
    mailbox_id = SelectField("Mailbox that feeds this team", coerce=_int_or_none,
                             description="Set up in Admin → Mailboxes, of the kind “Helpdesk tickets”.")
    acknowledge = BooleanField("Send an automatic acknowledgement with the ticket number")
    lead_id = SelectField("Team lead", coerce=_int_or_none,
                          description="Gets one email when a ticket of this team misses its SLA.")
