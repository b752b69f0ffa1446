"""“View this email in your browser”: one recipient's message as it was
sent, rendered again from the campaign and the recipient row. The link
carries a signed recipient id, never a contact id; no sign-in."""

from __future__ import annotations

from flask import make_response
from sqlalchemy import select

from app.extensions import db
from app.permissions import public
from modules.contacts.models import Contact
from modules.marketing import rendering
from modules.marketing.campaign_models import Campaign, Recipient
from modules.marketing.sending import links
from modules.marketing.views import bp
from modules.marketing.views.public import render_public

# The message's own HTML, with its inlined styles; never a script.
CSP = ("default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@bp.get("/view/<token>")
@public
def view_in_browser(token: str):
    recipient_id = links.read_view_token(token)
    recipient = db.session.get(Recipient, recipient_id) if recipient_id is not None else None
    contact = db.session.get(Contact, recipient.contact_id) if recipient and recipient.contact_id else None
    if recipient is None or contact is None or contact.deleted_at is not None or not recipient.email:
        return render_public("marketing/public_link_invalid.html", 404)
    campaign = db.session.get(Campaign, recipient.campaign_id)
    related = list(db.session.scalars(select(Contact).where(Contact.id.in_(recipient.related or []))))
    key = links.preference_keys({contact.id})[contact.id]
    context = rendering.recipient_context(recipient, contact, related,
                                            links.for_recipient(recipient, key, campaign.topic_id))
    subject, html, _ = rendering.compile_campaign(campaign).render(context)
    db.session.commit()  # a preference key made on first use
    response = make_response(html)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "private, no-store"
    return response
