"""Forms for creating and editing a contact, whole or one section at a time.

A contact form is assembled per request from sections (`identity`, `details`,
`preferences`, `custom`), so the inline editors on the contact page and the
full edit page share the same fields, validation and messages. `clean()`
does the checks that need more than one field or the database and returns
what `records.create`/`records.update` take.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.extensions import db
from app.forms import DateProblem, choices, read_date
from app.ids import parse_id
from app.languages import LanguageCode
from app.languages import normalise as normalise_language
from app.models import User
from modules.contacts.models import OPT_IN, OPT_OUT, ORGANISATION, PERSON, Contact, CustomField
from modules.contacts.people import custom_fields, phones
from modules.contacts.people.records import Details

SECTIONS = ("identity", "details", "preferences", "custom")
SECTION_TITLES = {"identity": "Identity", "details": "Contact details", "preferences": "Preferences",
                  "custom": "More details", "tags": "Tags"}
MAX_ROWS = 50

# A short list for the country input; any other ISO 3166 two-letter code is accepted too.
COUNTRIES = {
    "US": "United States", "GB": "United Kingdom", "CA": "Canada", "AU": "Australia",
    "NZ": "New Zealand", "IE": "Ireland", "FR": "France", "DE": "Germany", "NL": "Netherlands",
    "BE": "Belgium", "ES": "Spain", "IT": "Italy", "PT": "Portugal", "CH": "Switzerland",
    "SE": "Sweden", "NO": "Norway", "DK": "Denmark", "PL": "Poland", "IN": "India",
    "ZA": "South Africa", "KE": "Kenya", "NG": "Nigeria", "BR": "Brazil", "MX": "Mexico",
}
ISO_COUNTRIES = phonenumbers.SUPPORTED_REGIONS  # ISO 3166-1 alpha-2 codes that have phone plans


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(label: str, max_: int, **kw) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=max_)], filters=[_strip], **kw)


# ---------------------------------------------------------------- repeating rows
class EmailRow(Form):
    email = _text("Email", 254, render_kw={"type": "email", "autocomplete": "off",
                                           "placeholder": "name@example.org"})
    label_text = _text("Label", 40, render_kw={"placeholder": "home, work…"})


class PhoneRow(Form):
    number = _text("Phone", 40, render_kw={"type": "tel", "autocomplete": "off"})  # placeholder: phones.example
    label_text = _text("Label", 40, render_kw={"placeholder": "mobile, work…"})


class AddressRow(Form):
    label_text = _text("Label", 40, render_kw={"placeholder": "home, work…"})
    line1 = _text("Street", 200)
    line2 = _text("Line 2", 200)
    city = _text("City", 100)
    region = _text("Region", 100, render_kw={"placeholder": "state, county…"})
    postcode = _text("Postcode", 20)
    country = StringField("Country", validators=[Optional(), Length(max=2)],
                          filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
                          render_kw={"list": "country-codes", "maxlength": 2, "autocomplete": "off",
                                     "placeholder": "GB, US…"})


ROWS = {"emails": (EmailRow, "email", "Email"), "phones": (PhoneRow, "number", "Phone"),
        "addresses": (AddressRow, "line1", "Address")}


def blank_row(name: str, index: int) -> Form:
    """One empty row of `name` at position `index` (for "Add another" with HTMX)."""
    row_class = ROWS[name][0]
    return row_class(formdata=None, prefix=f"{name}-{index}")


# ---------------------------------------------------------------- sections
class _PersonIdentity:
    prefix = _text("Prefix", 40, description="Dr, Ms, Rev…")
    first_name = _text("First name", 100, render_kw={"autocomplete": "off"})
    middle_name = _text("Middle name", 100)
    last_name = _text("Last name", 100, render_kw={"autocomplete": "off"})
    suffix = _text("Suffix", 40, description="Jr, PhD…")
    preferred_name = _text("Preferred name", 100, description="What they like to be called.")
    birth_date = StringField("Birth date", validators=[Optional()], filters=[_strip],
                             render_kw={"type": "date"})
    pronouns = _text("Pronouns", 40, description="she/her, they/them…")
    preferred_language = StringField("Preferred language", validators=[Optional(), Length(max=20), LanguageCode()],
                                     filters=[_strip, normalise_language],
                                     description="A language code: en, fr, es-MX…")
    household = StringField("Household", filters=[_strip], validators=[Length(max=220)],
                            description="Type to search by name, or enter the household's number.",
                            render_kw={"autocomplete": "off", "list": "household-options"})


class _GroupIdentity:
    name = _text("Name", 200)


class _About:
    source = _text("Source", 100, description="Where they came from: event, website, referral…")
    owner_id = SelectField("Owner", validate_choice=False, description="The colleague who looks after this contact.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20000)], filters=[_strip])


class _Letters:
    """How letters greet and address the contact, when the rules would not do."""

    salutation = _text("Greeting", 100, description="After “Dear”: “Dr Hopper” gives “Dear Dr Hopper,”. "
                                                    "Empty: the usual greeting.")
    addressee = _text("Addressee", 200, description="The name above the postal address: “Dr and Mr Hopper”. "
                                                   "Empty: the usual name.")


class _Organisation:
    primary_contact = SelectField("Primary contact", validate_choice=False,
                                  description="Letters to the organisation greet and address this person. "
                                              "Link people under Relationships to choose them here.")


class _Details:
    emails = FieldList(FormField(EmailRow), min_entries=1, max_entries=MAX_ROWS)
    emails_primary = StringField()
    phones = FieldList(FormField(PhoneRow), min_entries=1, max_entries=MAX_ROWS)
    phones_primary = StringField()
    addresses = FieldList(FormField(AddressRow), min_entries=1, max_entries=MAX_ROWS)
    addresses_primary = StringField()


class _Preferences:
    do_not_email = BooleanField("Do not email")
    do_not_phone = BooleanField("Do not phone")
    do_not_mail = BooleanField("Do not send post")


def _custom_field(cf: CustomField):
    label = cf.label
    if cf.type == "long_text":
        return TextAreaField(label, filters=[_strip])
    if cf.type == "yes_no":
        return SelectField(label, choices=choices([("", "—"), ("yes", "Yes"), ("no", "No")]), validate_choice=False)
    if cf.type == "choice":
        return SelectField(label, choices=choices([("", "—")] + [(c, c) for c in cf.choices]), validate_choice=False)
    if cf.type == "multi_choice":
        return SelectMultipleField(label, choices=choices((c, c) for c in cf.choices), validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    kw = {"type": "date"} if cf.type == "date" else {"inputmode": "decimal"} if cf.type == "number" else {}
    return StringField(label, filters=[_strip], render_kw=kw)


class ContactForm(FlaskForm):
    """Base of every assembled contact form; see `build`."""

    kind = PERSON
    sections: tuple = ()
    custom: list = []

    def has(self, section: str) -> bool:
        return section in self.sections

    def custom_fields_(self):
        return [(cf, self[f"cf_{cf.id}"]) for cf in self.custom]


def build(kind: str, sections=SECTIONS, *, contact: Contact | None = None, formdata=...,
          custom: list[CustomField] | None = None, custom_values: dict | None = None,
          meta: dict | None = None) -> ContactForm:
    """A form for `kind` with `sections`, prefilled from `contact` (and its
    custom values) when given. `formdata=None` ignores the request (for GET);
    the API passes what it was sent, and `meta={"csrf": False}`."""
    bases = [ContactForm]
    if "identity" in sections:
        bases += [_PersonIdentity if kind == PERSON else _GroupIdentity, _About, _Letters]
        if kind == ORGANISATION:
            bases.append(_Organisation)
    if "details" in sections:
        bases.append(_Details)
    if "preferences" in sections:
        bases.append(_Preferences)
    custom = (custom if custom is not None else custom_fields.fields_for(kind)) if "custom" in sections else []
    attrs = {"kind": kind, "sections": tuple(sections), "custom": custom}
    attrs.update({f"cf_{cf.id}": _custom_field(cf) for cf in custom})
    form_class = type("AssembledContactForm", tuple(reversed(bases[1:])) + (ContactForm,), attrs)
    data = _initial(contact, custom, custom_values or {}) if contact is not None else {}
    kwargs = {} if formdata is ... else {"formdata": formdata}
    if meta is not None:
        kwargs["meta"] = meta
    form = form_class(data=data, **kwargs)
    if "identity" in sections:
        form.owner_id.choices = owner_choices(contact.owner if contact is not None else None)
        if kind == ORGANISATION:
            form.primary_contact.choices = primary_contact_choices(contact)
    if "details" in sections and contact is not None and (formdata is None or not form.is_submitted()):
        for name in ROWS:
            rows = list(getattr(contact, name))
            getattr(form, f"{name}_primary").data = str(next(
                (i for i, r in enumerate(rows) if r.is_primary), 0))
    return form


def add_blank_rows(form: ContactForm) -> None:
    """The empty row after the existing ones, on a form shown for editing."""
    if form.has("details"):
        for name in ROWS:
            rows = getattr(form, name)
            if not rows.entries or any(v for v in rows.entries[-1].data.values()):
                rows.append_entry()


def _initial(contact: Contact, custom: list[CustomField], values: dict) -> dict:
    data = {name: getattr(contact, name) for name in (
        "prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name", "pronouns",
        "preferred_language", "name", "source", "notes", "do_not_email", "do_not_phone", "do_not_mail",
        "salutation", "addressee")}
    data["birth_date"] = contact.birth_date.isoformat() if contact.birth_date else ""
    data["owner_id"] = str(contact.owner_id or "")
    if contact.kind == ORGANISATION:
        from modules.contacts.people import addressing

        primary = addressing.primary_contact(contact)
        data["primary_contact"] = str(primary.id) if primary else ""
    household = contact.household if contact.household_id else None
    data["household"] = household_text(household) if household is not None else ""
    data["emails"] = [{"email": e.email, "label_text": e.label} for e in contact.emails]
    data["phones"] = [{"number": phones.display(p.number), "label_text": p.label} for p in contact.phones]
    data["addresses"] = [{"label_text": a.label, **{k: getattr(a, k) for k in (
        "line1", "line2", "city", "region", "postcode", "country")}} for a in contact.addresses]
    for cf in custom:
        value = values.get(cf.id)
        if cf.type == "multi_choice":
            data[f"cf_{cf.id}"] = value or []
        elif cf.type == "yes_no":
            data[f"cf_{cf.id}"] = "" if value is None else ("yes" if value else "no")
        else:
            data[f"cf_{cf.id}"] = custom_fields.display(cf, value)
    return data


def household_text(household: Contact) -> str:
    return f"{household.display_name} (#{household.id})"


def primary_contact_choices(organisation: Contact | None) -> list[tuple[str, str]]:
    from modules.contacts.people import relations

    linked = relations.linked_people(organisation) if organisation is not None and organisation.id else []
    return choices([("", "Nobody: letters say “Dear friends at …”")] + [(str(i), name) for i, name in linked])


def owner_choices(current: User | None = None) -> list[tuple[str, str]]:
    users = db.session.scalars(db.select(User).where(User.active.is_(True)).order_by(User.name)).all()
    if current is not None and current not in users:
        users.append(current)
    return choices([("", "Nobody")] + [(str(u.id), u.name) for u in users])


# ---------------------------------------------------------------- checking
@dataclass
class Cleaned:
    values: dict = field(default_factory=dict)
    details: Details | None = None
    primary_contact: object = ...  # an organisation's primary contact id or None; ... when not in the form
    custom: dict = field(default_factory=dict)


def _rows(form: ContactForm, name: str) -> list[dict]:
    """The filled rows of `name`, checked; errors go on the row's fields."""
    key = ROWS[name][1]
    try:
        primary = int(getattr(form, f"{name}_primary").data or 0)
    except ValueError:
        primary = 0
    rows = []
    for index, entry in enumerate(getattr(form, name).entries):
        data = {k: (v or "").strip() for k, v in entry.data.items()}
        data["label"] = data.pop("label_text")
        if not any(v for k, v in data.items() if k != "label"):
            continue
        if name == "emails":
            try:
                data["email"] = validate_email(data["email"], check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                entry.form.email.errors.append("Enter a valid email address, like name@example.org.")
        elif name == "phones":
            number = phones.normalise(data["number"])
            if number is None:
                entry.form.number.errors.append("This does not look like a phone number. "
                                                "Include the country code (+44…) for numbers abroad.")
            data["number"] = number or data["number"]
        else:
            if data["country"] and data["country"] not in ISO_COUNTRIES:
                entry.form.country.errors.append("Use a two-letter country code, like GB or US.")
            if not data[key] and not data["city"] and not data["postcode"]:
                entry.form.line1.errors.append("Enter at least a street, a city or a postcode.")
        data["is_primary"] = index == primary
        rows.append(data)
    # FieldList keeps the errors it saw in validate(): show these too (form.errors, the form's alert).
    entries = getattr(form, name)
    entries.errors = [entry.errors for entry in entries.entries] if any(e.errors for e in entries.entries) else []
    return rows


def clean(form: ContactForm, contact: Contact | None = None) -> Cleaned | None:
    """Run the field validators and the checks across fields; None when
    something is wrong (the messages are on the fields)."""
    from modules.contacts.people import relations

    form.validate()
    out = Cleaned()
    if form.has("identity"):
        if form.kind == PERSON:
            for name in ("prefix", "first_name", "middle_name", "last_name", "suffix", "preferred_name",
                         "pronouns", "preferred_language"):
                out.values[name] = form[name].data or ""
            if not (out.values["first_name"] or out.values["last_name"]):
                form.first_name.errors.append("Enter a first or a last name.")
            out.values["birth_date"] = None
            if form.birth_date.data:
                try:
                    born = read_date(form.birth_date.data)
                except DateProblem as problem:
                    form.birth_date.errors.append(str(problem))
                else:
                    if born > date.today():
                        form.birth_date.errors.append("A birth date cannot be in the future.")
                    elif born.year < 1870:
                        form.birth_date.errors.append("Enter a birth date after 1870.")
                    else:
                        out.values["birth_date"] = born
            out.values["household_id"] = None
            if form.household.data:
                household, problem = relations.resolve(form.household.data, kind="household")
                if problem:
                    form.household.errors.append(problem)
                else:
                    out.values["household_id"] = household.id
        else:
            out.values["name"] = form.name.data or ""
            if not out.values["name"]:
                form.name.errors.append("Enter a name.")
        out.values["salutation"] = form.salutation.data or ""
        out.values["addressee"] = form.addressee.data or ""
        if form.kind == ORGANISATION:
            chosen = form.primary_contact.data or ""
            if chosen and chosen not in {c.value for c in form.primary_contact.choices}:
                form.primary_contact.errors.append("Choose someone linked to the organisation.")
            out.primary_contact = parse_id(chosen)
        out.values["source"] = form.source.data or ""
        out.values["notes"] = form.notes.data or ""
        owner = form.owner_id.data or ""
        if owner and owner not in {c.value for c in form.owner_id.choices}:
            form.owner_id.errors.append("Choose someone from the list.")
        out.values["owner_id"] = parse_id(owner)
    if form.has("details"):
        out.details = Details(emails=_rows(form, "emails"), phones=_rows(form, "phones"),
                              addresses=_rows(form, "addresses"))
        for row in out.details.phones:
            row["number"] = row["number"][:40]
    if form.has("preferences"):
        for name in ("do_not_email", "do_not_phone", "do_not_mail"):
            out.values[name] = bool(form[name].data)
    for cf, input_ in form.custom_fields_():
        raw = input_.data
        if cf.type == "yes_no":
            raw = {"yes": True, "no": False}.get(raw)
        try:
            out.custom[cf.id] = custom_fields.parse(cf, raw)
        except ValueError as problem:
            input_.errors = [*input_.errors, str(problem)]
    return None if form.errors or _row_errors(form) else out


def _row_errors(form: ContactForm) -> bool:
    if not form.has("details"):
        return False
    return any(sub.errors for name in ROWS for entry in getattr(form, name).entries for sub in entry.form)


# ---------------------------------------------------------------- small forms
class OptInForm(FlaskForm):
    status = SelectField("Email opt-in", choices=choices([(OPT_IN, "Opted in"), (OPT_OUT, "Opted out")]))
    source = StringField("How they told us", validators=[Length(max=100)], filters=[_strip],
                         description="Web form, paper form at the gala, phone call…")
    wording = TextAreaField("What they agreed to", validators=[Length(max=5000)], filters=[_strip],
                            description="The exact wording they saw or heard. Needed for opting in.",
                            render_kw={"rows": 2})

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.source.data:
            self.source.errors.append("Say how they told us.")
            ok = False
        if self.status.data == OPT_IN and not self.wording.data:
            self.wording.errors.append("Record the wording they agreed to.")
            ok = False
        return ok


class HouseholdForm(FlaskForm):
    household = StringField("Household", validators=[Length(max=220)], filters=[_strip],
                            description="Type to search by name, or enter the household's number.",
                            render_kw={"autocomplete": "off", "list": "household-options"})


class NewHouseholdForm(FlaskForm):
    name = StringField("Name of the new household", validators=[Length(max=200)], filters=[_strip])


class RelationshipForm(FlaskForm):
    type = SelectField("Relationship", description="Read it as: this contact is … the other contact.")
    other = StringField("Other contact", validators=[Length(max=320)], filters=[_strip],
                        description="Type to search by name, or enter the contact's number.",
                        render_kw={"autocomplete": "off", "list": "contact-options"})
    note = StringField("Note", validators=[Optional(), Length(max=200)], filters=[_strip])


class TagForm(FlaskForm):
    tag = SelectField("Existing tag", validate_choice=False)
    new_tag = StringField("Or a new tag", validators=[Optional(), Length(max=60)], filters=[_strip])
