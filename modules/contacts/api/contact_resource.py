"""One resource per kind of contact (people at /contacts, /households,
/organisations), built by `make`: list with the filter builder's criteria,
read, create, update, move to the trash. The body goes through the contact
form (bridge.py) and the pages' services."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint
from sqlalchemy import select

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import can, permission_required
from modules.contacts import hooks
from modules.contacts.api import bridge, shown
from modules.contacts.api.schemas import ContactQuery, CreateArgs
from modules.contacts.lists import queries
from modules.contacts.models import Contact, ExternalId
from modules.contacts.people import existing, external_ids, forms, records, relations, saving

FIELDS_ARG = ListArgs


def specs() -> dict:
    """The filter criteria this token may use (as the list page's)."""
    return {key: spec for key, spec in hooks.filter_specs().items() if can(spec.permission)}


def list_query(query: dict):
    """The list query from the parameters; a rule that cannot be used is a
    422 naming it (the list page ignores it; a script must hear of it)."""
    lq = queries.parse_tokens(query["q"], query["f_"], query["match"], query["sort"], specs())
    where = queries.conditions(lq, specs())
    bad = {f"f[{i}]": [rule.error or "This rule needs a value."]
           for i, rule in enumerate(lq.rules) if rule.error or rule.pending}
    if bad:
        problems.invalid_query(bad, "A filter rule cannot be used.")
    if query.get("external_id"):
        system, sep, value = query["external_id"].partition(":")
        if not sep or not value:
            problems.invalid_query({"external_id": ["Write it as SYSTEM:ID, like stripe:cus_123."]})
        where.append(Contact.id.in_(select(ExternalId.contact_id).where(ExternalId.system == system.strip(),
                                                                        ExternalId.value == value.strip())))
    return lq, where


def set_tags(contact: Contact, names: list[str] | None) -> None:
    """Make the contact's tags exactly `names` (a new name makes a new tag)."""
    if names is None:
        return
    wanted = {n.strip().lower(): n.strip() for n in names if n.strip()}
    for tag in list(contact.tags):
        if tag.name.lower() not in wanted:
            relations.remove_tag(contact, tag)
    have = {t.name.lower() for t in contact.tags}
    for key, name in wanted.items():
        if key not in have:
            relations.add_tag(contact, relations.find_or_create_tag(name))


def checked_form(kind: str, data: dict, contact: Contact | None, body: dict, where: str = ""):
    """The contact form filled from `data` and checked; a 422 naming every
    field that is wrong, the external ids included."""
    form = bridge.form_for(kind, data, contact)
    cleaned = forms.clean(form, contact)
    found = {} if cleaned is not None else bridge.errors(form)
    unknown = sorted(set(body.get("custom_fields") or {}) - {cf.key for cf in form.custom})
    if unknown:
        found["custom_fields"] = [f"No such custom field for this kind of contact: {', '.join(unknown)[:200]}."]
    for system, messages in external_ids.problems(body.get("external_ids") or {},
                                                  contact.id if contact else None).items():
        found[f"external_ids.{system}"] = messages
    if found:
        return form, None, {f"{where}{k}": v for k, v in found.items()}
    return form, cleaned, {}


def save_extras(contact: Contact, body: dict) -> None:
    set_tags(contact, body.get("tags"))
    if body.get("external_ids"):
        external_ids.update(contact, body["external_ids"])


def etagged(contact: Contact, status: int = 200, **headers):
    data = shown.show_one(contact)
    return data, status, {"ETag": writes.etag_of(data), **headers}


def make(kind: str, noun: str, schema, title: str) -> Blueprint:
    """The blueprint of one kind of contact at /<noun>."""
    blp = Blueprint(f"api_{noun}", __name__, description=title)
    page_schema = lists.page_schema(schema, f"{schema.__name__}Page")
    allowed = set(schema().fields)

    def one(contact_id: int) -> Contact:
        contact = shown.load(contact_id, kind)
        if contact is None:
            problems.abort_with(404, "Not found", f"There is no {kind} {contact_id}.")
        return contact

    def url(contact: Contact) -> str:
        return url_for(f"api_{noun}.read", contact_id=contact.id)

    @blp.route(f"/{noun}")
    @permission_required("contacts.view")
    @blp.arguments(ListArgs, location="query", as_kwargs=False)
    @blp.arguments(ContactQuery, location="query", as_kwargs=False)
    @blp.response(200, page_schema)
    def index(paging, query):
        wanted = lists.wanted_fields(paging["fields"], allowed)
        lists.check_cursor(paging["after"])
        lq, where = list_query(query)
        stmt = select(Contact).where(*where, Contact.kind == kind).options(*shown.loads_for(wanted))
        page = queries.page(stmt, lq, after=paging["after"], per_page=paging["limit"], restart=False)
        return {"data": shown.show_many(page.items, wanted), "links": {"next": lists.next_link(page.next_cursor)}}

    index.__doc__ = f"""Every {kind}, a page at a time, in a stable order (`sort`, then id).

    Filter with the contact list's criteria (`f=KEY:OP:VALUE`, repeated; `match=any` for OR),
    search with `q`, choose fields with `fields`. Follow `links.next` for the next page."""

    @blp.route(f"/{noun}", methods=["POST"])
    @permission_required("contacts.edit")
    @writes.write
    @blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
    @blp.arguments(CreateArgs, location="query", as_kwargs=False)
    @blp.arguments(schema, as_kwargs=False)
    @blp.response(201, schema)
    def create(args, body):
        data = {**body}
        form, cleaned, found = checked_form(kind, data, None, body)
        if found:
            problems.invalid(found)
        matches = existing.find_for(kind, cleaned.values, cleaned.details)
        if matches and not args["create_anyway"]:
            problems.abort_with(409, "Seems to exist already", "Contacts like this one exist (see `duplicates`). "
                                "Update one of them, or send the POST again with ?create_anyway=true.",
                                type_="urn:steward:problem:duplicate",
                                duplicates=[{"id": m.contact_id, "display_name": m.display_name,
                                             "reasons": m.reasons} for m in matches])
        contact = saving.create(kind, form, cleaned, matches)
        save_extras(contact, body)
        db.session.flush()
        return etagged(contact, 201, Location=url(contact))

    create.__doc__ = f"""Add a {kind}, checked by the same rules as the form on the page.

    A {kind} that seems to exist already (same email, or the same name at the same postcode)
    answers 409 listing them, unless `create_anyway=true`. Send an `Idempotency-Key` header so a
    retried POST makes one {kind}."""

    @blp.route(f"/{noun}/<id:contact_id>")
    @permission_required("contacts.view")
    @blp.arguments(ListArgs, location="query", as_kwargs=False)
    @blp.response(200, schema)
    def read(paging, contact_id: int):
        contact = one(contact_id)
        data, status, headers = etagged(contact)
        return lists.sparse_one(data, paging["fields"], allowed), status, headers

    read.__doc__ = f"""One {kind}. The `ETag` goes back in `If-Match` on PATCH and DELETE."""

    @blp.route(f"/{noun}/<id:contact_id>", methods=["PATCH"])
    @permission_required("contacts.edit")
    @writes.write
    @blp.doc(parameters=[writes.IF_MATCH])
    @blp.arguments(schema(partial=True), as_kwargs=False)
    @blp.response(200, schema)
    def update(body, contact_id: int):
        contact = one(contact_id)
        writes.check_if_match(contact, shown.show_one)
        current = shown.show_one(contact)
        data = {**bridge.writable(current), **body}
        data["custom_fields"] = {**current["custom_fields"], **(body.get("custom_fields") or {})}
        form, cleaned, found = checked_form(kind, data, contact, body)
        if found:
            problems.invalid(found)
        saving.update(contact, form, cleaned)
        save_extras(contact, body)
        db.session.flush()
        return etagged(contact)

    update.__doc__ = f"""Change the fields sent; the others keep their values. Lists (emails, phones,
    addresses, tags) are replaced whole when sent. With `If-Match`, a {kind} changed since it was
    read is refused with 412 and nothing is written."""

    @blp.route(f"/{noun}/<id:contact_id>", methods=["DELETE"])
    @permission_required("contacts.delete")
    @writes.write
    @blp.doc(parameters=[writes.IF_MATCH])
    @blp.response(204)
    def delete(contact_id: int):
        contact = one(contact_id)
        writes.check_if_match(contact, shown.show_one)
        records.trash([contact])
        return "", 204

    delete.__doc__ = f"""Move the {kind} to the trash (restored from the trash page, as from the UI)."""
    return blp
