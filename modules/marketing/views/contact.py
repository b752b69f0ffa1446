"""Staff subscribe and unsubscribe a contact from the Subscriptions panel of
the contact page (source "staff", the user recorded in the consent ledger)."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user

from app.extensions import db
from app.htmx import redirect_after_post
from app.ids import parse_id
from app.permissions import permission_required
from modules.contacts.people import records
from modules.marketing import subscriptions
from modules.marketing.models import Topic
from modules.marketing.views import bp

CHANGED = "contact-changed"


@bp.post("/contacts/<int:contact_id>/subscriptions")
@permission_required("marketing.edit")
def contact_subscription(contact_id: int):
    """Posts the state it asks for (`subscribed=1` or `0`) for one topic, so a
    click on a stale page never undoes a colleague's change."""
    contact = records.load(contact_id)
    topic_id = parse_id(request.form.get("topic"))
    topic = db.session.get(Topic, topic_id) if topic_id is not None else None
    if contact is None or topic is None or request.form.get("subscribed") not in ("0", "1"):
        abort(404 if contact is None or topic is None else 400)
    wanted = request.form["subscribed"] == "1"
    if wanted and topic.archived_at is not None:
        flash(f"“{topic.name}” is archived: nobody can join it now.", "warning")
    else:
        user = current_user._get_current_object()
        changed = subscriptions.change(contact, topic, wanted, subscriptions.Origin(subscriptions.STAFF, user=user))
        db.session.commit()
        verb = "subscribed to" if wanted else "unsubscribed from"
        flash(f"{contact.display_name} is {verb} “{topic.name}”." if changed
              else f"{contact.display_name} was {verb} “{topic.name}” already.", "success")
    return redirect_after_post(url_for("contacts.show", contact_id=contact.id, _anchor="panel-subscriptions"),
                               trigger=CHANGED)
