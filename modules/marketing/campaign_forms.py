"""The forms of campaigns, their senders and layouts. Choices that come
from the database (verified senders, layouts, topics, segments, kinds of
relationship) are filled in by `campaign_form`."""

from __future__ import annotations

from datetime import timedelta

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from app.dates import org_zone
from app.extensions import db
from app.forms import choices
from app.ids import parse_id
from app.models.base import utcnow
from app.templating import editor
from modules.contacts import hooks
from modules.contacts.lists import queries
from modules.contacts.models import Segment
from modules.marketing import audience
from modules.marketing.campaign_models import Layout, Sender
from modules.marketing.models import Topic

MAX_TEST_ADDRESSES = 10


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def _int_or_none(value):
    """A record id, or None for nothing chosen and for anything that is not one."""
    return None if value in (None, "", "None") else parse_id(value)


def _id(value) -> int:
    """A record id for a multiple choice; anything else is refused as a choice."""
    found = parse_id(value)
    if found is None:
        raise ValueError(f"{value!r} is not a record id")
    return found


class SenderForm(FlaskForm):
    name = StringField("Name people see", validators=[DataRequired("Give the sender a name."), Length(max=120)],
                       filters=[_strip], description="Such as “Riverside Food Bank” or “Jo at Riverside”.")
    email = StringField("Email address", validators=[DataRequired("Enter the address."), Email(
        "Enter a valid email address."), Length(max=254)], filters=[_lower],
        description="A confirmation email goes to it; it can be used once its link is followed.")
    reply_to = StringField("Replies go to", validators=[Optional(), Email("Enter a valid email address."),
                                                         Length(max=254)], filters=[_lower],
                           description="Optional: another address for replies.")


class LayoutForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Name the layout."), Length(max=120)], filters=[_strip])
    format = editor.format_field("Written in", default="html")
    body = TextAreaField("Layout", validators=[DataRequired("Write the layout; {{ content }} marks the body.")],
                         render_kw={"rows": 16},
                         description="{{ content }} is where each campaign's body goes. Put the unsubscribe "
                                     "and preferences links in the footer.")
    is_default = BooleanField("Use for campaigns that choose no layout")


