"""The marketing pages to bench (issue 10: the campaign list, a campaign's
page and its recipients list, held to the contact list's targets), found
in the running app when the `marketing` module is enabled.

The module has no recipients page of its own: a campaign's recipients are
listed where people look for them, the contact list filtered by the
module's "Received campaign" criterion (marketing/tracking/filters.py),
with its first page and a keyset cursor 90% of the way through it.

Each is {"path", "note"}, or {"missing": why}.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select


def _busiest():
    """(id, name, recipient rows) of the sent campaign with the most recipients."""
    from app.extensions import db
    from modules.marketing.campaign_models import SENT, Campaign

    return db.session.execute(select(Campaign.id, Campaign.name, Campaign.recipients_total)
                              .where(Campaign.status == SENT)
                              .order_by(Campaign.recipients_total.desc(), Campaign.id).limit(1)).first()


def _history() -> int:
    from app.extensions import db
    from modules.marketing.campaign_models import Recipient

    return db.session.scalar(select(func.count()).select_from(Recipient)) or 0


def _recipients(campaign_id: int, name: str) -> tuple[dict, dict]:
    """The filtered contact list's first page and a deep keyset page, in
    the cursor format of modules/contacts/lists/queries.py (after=ID:SORT_NAME)."""
    from app.extensions import db
    from modules.contacts.models import Contact
    from modules.marketing.tracking.filters import received

    rule = f"campaign_received:is:{campaign_id}"
    live = (Contact.deleted_at.is_(None), received("is", str(campaign_id)))
    total = db.session.scalar(select(func.count()).select_from(Contact).where(*live)) or 0
    first = {"path": "/contacts/?" + urlencode({"f": rule}), "note": f"“{name}”: {total:,} contacts"}
    if total < 2:
        return first, {"missing": "the campaign has too few recipients for a deep page"}
    position = int(total * 0.9)
    row = db.session.execute(select(Contact.id, Contact.sort_name).where(*live)
                             .order_by(Contact.sort_name, Contact.id).offset(position).limit(1)).one()
    deep = {"path": "/contacts/?" + urlencode({"f": rule, "after": f"{row.id}:{row.sort_name}"}),
            "note": f"after row {position:,} of {total:,}"}
    return first, deep


def discover(app) -> dict | None:
    if "marketing" not in {m.name for m in app.extensions["steward"].enabled}:
        return None
    history = _history()
    busiest = _busiest()
    pages = {"history": history,
             "list": {"path": "/marketing/campaigns", "note": f"history of {history:,} recipient rows"}}
    if busiest is None:
        missing = {"missing": "no sent campaign in the data"}
        pages.update(campaign=missing, recipients=missing, recipients_deep=missing)
        return pages
    campaign_id, name, total = busiest
    pages["campaign"] = {"path": f"/marketing/campaigns/{campaign_id}",
                         "note": f"“{name}”, the largest sent campaign ({total or 0:,} recipients)"}
    try:
        pages["recipients"], pages["recipients_deep"] = _recipients(campaign_id, name)
    except Exception as error:  # noqa: BLE001 (the other marketing figures still count)
        why = {"missing": f"could not be found: {type(error).__name__}: {error}"[:200]}
        pages["recipients"] = pages["recipients_deep"] = why
    return pages
