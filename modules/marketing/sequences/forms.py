"""The forms of sequences and their steps."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from app.extensions import db
from app.forms import choices
from app.templating import editor
from modules.contacts.models import Segment
from modules.marketing.campaign_forms import _int_or_none, _strip
from modules.marketing.campaign_models import Layout, Sender
from modules.marketing.models import Topic
from modules.marketing.sequences.models import ANY_GIFT, FIRST_GIFT, SEGMENT, TRIGGERS

UNITS = {"hours": 1, "days": 24}
MAX_WAIT_HOURS = 24 * 366


class SequenceForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Name the sequence."), Length(max=200)], filters=[_strip],
                       description="For staff, such as “Welcome series” or “Thank you for a first gift”.")
    topic_id = SelectField("Topic", coerce=_int_or_none, validate_choice=False,
                           description="Only people subscribed to it enter; unsubscribing from it (or from "
                                       "everything) takes them out, and its one-click link is in every step.")
    trigger = SelectField("People enter by", choices=choices(list(TRIGGERS.items())), default=SEGMENT)
    segment_id = SelectField("Segment", coerce=_int_or_none, validate_choice=False,
                             description="For “joining a segment”: everyone in it when the sequence is switched "
                                         "on enters, then whoever joins (checked every five minutes).")
    sender_id = SelectField("From", coerce=_int_or_none, validate_choice=False,
                            description="A verified sender (Admin → Campaign senders).")
    layout_id = SelectField("Layout", coerce=_int_or_none, validate_choice=False)

    def validate_topic_id(self, field):
        if field.data is None or db.session.get(Topic, field.data) is None:
            raise ValidationError("Choose the topic people agreed to.")

    def validate_segment_id(self, field):
        if self.trigger.data == SEGMENT and (field.data is None or db.session.get(Segment, field.data) is None):
            raise ValidationError("Choose the segment whose new members enter.")

    def validate_sender_id(self, field):
        if field.data is None or not db.session.scalar(
                select(Sender.id).where(Sender.id == field.data, Sender.verified_at.is_not(None))):
            raise ValidationError("Choose a verified sender.")


def sequence_form(formdata=..., data: dict | None = None) -> SequenceForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = SequenceForm(**kwargs, data=data)
    if "pipeline" not in {m.name for m in current_app.extensions["steward"].enabled}:
        form.trigger.choices = choices([(k, v) for k, v in TRIGGERS.items() if k not in (FIRST_GIFT, ANY_GIFT)])
    form.topic_id.choices = choices([("", "— choose a topic —")] + [
        (t.id, t.name) for t in db.session.scalars(select(Topic).where(Topic.archived_at.is_(None))
                                                   .order_by(Topic.name))])
    form.segment_id.choices = choices([("", "— no segment —")] + [
        (s.id, s.name) for s in db.session.scalars(select(Segment).where(Segment.shared.is_(True))
                                                   .order_by(Segment.name))])
    form.sender_id.choices = choices([("", "— choose a verified sender —")] + [
        (s.id, f"{s.name} <{s.email}>")
        for s in db.session.scalars(select(Sender).where(Sender.verified_at.is_not(None)).order_by(Sender.name))])
    form.layout_id.choices = choices([("", "The default layout")] + [
        (lay.id, lay.name) for lay in db.session.scalars(select(Layout).order_by(Layout.name))])
    return form


def sequence_data(sequence) -> dict:
    return {"name": sequence.name, "topic_id": sequence.topic_id, "trigger": sequence.trigger,
            "segment_id": sequence.segment_id, "sender_id": sequence.sender_id, "layout_id": sequence.layout_id}


class StepForm(FlaskForm):
    wait = IntegerField("Wait", validators=[InputRequired("Say how long to wait (0 for no wait)."),
                                            NumberRange(0, 366, "Between 0 and 366.")], default=0,
                        description="After the step before; for the first step, after entering the sequence.")
    wait_unit = SelectField("Unit", choices=choices([("days", "days"), ("hours", "hours")]), default="days")
    subject = StringField("Subject", validators=[DataRequired("Write the subject."), Length(max=300)],
                          filters=[_strip], description="Merge fields work here too.")
    preheader = StringField("Preheader", validators=[Length(max=300)], filters=[_strip],
                            description="Optional: the line inboxes show after the subject.")
    format = editor.format_field("Written in")
    body = TextAreaField("Body", validators=[DataRequired("Write the message.")], render_kw={"rows": 12})

    def validate_wait(self, field):
        if field.data is not None and field.data * UNITS.get(self.wait_unit.data, 24) > MAX_WAIT_HOURS:
            raise ValidationError("At most a year.")

    @property
    def wait_hours(self) -> int:
        return int(self.wait.data or 0) * UNITS.get(self.wait_unit.data, 24)


def step_data(step) -> dict:
    hours = step.wait_hours
    unit, amount = ("days", hours // 24) if hours % 24 == 0 else ("hours", hours)
    c = step.campaign
    return {"wait": amount, "wait_unit": unit, "subject": c.subject, "preheader": c.preheader, "format": c.format,
            "body": c.body}


class AddContactForm(FlaskForm):
    email = StringField("Email address", validators=[DataRequired("Enter the contact's email address."),
                                                      Length(max=254)], filters=[_strip])
