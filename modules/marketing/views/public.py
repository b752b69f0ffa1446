"""The pages a contact opens from an email, without signing in.

- `/marketing/preferences/<token>`: their topics as checkboxes and
  "unsubscribe from everything". GET only shows; saving is a POST with the
  page's CSRF token.
- `/marketing/unsubscribe/<token>`: the List-Unsubscribe URL. GET shows a
  button and changes nothing (link scanners in mail filters fetch every
  link); POST is RFC 8058's one-click unsubscribe, sent by mail providers
  with the body `List-Unsubscribe=One-Click` and no cookies, so it is the one
  view exempt from CSRF, is rate-limited, and answers 200 without a redirect.

A forged or dead token gets a page that says so (404). Each change is in the
consent ledger with the source and the IP address.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app import organisation
from app.extensions import csrf, db
from app.limiter import limiter
from app.permissions import public
from modules.contacts.models import Contact
from modules.marketing import subscriptions, tokens
from modules.marketing.models import SUBSCRIBED, Topic
from modules.marketing.suppressions import is_suppressed
from modules.marketing.views import bp

ONE_CLICK_BODY = ("List-Unsubscribe", "One-Click")


def render_public(template: str, status: int = 200, **context):
    """A public page: the minimal layout with the organisation's name and logo."""
    return render_template(template, logo=organisation.logo_data_uri(), **context), status


def _bad_link():
    return render_public("marketing/public_link_invalid.html", 404)


def _contact_for(token: str) -> tuple[Contact | None, tokens.PreferenceLink | None]:
    link = tokens.read_preference_token(token)
    if link is None:
        return None, None
    contact = db.session.get(Contact, link.contact_id)
    if contact is None or contact.deleted_at is not None:
        return None, None
    return contact, link


def _topics_for(contact: Contact) -> list[Topic]:
    """What the page offers: the live topics shown on the preference page,
    and every topic the contact is subscribed to (so they can always leave)."""
    mine = subscriptions.subscribed_ids(contact.id)
    return list(db.session.scalars(select(Topic).where(
        (Topic.id.in_(mine)) | ((Topic.archived_at.is_(None)) & Topic.on_preference_page.is_(True)))
        .order_by(Topic.name)))


@bp.route("/preferences/<token>", methods=["GET", "POST"])
@public
def preferences(token: str):
    contact, _link = _contact_for(token)
    if contact is None:
        return _bad_link()
    origin = subscriptions.Origin(subscriptions.PREFERENCE_PAGE, ip=request.remote_addr)
    if request.method == "POST":
        if request.form.get("everything"):
            left = subscriptions.unsubscribe_all(contact, origin)
            _count_for_message(contact, None)
            db.session.commit()
            flash("You are unsubscribed from everything: we will send you no more emails like these."
                  + (f" ({left} topic{'s' if left != 1 else ''} left.)" if left else ""), "success")
        else:
            shown = {int(v) for v in request.form.getlist("shown") if v.isdigit()}
            wanted = {int(v) for v in request.form.getlist("topic") if v.isdigit()}
            changed = 0
            for topic in _topics_for(contact):
                if topic.id not in shown:
                    continue  # not on the page they saw: leave it as it is
                joining = topic.id in wanted
                if joining and topic.archived_at is not None:
                    continue
                changed += subscriptions.change(contact, topic, joining, origin)
            db.session.commit()
            flash("Your choices are saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("marketing.preferences", token=token, r=request.args.get("r")), code=303)
    states = subscriptions.states(contact.id)
    suppressed = any(is_suppressed(e) for e in subscriptions.addresses(contact.id))
    return render_public("marketing/preferences.html", contact=contact, topics=_topics_for(contact),
                         subscribed={tid for tid, row in states.items() if row.status == SUBSCRIBED},
                         suppressed=suppressed, token=token, r=request.args.get("r"))


def _count_for_message(contact: Contact, topic_name: str | None) -> None:
    """Campaign links carry `r`, the signed id of the message they came in:
    the campaign's "unsubscribed" count and the contact's timeline read it."""
    from modules.marketing.sending.links import read_view_token
    from modules.marketing.tracking import record

    token = request.args.get("r")
    record.unsubscribe(read_view_token(token) if token else None, contact.id, topic_name)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@public
@limiter.limit("30 per minute", methods=["POST"], scope="marketing-unsubscribe")
def unsubscribe(token: str):
    contact, link = _contact_for(token)
    if contact is None:
        return _bad_link()
    topic = db.session.get(Topic, link.topic_id) if link.topic_id is not None else None
    if request.method == "GET":
        return render_public("marketing/unsubscribe.html", topic=topic, token=token, done=False,
                             r=request.args.get("r"))
    if request.form.get(ONE_CLICK_BODY[0]) != ONE_CLICK_BODY[1]:
        return render_public("marketing/unsubscribe.html", 400, topic=topic, token=token, done=False,
                             problem="This request did not say “List-Unsubscribe=One-Click”, so nothing changed. "
                                     "Use the button below.")
    origin = subscriptions.Origin(subscriptions.ONE_CLICK, ip=request.remote_addr)
    if topic is not None:
        subscriptions.change(contact, topic, False, origin)
    else:
        subscriptions.unsubscribe_all(contact, origin)
    _count_for_message(contact, topic.name if topic is not None else None)
    db.session.commit()
    return render_public("marketing/unsubscribe.html", topic=topic, token=token, done=True)
