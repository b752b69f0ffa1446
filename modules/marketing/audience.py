"""Who a campaign goes to, as SQL: the sender's choice (Campaign.audience)
becomes a SELECT of contact ids, and the reasons an address is left out
become columns freezing reads and conditions the size estimate applies.

The choice: {"segments": [ids], "filters": ["key:op:value", ...],
"match": "all"|"any", "topics": [ids], "exclude_segments": [ids],
"expand": {"relationship": "<type id>a|b", "per": "combined"|"each"}}.
Segments, the live rules and the topics' subscribers add up (a union);
segments are evaluated through the contacts module's own service
(modules/contacts/lists/segments.py), never copied.

Relationship expansion "<type>a" sends to the contacts on side a of that
relationship with the chosen contacts on side b ("guardian of" these
students); "b" the other way round.
"""

from __future__ import annotations

from sqlalchemy import exists, func, literal, null, or_, select, union

from app.extensions import db
from app.ids import parse_id
from modules.contacts import hooks
from modules.contacts.lists import queries, segments
from modules.contacts.models import OPT_OUT, Contact, Relationship, RelationshipType, Segment
from modules.marketing.models import SUBSCRIBED, UNSUBSCRIBED, Subscription, Suppression

COMBINED, EACH = "combined", "each"
PER = {COMBINED: "One message per recipient, listing everyone they are related to",
       EACH: "One message per related contact (a guardian of two students gets two)"}


def _ids(values) -> list[int]:
    return [i for i in (parse_id(str(v)) for v in values or ()) if i is not None]


def _segment_ids_selects(ids) -> list:
    found = db.session.scalars(select(Segment).where(Segment.id.in_(_ids(ids)))).all() if ids else []
    return [segments.contact_ids_select(s) for s in found]


def rules_query(audience: dict) -> queries.ListQuery:
    lq = queries.ListQuery.from_json({"f": list(audience.get("filters") or []),
                                      "match": audience.get("match") or "all"}, hooks.filter_specs())
    return lq


def chosen_ids(audience: dict, owner_id: int | None = None):
    """A SELECT of the ids of the contacts chosen (before expansion and
    exclusions), or None when nothing is chosen."""
    parts = _segment_ids_selects(audience.get("segments"))
    lq = rules_query(audience)
    usable = [r for r in lq.rules if not r.error and not r.pending]
    if usable:
        parts.append(queries.ids_select(segments.resolve_me(lq, owner_id), hooks.filter_specs()))
    topics = _ids(audience.get("topics"))
    if topics:
        parts.append(select(Subscription.contact_id).where(Subscription.topic_id.in_(topics),
                                                           Subscription.status == SUBSCRIBED))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else union(*parts)


def excluded_ids(audience: dict):
    parts = _segment_ids_selects(audience.get("exclude_segments"))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else union(*parts)


def expansion(audience: dict) -> tuple[int, str, str] | None:
    """(relationship type id, side the recipients are on, per) or None."""
    expand = audience.get("expand") or {}
    raw = str(expand.get("relationship") or "").strip()
    if not raw or raw[-1] not in "ab" or parse_id(raw[:-1]) is None:
        return None
    return parse_id(raw[:-1]), raw[-1], expand.get("per") if expand.get("per") in PER else COMBINED


def expansion_choices() -> list[tuple[str, str]]:
    """("<id>a", "guardian of these contacts"): whom a campaign may go to instead."""
    out = []
    for t in db.session.scalars(select(RelationshipType).order_by(RelationshipType.a_to_b)):
        out.append((f"{t.id}a", f"Their “{t.a_to_b}” contacts"))
        if t.b_to_a != t.a_to_b:
            out.append((f"{t.id}b", f"Their “{t.b_to_a}” contacts"))
    return out


def candidates(audience: dict, owner_id: int | None = None):
    """A subquery of (rid, via): the recipient contact and, with an
    expansion, the chosen contact it was reached through; None when the
    audience is empty."""
    chosen = chosen_ids(audience, owner_id)
    if chosen is None:
        return None
    expand = expansion(audience)
    if expand is None:
        return select(Contact.id.label("rid"), null().label("via")).where(Contact.id.in_(chosen)).subquery()
    type_id, side, _ = expand
    R = Relationship
    mine, theirs = (R.contact_a_id, R.contact_b_id) if side == "a" else (R.contact_b_id, R.contact_a_id)
    live_via = select(Contact.id).where(Contact.id == theirs, Contact.deleted_at.is_(None)).exists()
    return (select(mine.label("rid"), theirs.label("via"))
            .where(R.type_id == type_id, theirs.in_(chosen), live_via).distinct().subquery())


def reason_columns(campaign, rid):
    """Columns telling, per recipient contact, each reason it may be left out."""
    audience = campaign.audience or {}
    email = func.lower(func.trim(Contact.email))
    excluded = excluded_ids(audience)
    in_excluded = rid.in_(excluded) if excluded is not None else literal(False)
    if campaign.topic_id is not None:
        unsubscribed = exists().where(Subscription.contact_id == rid, Subscription.topic_id == campaign.topic_id,
                                      Subscription.status == UNSUBSCRIBED)
    else:
        unsubscribed = literal(False)
    suppressed = exists().where(Suppression.email == email)
    do_not_email = or_(Contact.do_not_email.is_(True), Contact.email_opt_in == OPT_OUT)
    return email, do_not_email, in_excluded, unsubscribed, suppressed


def estimate(campaign) -> tuple[int, bool]:
    """How many messages the audience comes to now, the way the contact list
    counts (no further than COUNT_CAP + 1): live contacts with an address,
    none of the exclusions, one per address (per address and related
    contact with one message each). Freezing gives the exact number."""
    cand = candidates(campaign.audience or {}, campaign.created_by_id)
    if cand is None:
        return 0, False
    email, do_not_email, in_excluded, unsubscribed, suppressed = reason_columns(campaign, cand.c.rid)
    expand = expansion(campaign.audience or {})
    key = [email, cand.c.via] if expand is not None and expand[2] == EACH else [email]
    stmt = (select(*key).select_from(cand).join(Contact, Contact.id == cand.c.rid)
            .where(Contact.deleted_at.is_(None), func.coalesce(email, "").like("%_@_%"),
                   ~do_not_email, ~in_excluded, ~unsubscribed, ~suppressed)
            .distinct().limit(queries.COUNT_CAP + 1).subquery())
    n = db.session.scalar(select(func.count()).select_from(stmt)) or 0
    return min(n, queries.COUNT_CAP), n > queries.COUNT_CAP


def estimate_label(n: int, capped: bool) -> str:
    if capped:
        return f"{queries.COUNT_CAP:,}+ messages"
    return f"{n:,} message" + ("" if n == 1 else "s")


def is_empty(audience: dict) -> bool:
    return chosen_ids(audience or {}) is None
