"""The contacts resources' shapes, for validation of types and for the
OpenAPI document. The rules (a name is needed, an email must be valid, a
household must exist) are the contact form's, applied by bridge.py."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from app.api.ids import ROW_ID_MAX
from modules.contacts.models import OPT_IN, OPT_OUT, OPT_UNKNOWN

MAX_ROWS = 50
ID = v.Range(0, ROW_ID_MAX)  # the id columns' range on PostgreSQL (app/api/ids.py)


def _id(**kw):
    return f.Integer(validate=ID, strict=True, **kw)


def _text(**kw):
    return f.String(validate=v.Length(max=20000), **kw)


class Email(ma.Schema):
    email = f.String(required=True, validate=v.Length(max=254))
    label = f.String(load_default="", validate=v.Length(max=40))
    primary = f.Boolean(load_default=False)


class Phone(ma.Schema):
    number = f.String(required=True, validate=v.Length(max=40))
    label = f.String(load_default="", validate=v.Length(max=40))
    primary = f.Boolean(load_default=False)


class Address(ma.Schema):
    label = f.String(load_default="", validate=v.Length(max=40))
    line1 = f.String(load_default="", validate=v.Length(max=200))
    line2 = f.String(load_default="", validate=v.Length(max=200))
    city = f.String(load_default="", validate=v.Length(max=100))
    region = f.String(load_default="", validate=v.Length(max=100))
    postcode = f.String(load_default="", validate=v.Length(max=20))
    country = f.String(load_default="", validate=v.Length(max=2))
    primary = f.Boolean(load_default=False)


class RelationshipShown(ma.Schema):
    id = f.Integer(required=True)
    type_id = f.Integer(required=True)
    direction = f.String(required=True, metadata={"description": "a_to_b: this contact is the type's A side."})
    label = f.String(required=True, metadata={"description": "This contact is <label> the other: “parent of”."})
    other_id = f.Integer(required=True)
    other_name = f.String(required=True)
    note = f.String(required=True)
    primary = f.Boolean(required=True, metadata={"description": "An organisation's primary contact."})


CUSTOM_VALUE = f.Raw(allow_none=True, metadata={"description": "text, number, YYYY-MM-DD, true/false, "
                                                               "or a list of choices"})


class _Contact(ma.Schema):
    """What people, households and organisations share."""

    class Meta:
        ordered = True

    id = f.Integer(dump_only=True)
    kind = f.String(dump_only=True)
    display_name = f.String(dump_only=True)
    salutation = f.String(validate=v.Length(max=100))
    addressee = f.String(validate=v.Length(max=200))
    source = f.String(validate=v.Length(max=100))
    notes = _text()
    owner_id = _id(allow_none=True, metadata={"description": "The user who looks after this contact."})
    emails = f.List(f.Nested(Email), validate=v.Length(max=MAX_ROWS))
    phones = f.List(f.Nested(Phone), validate=v.Length(max=MAX_ROWS))
    addresses = f.List(f.Nested(Address), validate=v.Length(max=MAX_ROWS))
    do_not_email = f.Boolean()
    do_not_phone = f.Boolean()
    do_not_mail = f.Boolean()
    email_opt_in = f.String(dump_only=True, validate=v.OneOf((OPT_UNKNOWN, OPT_IN, OPT_OUT)),
                            metadata={"description": "Set it with POST …/consent (source and wording kept)."})
    tags = f.List(f.String(validate=v.Length(min=1, max=60)), validate=v.Length(max=100),
                  metadata={"description": "Tag names; a new name makes a new tag. Sent: the contact's tags "
                                           "become exactly these."})
    custom_fields = f.Dict(keys=f.String(), values=CUSTOM_VALUE,
                           metadata={"description": "By the field's key (Admin → Contacts settings)."})
    external_ids = f.Dict(keys=f.String(validate=v.Length(max=40)), values=f.String(allow_none=True),
                          metadata={"description": "Ids in other systems, `{\"stripe\": \"cus_...\"}`; "
                                                   "unique per system. null removes one."})
    relationships = f.List(f.Nested(RelationshipShown), dump_only=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class Person(_Contact):
    prefix = f.String(validate=v.Length(max=40))
    first_name = f.String(validate=v.Length(max=100))
    middle_name = f.String(validate=v.Length(max=100))
    last_name = f.String(validate=v.Length(max=100))
    suffix = f.String(validate=v.Length(max=40))
    preferred_name = f.String(validate=v.Length(max=100))
    birth_date = f.String(allow_none=True, validate=v.Length(max=10), metadata={"format": "date"})
    pronouns = f.String(validate=v.Length(max=40))
    preferred_language = f.String(validate=v.Length(max=20))
    household_id = _id(allow_none=True)


class Household(_Contact):
    name = f.String(validate=v.Length(max=200))
    member_ids = f.List(f.Integer(), dump_only=True)


class Organisation(_Contact):
    name = f.String(validate=v.Length(max=200))
    primary_contact_id = _id(allow_none=True, metadata={"description": "A person linked to the organisation "
                                                                          "by a relationship."})


class ContactQuery(ma.Schema):
    """Filtering, as the contact list's filter builder writes it."""

    class Meta:
        unknown = ma.EXCLUDE

    q = f.String(load_default="", validate=v.Length(max=200),
                 metadata={"description": "Quick search: each word is a prefix of a word in the name, "
                                          "emails, phones or organisation."})
    f_ = f.List(f.String(validate=v.Length(max=300)), data_key="f", load_default=list,
                validate=v.Length(max=20),
                metadata={"description": "A filter rule KEY:OP:VALUE, repeated (`tag:is:3`, `city:is:Leeds`, "
                                         "`created:between:2024-01-01..2024-06-30`, `cf_member_since:set:`). "
                                         "GET /api/v1/contacts/filters lists the keys and operators."})
    match = f.String(load_default="all", validate=v.OneOf(("all", "any")))
    sort = f.String(load_default="name", validate=v.OneOf(("name", "-name", "created", "-created", "updated",
                                                           "-updated")))
    external_id = f.String(load_default=None, validate=v.Length(max=241),
                           metadata={"description": "SYSTEM:ID, e.g. `stripe:cus_123`: the contact with that id."})


class CreateArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    create_anyway = f.Boolean(load_default=False, metadata={
        "description": "Create even when it seems to duplicate a contact (same email, or same name at the "
                       "postcode); without it such a POST answers 409 naming the contacts."})


class FilterSpecShown(ma.Schema):
    key = f.String(required=True)
    label = f.String(required=True)
    ops = f.Dict(keys=f.String(), values=f.String(), required=True)
    input = f.String(required=True)
    group = f.String(required=True)
