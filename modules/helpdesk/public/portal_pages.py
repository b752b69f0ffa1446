"""The customer portal: sign in with a one-time link sent by email, see
your tickets (and your organisation's, when allowed), reply to them.

Asking for a link always answers with the same page, whether or not the
address is known (no account enumeration). The link's GET only shows a
"Sign in" button: mail scanners that fetch links must not spend it."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from app import audit
from app.extensions import db
from app.permissions import public
from modules.helpdesk.models import STATUSES
from modules.helpdesk.portal import links, sessions, tickets
from modules.helpdesk.public import bp
from modules.helpdesk.public.render import not_found, page


class SignInForm(FlaskForm):
    email = EmailField("Your email address", validators=[DataRequired("Enter your email address."),
                                                          Email("Enter an email address like name@example.org."),
                                                          Length(max=254)])


class PortalReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[DataRequired("Write your reply first."), Length(max=50_000)])


@bp.route("/signin", methods=["GET", "POST"])
@public
def signin():
    form = SignInForm()
    if form.validate_on_submit():
        try:
            links.request_link(form.email.data, request.remote_addr or "")
        except links.TooManyRequests:
            return page("helpdesk/help/signin.html", 429, form=form, too_many=True)
        db.session.commit()
        return page("helpdesk/help/signin_sent.html", email=form.email.data.strip(), minutes=links.LINK_MINUTES)
    return page("helpdesk/help/signin.html", 422 if form.errors else 200, form=form)


@bp.route("/signin/<token>", methods=["GET", "POST"])
@public
def signin_link(token: str):
    if request.method == "GET":
        link = links.read(token)
        if link is None:
            return page("helpdesk/help/signin_invalid.html", 404)
        return page("helpdesk/help/signin_confirm.html", email=link.email, form=FlaskForm())
    if not FlaskForm().validate_on_submit():
        return page("helpdesk/help/signin_invalid.html", 400)
    link = links.use(token)
    if link is None:
        db.session.rollback()
        return page("helpdesk/help/signin_invalid.html", 404)
    response = redirect(url_for("help.portal"), 303)
    session = sessions.start(response, link.contact_id, link.email)
    db.session.flush()
    audit.record(audit.LOGIN, session, actor=f"help centre: {link.email}",
                 summary=f"{link.email} signed in to the help centre with an emailed link")
    db.session.commit()
    return response


@bp.post("/signout")
@public
def signout():
    response = redirect(url_for("help.home"), 303)
    if FlaskForm().validate_on_submit():
        ended = sessions.current()
        sessions.end(response)
        if ended is not None:
            audit.record(audit.LOGOUT, ended, actor=f"help centre: {ended.email}",
                         summary=f"{ended.email} signed out of the help centre")
        db.session.commit()
    return response


def _signed_in():
    session = sessions.current()
    if session is None:
        return None, redirect(url_for("help.signin"), 303)
    return session, None


@bp.get("/portal/")
@public
def portal():
    session, away = _signed_in()
    if away:
        return away
    rows = tickets.tickets(session.contact_id)
    return page("helpdesk/help/portal.html", tickets=rows, statuses=STATUSES, org_tickets=tickets.org_allowed(),
                me=session.contact_id)


@bp.route("/portal/tickets/<int:ticket_id>", methods=["GET", "POST"])
@public
def portal_ticket(ticket_id: int):
    session, away = _signed_in()
    if away:
        return away
    ticket = tickets.ticket_for(session.contact_id, ticket_id)
    if ticket is None:
        return not_found("There is no such request among yours.")
    form = PortalReplyForm()
    status = 200
    if request.method == "POST":
        if not tickets.can_reply(ticket):
            return not_found("This request is closed: open a new one.")
        if form.validate_on_submit():
            tickets.reply(ticket, sessions.contact(), session.email, form.body.data)
            db.session.commit()
            flash("Your reply is added to the request.", "success")
            return redirect(url_for("help.portal_ticket", ticket_id=ticket.id) + "#latest", 303)
        status = 422
    return page("helpdesk/help/portal_ticket.html", status, ticket=ticket, messages=tickets.conversation(ticket),
                form=form, can_reply=tickets.can_reply(ticket), statuses=STATUSES)