class CampaignForm(FlaskForm):
    name = StringField("Name (for staff)", validators=[DataRequired("Name the campaign."), Length(max=200)],
                       filters=[_strip])
    subject = StringField("Subject", validators=[Length(max=300)], filters=[_strip],
                          description="What people see in their inbox. Merge fields work here too.")
    preheader = StringField("Preheader", validators=[Length(max=300)], filters=[_strip],
                            description="Optional: the line inboxes show after the subject.")
    sender_id = SelectField("From", coerce=_int_or_none, validate_choice=False,
                            description="Only verified senders can be chosen (Admin → Campaign senders).")
    reply_to = StringField("Replies go to", validators=[Optional(), Email("Enter a valid email address."),
                                                         Length(max=254)], filters=[_lower],
                           description="Optional: else the sender's own reply address.")
    topic_id = SelectField("Topic", coerce=_int_or_none, validate_choice=False,
                           description="The unsubscribe link takes people off this topic; without one, off "
                                       "everything. People unsubscribed from it are left out.")
    layout_id = SelectField("Layout", coerce=_int_or_none, validate_choice=False)
    format = editor.format_field("Written in")
    body = TextAreaField("Body", render_kw={"rows": 14})
    segments = SelectMultipleField("Segments", coerce=_id, validate_choice=False,
                                   description="Everyone in any of these saved segments of contacts.")
    filters = TextAreaField("Filter rules", render_kw={"rows": 3}, filters=[_strip],
                            description="Optional, one a line, as in the contacts list's address: "
                                        "tag:is:3, city:is:Leeds, has_email:yes:")
    match = RadioField("Rules combine with", choices=choices([("all", "All rules (and)"), ("any", "Any rule (or)")]),
                       default="all")
    topics = SelectMultipleField("Subscribers of topics", coerce=_id, validate_choice=False)
    exclude_segments = SelectMultipleField("Leave out these segments", coerce=_id, validate_choice=False)
    expand = SelectField("Send to", validate_choice=False)
    per = RadioField("With a relationship", choices=choices(audience.PER), default=audience.COMBINED)
    # Measuring results (docs/marketing.md, "Measuring results").
    track_clicks = BooleanField("Count clicks on links", default=True,
                                description="Links go through this site, which counts who clicked which link, "
                                            "then sends them on. Unsubscribe and preference links are never "
                                            "changed.")
    track_opens = BooleanField("Count opens", default=False,
                               description="Adds a tiny invisible image. Off by default: many mail apps fetch "
                                           "images by themselves, so opens are only a rough guide.")
    subject_b = StringField("Subject B", validators=[Length(max=300)], filters=[_strip],
                            description="Optional: with another subject, a share of the audience gets each, and "
                                        "the better one goes to the rest.")
    subject_c = StringField("Subject C", validators=[Length(max=300)], filters=[_strip],
                            description="Optional: a third subject.")
    ab_share = IntegerField("Test share of the audience (%)", default=20,
                            validators=[Optional(), NumberRange(2, 50, "Enter a share from 2 to 50.")],
                            description="Split equally between the subjects; the rest waits for the winner.")
    ab_wait_minutes = IntegerField("Pick the winner after (minutes)", default=240,
                                   validators=[Optional(),
                                               NumberRange(1, 10080, "Enter 1 to 10,080 minutes (a week).")],
                                   description="Counted from when the test share has been sent.")
    ab_metric = RadioField("The winner has the most", choices=choices(
        [("clicks", "Clicks (people who clicked a link)"), ("opens", "Opens (seen by a person)")]),
        default="clicks", validate_choice=False, filters=[lambda v: v if v in ("clicks", "opens") else "clicks"])

    def validate_subject_c(self, field):
        if field.data and not self.subject_b.data:
            raise ValidationError("Fill in subject B first.")

    def validate_ab_metric(self, field):
        if not (self.subject_b.data or "").strip():
            return
        if field.data == "opens" and not self.track_opens.data:
            raise ValidationError("Picking by opens needs “Count opens” on.")
        if field.data == "clicks" and not self.track_clicks.data:
            raise ValidationError("Picking by clicks needs “Count clicks on links” on.")

    def ab_subjects(self) -> list[str]:
        return [s for s in (self.subject_b.data, self.subject_c.data) if s]

    def validate_filters(self, field):
        lines = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
        lq = queries.parse_tokens("", lines, "all", "name", hooks.filter_specs())
        for rule in lq.rules:
            if rule.error or queries.rule_condition(rule, hooks.filter_specs()) is None and not rule.pending:
                raise ValidationError(rule.error or f"“{rule.token}” cannot be read.")

    def validate_sender_id(self, field):
        if field.data is not None and not db.session.scalar(
                select(Sender.id).where(Sender.id == field.data, Sender.verified_at.is_not(None))):
            raise ValidationError("Choose a verified sender.")

    def audience(self) -> dict:
        out = {"segments": list(self.segments.data or []), "topics": list(self.topics.data or []),
               "exclude_segments": list(self.exclude_segments.data or []),
               "filters": [line.strip() for line in (self.filters.data or "").splitlines() if line.strip()],
               "match": self.match.data if self.match.data in ("all", "any") else "all"}
        if self.expand.data:
            out["expand"] = {"relationship": self.expand.data, "per": self.per.data or audience.COMBINED}
        return out


