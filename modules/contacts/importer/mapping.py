"""Which fields a column can go to, and the automatic guess from its header.

A mapping is `{header: field key}` ("" = not imported). Custom fields are
`custom:<key>`. Headers are compared folded (case, accents, punctuation and
spaces ignored), so "E-mail", "email" and "E mail" are the same header.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from modules.contacts.lists.search import fold
from modules.contacts.models import CustomField, ImportMapping


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    group: str
    synonyms: tuple[str, ...] = ()


_BUILT_IN = (
    Target("kind", "Kind (person, household, organisation)", "Identity",
           ("kind", "type", "contact type", "record type", "contact kind")),
    Target("prefix", "Prefix (Dr, Ms…)", "Name", ("prefix", "title", "honorific", "name prefix")),
    Target("first_name", "First name", "Name",
           ("first name", "firstname", "first", "given name", "given names", "forename", "forenames",
            "christian name", "fname")),
    Target("middle_name", "Middle name", "Name", ("middle name", "middle names", "middle", "middle initial")),
    Target("last_name", "Last name", "Name",
           ("last name", "lastname", "last", "surname", "family name", "lname", "second name")),
    Target("suffix", "Suffix (Jr, OBE…)", "Name", ("suffix", "name suffix")),
    Target("preferred_name", "Preferred name", "Name",
           ("preferred name", "nickname", "known as", "goes by", "preferred first name")),
    Target("full_name", "Full name (people: split into first and last)", "Name",
           ("name", "full name", "contact name", "contact", "person", "display name")),
    Target("name", "Organisation or household name", "Name",
           ("organisation", "organization", "company", "company name", "organisation name",
            "organization name", "org", "business", "household", "household name")),
    Target("salutation", "Greeting in letters (after “Dear”)", "Name",
           ("salutation", "greeting", "greeting in letters", "dear", "informal salutation", "letter greeting")),
    Target("addressee", "Addressee in letters", "Name",
           ("addressee", "addressee in letters", "address name", "addressed to", "envelope name", "mailing name",
            "formal salutation")),
    Target("email", "Email", "Contact details",
           ("email", "e mail", "email address", "e mail address", "mail", "primary email", "email 1",
            "personal email")),
    Target("email_2", "Second email", "Contact details",
           ("email 2", "second email", "secondary email", "other email", "alternate email", "work email",
            "alternative email")),
    Target("phone", "Phone", "Contact details",
           ("phone", "telephone", "tel", "phone number", "telephone number", "home phone", "landline",
            "phone 1", "home telephone")),
    Target("mobile", "Mobile phone", "Contact details",
           ("mobile", "mobile phone", "mobile number", "cell", "cell phone", "cellphone", "cell number")),
    Target("phone_2", "Second phone", "Contact details",
           ("phone 2", "work phone", "other phone", "secondary phone", "business phone", "office phone")),
    Target("address_line1", "Address line 1", "Address",
           ("address", "address 1", "address line 1", "street", "street address", "line 1", "address1",
            "street 1")),
    Target("address_line2", "Address line 2", "Address",
           ("address 2", "address line 2", "line 2", "address2", "street 2")),
    Target("city", "Town or city", "Address", ("city", "town", "town city", "locality", "suburb", "city town")),
    Target("region", "Region, county or state", "Address", ("region", "state", "county", "province")),
    Target("postcode", "Postcode", "Address",
           ("postcode", "post code", "postal code", "zip", "zip code", "zipcode", "postcode zip", "zip postcode",
            "eircode")),
    Target("country", "Country", "Address", ("country", "country code", "nation")),
    Target("birth_date", "Birth date", "About",
           ("birth date", "birthdate", "date of birth", "dob", "birthday", "born")),
    Target("pronouns", "Pronouns", "About", ("pronouns", "pronoun")),
    Target("preferred_language", "Language", "About", ("language", "preferred language", "lang")),
    Target("notes", "Notes", "About", ("notes", "note", "comments", "comment", "remarks")),
    Target("source", "Source", "About", ("source", "lead source", "how heard", "origin", "referral source")),
    Target("tags", "Tags (comma-separated)", "About", ("tags", "tag", "labels", "groups", "categories")),
    Target("do_not_email", "Do not email (yes/no)", "Preferences", ("do not email", "no email", "dne")),
    Target("do_not_phone", "Do not phone (yes/no)", "Preferences",
           ("do not phone", "do not call", "no phone", "no calls", "dnc")),
    Target("do_not_mail", "Do not mail (yes/no)", "Preferences", ("do not mail", "no mail", "no post")),
    Target("email_opt_in", "Email opt-in (yes/no/unknown)", "Preferences",
           ("opt in", "email opt in", "opted in", "subscribed", "newsletter", "marketing consent",
            "email consent", "optin")),
)


def norm(header: str) -> str:
    return fold(header).replace(" ", "")


def custom_fields() -> list[CustomField]:
    return list(db.session.scalars(db.select(CustomField).where(CustomField.active.is_(True))
                                   .order_by(CustomField.position, CustomField.id)))


def targets(fields: list[CustomField] | None = None) -> list[Target]:
    """Everything a column can be imported into: built-in fields and every active custom field."""
    fields = custom_fields() if fields is None else fields
    return [*_BUILT_IN, *(Target(f"custom:{f.key}", f.label, "Custom fields", (f.label, f.key)) for f in fields)]


def groups(all_targets: list[Target]) -> list[tuple[str, list[Target]]]:
    out: dict[str, list[Target]] = {}
    for target in all_targets:
        out.setdefault(target.group, []).append(target)
    return list(out.items())


def guess(headers: list[str], all_targets: list[Target]) -> dict[str, str]:
    """`{header: key}`: each header that names a field or a synonym, each field at most once."""
    lookup: dict[str, str] = {}
    for target in all_targets:
        for synonym in (*target.synonyms, target.label, target.key):
            lookup.setdefault(norm(synonym), target.key)
    out, used = {}, set()
    for header in headers:
        key = lookup.get(norm(header), "")
        if key and key in used:
            key = ""
        used.add(key)
        out[header] = key
    return out


def apply_saved(headers: list[str], saved: ImportMapping, valid: set[str]) -> tuple[dict[str, str], int]:
    """The saved mapping's choices for the headers it knows; (mapping, how many applied)."""
    by_norm = {norm(h): key for h, key in (saved.columns or {}).items()}
    out, applied = {}, 0
    for header in headers:
        if norm(header) in by_norm and (by_norm[norm(header)] in valid or by_norm[norm(header)] == ""):
            out[header] = by_norm[norm(header)]
            applied += 1
    return out, applied


def problems(mapping: dict[str, str], labels: dict[str, str]) -> list[str]:
    """Messages for a mapping that cannot work."""
    out = []
    seen: dict[str, str] = {}
    for header, key in mapping.items():
        if not key:
            continue
        if key in seen:
            out.append(f"“{labels.get(key, key)}” is chosen for both “{seen[key]}” and “{header}”.")
        seen[key] = header
    if not set(seen) & {"first_name", "last_name", "full_name", "name", "preferred_name"}:
        out.append("Choose at least one column for a name (first name, last name, full name, "
                   "or organisation name).")
    return out
