"""The new-request web form, public or signed in to the portal.

While the customer types the subject and description, HTMX asks
`/help/new/suggest` for knowledge-base articles (hx-trigger "keyup changed
delay"). Without JavaScript, the first submit is a "check for answers"
step: the suggestions are shown, and the request is created when the form
is sent again (or at once, when nothing matches).

Each form session has a random `form_key`; suggestion links carry it, so an
article opened from the form is recorded (kb/feedback.py: deflection).

Spam: a honeypot field that people never see (filled: we answer as if sent,
and make nothing) and at most `PER_IP` requests per IP address per hour. No
third-party captcha."""

from __future__ import annotations

import secrets

from flask import redirect, request, url_for
from flask_wtf import FlaskForm
from limits import parse
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app import audit
from app.extensions import db
from app.ids import as_id
from app.limiter import limiter
from app.permissions import public
from modules.helpdesk import requesters, services
from modules.helpdesk.kb import feedback, search
from modules.helpdesk.models import IN
from modules.helpdesk.portal import sessions
from modules.helpdesk.public import bp
from modules.helpdesk.public.render import page

PER_IP = parse("5/hour")
SUGGESTIONS = 5


class RequestForm(FlaskForm):
    name = StringField("Your name", validators=[Optional(), Length(max=200)])
    email = EmailField("Your email address", validators=[DataRequired("Enter your email address, so we can answer."),
                                                          Email("Enter an email address like name@example.org."),
                                                          Length(max=254)])
    subject = StringField("Subject", validators=[DataRequired("Say in a few words what it is about."),
                                                 Length(max=200)])
    description = TextAreaField("Your question", validators=[DataRequired("Tell us what you need."),
                                                             Length(max=50_000)])
    website = StringField("Leave this empty", validators=[Optional()])  # the honeypot, hidden by CSS
    form_key = HiddenField()
    checked = HiddenField()


def _new_key() -> str:
    return secrets.token_urlsafe(18)


def _form(contact) -> RequestForm:
    form = RequestForm()
    if not feedback.valid_key(form.form_key.data):
        form.form_key.data = _new_key()
    if contact is not None:
        session = sessions.current()
        form.email.data = session.email
        form.name.data = contact.display_name
    return form


@bp.get("/new/suggest")
@public
def suggest():
    subject = request.args.get("subject", "")[:200]
    description = request.args.get("description", "")[:2000]
    form_key = request.args.get("form_key", "")
    found = search.suggest(subject, description, SUGGESTIONS)
    return page("helpdesk/help/_suggestions.html", found=found,
                form_key=form_key if feedback.valid_key(form_key) else "", typed=bool((subject + description).strip()))


@bp.route("/new", methods=["GET", "POST"])
@public
def new_request():
    contact = sessions.contact()
    form = _form(contact)
    if request.method == "GET" or not form.validate_on_submit():
        return page("helpdesk/help/new.html", 422 if form.errors else 200, form=form, contact=contact,
                    suggestions=None)
    if (form.website.data or "").strip():
        return page("helpdesk/help/new_sent.html", number=None, email=form.email.data)  # a bot: nothing made
    if not form.checked.data:
        found = search.suggest(form.subject.data, form.description.data, SUGGESTIONS)
        if found:
            form.checked.data = "1"
            return page("helpdesk/help/new.html", form=form, contact=contact, suggestions=found)
    if not limiter.limiter.hit(PER_IP, "helpdesk-web-form", request.remote_addr or "?"):
        return page("helpdesk/help/new.html", 429, form=form, contact=contact, suggestions=None, too_many=True)
    email = form.email.data.strip().lower()
    requester = contact if contact is not None else requesters.find_or_create(email, (form.name.data or "").strip())
    ticket = services.open_ticket(subject=form.subject.data.strip(), requester=requester, email=email, team=None,
                                  channel="portal" if contact is not None else "web")
    services.add_message(ticket, IN, text=form.description.data, from_address=email,
                         from_name=(form.name.data or "").strip(), subject=ticket.subject)
    feedback.ticket_sent(form.form_key.data, ticket.id)
    audit.record(audit.CREATE, ticket, summary=f"Ticket #{ticket.number} from the help centre's form")
    db.session.commit()
    if contact is not None:
        return redirect(url_for("help.portal_ticket", ticket_id=ticket.id), 303)
    return redirect(url_for("help.new_sent", number=ticket.number), 303)


@bp.get("/new/sent")
@public
def new_sent():
    return page("helpdesk/help/new_sent.html", number=request.args.get("number", type=as_id))
