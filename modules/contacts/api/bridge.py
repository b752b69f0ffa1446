"""A JSON body as the contact form's fields, and the form's messages as the
body's field names: the API saves through the very form the edit page uses
(`forms.build` / `forms.clean`), so a rule is written once.

A PATCH is the contact as shown with the body's fields put over it, so
fields not sent keep their values; a POST starts from an empty contact."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from modules.contacts.api.shown import COMMON_TEXT, FLAGS, PERSON_TEXT
from modules.contacts.models import ORGANISATION, PERSON, Contact, CustomField
from modules.contacts.people import forms

ROW_KEYS = {"emails": ("email", "label"), "phones": ("number", "label"),
            "addresses": ("label", "line1", "line2", "city", "region", "postcode", "country")}
# Form field name -> the body's name, where they differ.
RENAMED = {"household": "household_id", "primary_contact": "primary_contact_id", "label_text": "label"}


def writable(shown: dict) -> dict:
    """The fields of a shown contact that a body may set (the base of a PATCH)."""
    keys = {*PERSON_TEXT, *COMMON_TEXT, *FLAGS, "name", "birth_date", "household_id", "owner_id",
            "primary_contact_id", "emails", "phones", "addresses", "custom_fields"}
    return {k: v for k, v in shown.items() if k in keys}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def formdata(kind: str, data: dict, custom: list[CustomField]) -> MultiDict:
    out = MultiDict()
    names = (*PERSON_TEXT, "birth_date") if kind == PERSON else ("name",)
    for name in (*names, *COMMON_TEXT):
        out[name] = _text(data.get(name))
    out["owner_id"] = _text(data.get("owner_id"))
    if kind == PERSON:
        out["household"] = _text(data.get("household_id"))
    if kind == ORGANISATION:
        out["primary_contact"] = _text(data.get("primary_contact_id"))
    for section, keys in ROW_KEYS.items():
        rows = data.get(section) or []
        primary = next((i for i, row in enumerate(rows) if row.get("primary")), 0)
        out[f"{section}_primary"] = str(primary)
        for index, row in enumerate(rows):
            for key in keys:
                out[f"{section}-{index}-{'label_text' if key == 'label' else key}"] = _text(row.get(key))
    for name in FLAGS:
        if data.get(name):
            out[name] = "y"
    values = data.get("custom_fields") or {}
    for field in custom:
        value = values.get(field.key)
        if field.type == "multi_choice":
            for item in value if isinstance(value, list) else ([] if value is None else [value]):
                out.add(f"cf_{field.id}", _text(item))
        else:
            out[f"cf_{field.id}"] = _text(value)
    return out


def form_for(kind: str, data: dict, contact: Contact | None = None) -> forms.ContactForm:
    from modules.contacts.people import custom_fields

    custom = custom_fields.fields_for(kind)
    return forms.build(kind, forms.SECTIONS, contact=contact, custom=custom, formdata=formdata(kind, data, custom),
                       meta={"csrf": False})


def errors(form: forms.ContactForm) -> dict[str, list[str]]:
    """The form's messages by the body's field names: `first_name`,
    `emails[0].email`, `custom_fields.member_since`."""
    keys = {f"cf_{cf.id}": f"custom_fields.{cf.key}" for cf in form.custom}
    out: dict[str, list[str]] = {}
    for name, field in form._fields.items():
        if name in forms.ROWS:
            for index, entry in enumerate(field.entries):
                for sub_name, sub in entry.form._fields.items():
                    if sub.errors:
                        out[f"{name}[{index}].{RENAMED.get(sub_name, sub_name)}"] = list(sub.errors)
        elif field.errors and isinstance(field.errors, list | tuple):
            out[keys.get(name, RENAMED.get(name, name))] = [str(e) for e in field.errors]
    return out