def form_data(campaign) -> dict:
    """The campaign as the form shows it (the edit guard compares these)."""
    chosen = campaign.audience or {}
    expand = chosen.get("expand") or {}
    return {"name": campaign.name, "subject": campaign.subject, "preheader": campaign.preheader,
            "sender_id": campaign.sender_id, "reply_to": campaign.reply_to, "topic_id": campaign.topic_id,
            "layout_id": campaign.layout_id, "format": campaign.format, "body": campaign.body,
            "segments": list(chosen.get("segments") or []), "topics": list(chosen.get("topics") or []),
            "exclude_segments": list(chosen.get("exclude_segments") or []),
            "filters": "\n".join(chosen.get("filters") or []), "match": chosen.get("match") or "all",
            "expand": expand.get("relationship") or "", "per": expand.get("per") or audience.COMBINED,
            "track_clicks": bool(campaign.track_clicks), "track_opens": bool(campaign.track_opens),
            "subject_b": campaign.ab_subjects[0] if campaign.ab_subjects else "",
            "subject_c": campaign.ab_subjects[1] if len(campaign.ab_subjects or []) > 1 else "",
            "ab_share": campaign.ab_share, "ab_wait_minutes": campaign.ab_wait_minutes,
            "ab_metric": campaign.ab_metric or "clicks"}


def campaign_form(formdata=None, data: dict | None = None) -> CampaignForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = CampaignForm(**kwargs, data=data or {"format": "markdown", "track_clicks": True, "ab_share": 20,
                                                 "ab_wait_minutes": 240, "ab_metric": "clicks"})
    senders = db.session.scalars(select(Sender).where(Sender.verified_at.is_not(None)).order_by(Sender.name))
    form.sender_id.choices = choices([("", "— choose a verified sender —")] + [
        (s.id, f"{s.name} <{s.email}>") for s in senders])
    form.topic_id.choices = choices([("", "— none: unsubscribe from everything —")] + [
        (t.id, t.name) for t in db.session.scalars(select(Topic).where(Topic.archived_at.is_(None))
                                                   .order_by(Topic.name))])
    form.layout_id.choices = choices([("", "The default layout")] + [
        (lay.id, lay.name) for lay in db.session.scalars(select(Layout).order_by(Layout.name))])
    shared = [(s.id, s.name) for s in db.session.scalars(select(Segment).where(Segment.shared.is_(True))
                                                        .order_by(Segment.name))]
    form.segments.choices = choices(shared)
    form.exclude_segments.choices = choices(shared)
    form.topics.choices = choices([(t.id, t.name) for t in db.session.scalars(select(Topic).order_by(Topic.name))])
    form.expand.choices = choices([("", "The chosen contacts themselves")] + audience.expansion_choices())
    return form


class ScheduleForm(FlaskForm):
    send_at = DateTimeLocalField("Send at", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], tz=org_zone,
                                 validators=[InputRequired("Choose the date and time to send.")],
                                 description="In the organisation's time zone.")

    def validate_send_at(self, field):
        if field.data and field.data < utcnow() - timedelta(seconds=30):
            raise ValidationError("That time has passed. Choose a time in the future, or send now.")


class TestSendForm(FlaskForm):
    addresses = TextAreaField("Send a test to", validators=[DataRequired("Enter at least one address.")],
                              render_kw={"rows": 2},
                              description=f"Up to {MAX_TEST_ADDRESSES} addresses, separated by commas or lines. "
                                          "The subject starts with [Test]; nobody in the audience gets it.")
    contact_id = StringField("As contact", filters=[_strip])

    def validate_addresses(self, field):
        from email_validator import EmailNotValidError, validate_email

        found = [a.strip() for a in (field.data or "").replace(",", "\n").replace(";", "\n").splitlines()
                 if a.strip()]
        if len(found) > MAX_TEST_ADDRESSES:
            raise ValidationError(f"At most {MAX_TEST_ADDRESSES} addresses.")
        for address in found:
            try:
                validate_email(address, check_deliverability=False)
            except EmailNotValidError:
                raise ValidationError(f"“{address}” is not an email address.") from None
        field.addresses = [a.lower() for a in found]


__all__ = ["CampaignForm", "LayoutForm", "ScheduleForm", "SenderForm", "TestSendForm", "campaign_form",
           "choices", "form_data"]
