"""Forms for the giving pages: gifts (with the contact pickers and the
soft-credit rows), pledges, recurring gifts, funds and appeals.

A contact picker is a search box and a list of radio buttons named after the
field: typing and pressing "Find" (or, with JavaScript, just typing) lists
matching contacts to choose from, so it works without JavaScript. Soft-credit
rows are numbered fields (`sc-0-contact`, `sc-0-amount`, `sc-0-role`) with a
hidden count; "Add" and "Remove" buttons post the form back to itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.currencies import CurrencyField
from app.dates import org_zone
from app.extensions import db
from app.forms import DateField, choices
from app.ids import parse_id
from modules.contacts.lists import search
from modules.contacts.models import Contact
from modules.pipeline.form_fields import AmountField, ContactField, SoftCreditsField
from modules.pipeline.models import (
    FREQUENCIES,
    PAYMENT_METHODS,
    TRIBUTE_KINDS,
    Appeal,
    Fund,
    Pledge,
    RecurringGift,
    SoftCredit,
)
from modules.pipeline.money import AmountError, format_amount, format_money, parse_amount

MAX_CREDITS = 10
PICKER_RESULTS = 8


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def _id_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def fund_choices(current: int | None = None) -> list:
    rows = db.session.execute(select(Fund.id, Fund.name, Fund.active)
                              .order_by(Fund.position, Fund.name).limit(500)).all()
    return [("", "No fund")] + [(str(i), n) for i, n, active in rows if active or i == current]


def appeal_choices(current: int | None = None) -> list:
    rows = db.session.execute(select(Appeal.id, Appeal.name, Appeal.active)
                              .order_by(Appeal.name).limit(500)).all()
    return [("", "No appeal")] + [(str(i), n) for i, n, active in rows if active or i == current]


class _Designation:
    """Fund, appeal, payment method: shared by gifts, pledges and recurring gifts."""

    fund_id = SelectField("Fund or designation", coerce=_id_or_none, validate_choice=True)
    appeal_id = SelectField("Appeal or campaign", coerce=_id_or_none, validate_choice=True)

    def set_choices(self, fund_id=None, appeal_id=None):
        self.fund_id.choices = choices(fund_choices(fund_id))
        self.appeal_id.choices = choices(appeal_choices(appeal_id))


class GiftForm(FlaskForm, _Designation):
    amount = AmountField("Amount", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    currency = CurrencyField(org_is_blank=True)
    received_on = DateField("Date received", validators=[DataRequired("Enter the date the gift was received.")])
    payment_method = SelectField("Payment method", choices=choices({"": "Not recorded", **PAYMENT_METHODS}),
                                 default="")
    reference = StringField("Reference", validators=[Optional(), Length(max=100)], filters=[_strip],
                            description="A cheque number, transaction id or similar.")
    anonymous = BooleanField("Anonymous: do not name the donor in public acknowledgements")
    in_kind = BooleanField("In kind: goods or services rather than money")
    in_kind_description = TextAreaField("What was given", validators=[Optional(), Length(max=2000)],
                                        filters=[_strip], render_kw={"rows": 2})
    tribute_kind = SelectField("Tribute", choices=choices({"": "No tribute", **TRIBUTE_KINDS}), default="")
    tribute_name = StringField("In honour or memory of", validators=[Optional(), Length(max=200)],
                               filters=[_strip])
    pledge_id = SelectField("Payment on a pledge", coerce=_id_or_none, validate_choice=True)
    recurring_id = SelectField("Installment of a recurring gift", coerce=_id_or_none, validate_choice=True)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)], filters=[_strip],
                          render_kw={"rows": 3})
    # Shown by the contact pickers and the soft-credit rows; here so that
    # the edit check compares what they mean (form_fields).
    contact_id = ContactField("Donor")
    tribute_notify_id = ContactField("Who to notify of the tribute")
    soft_credits = SoftCreditsField("Soft credits")

    def values(self) -> dict:
        """Gift columns from the validated form."""
        return {
            "amount": self.amount.data,
            "currency": self.currency.data or None,
            "received_on": self.received_on.data,
            "fund_id": self.fund_id.data,
            "appeal_id": self.appeal_id.data,
            "payment_method": self.payment_method.data or "",
            "reference": self.reference.data or "",
            "anonymous": bool(self.anonymous.data),
            "in_kind": bool(self.in_kind.data),
            "in_kind_description": (self.in_kind_description.data or "") if self.in_kind.data else "",
            "tribute_kind": self.tribute_kind.data or "",
            "tribute_name": (self.tribute_name.data or "") if self.tribute_kind.data else "",
            "pledge_id": self.pledge_id.data,
            "recurring_id": self.recurring_id.data,
            "notes": self.notes.data or "",
        }


class PledgeForm(FlaskForm, _Designation):
    amount = AmountField("Amount pledged", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    currency = CurrencyField(org_is_blank=True)
    pledged_on = DateField("Date pledged", validators=[DataRequired("Enter the date of the pledge.")])
    installments = IntegerField("Number of installments", default=1, validators=[
        InputRequired("Enter how many installments (1 for a single payment)."),
        NumberRange(1, 120, "Between 1 and 120 installments.")])
    frequency = SelectField("Installments fall due", choices=choices(FREQUENCIES), default="monthly")
    first_due = DateField("First installment due",
                          validators=[DataRequired("Enter when the first installment is due.")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)], filters=[_strip],
                          render_kw={"rows": 3})
    contact_id = ContactField("Donor")  # the picker's choice


class PledgeEditForm(FlaskForm, _Designation):
    """What a fundraiser corrects on a pledge: not the donor (its payments
    are theirs) nor the currency (its payments are in it). The schedule
    fields are read from the installments (`pledges.schedule_values`)."""

    amount = AmountField("Amount pledged", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    pledged_on = DateField("Date pledged", validators=[DataRequired("Enter the date of the pledge.")])
    installments = IntegerField("Number of installments", validators=[
        InputRequired("Enter how many installments (1 for a single payment)."),
        NumberRange(1, 120, "Between 1 and 120 installments.")])
    frequency = SelectField("Installments fall due", choices=choices(FREQUENCIES), default="monthly")
    first_due = DateField("First installment due",
                          validators=[DataRequired("Enter when the first installment is due.")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)], filters=[_strip],
                          render_kw={"rows": 3})


class RecurringForm(FlaskForm, _Designation):
    amount = AmountField("Amount each time", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    currency = CurrencyField(org_is_blank=True)
    frequency = SelectField("How often", choices=choices(FREQUENCIES), default="monthly")
    starts_on = DateField("First gift due", validators=[DataRequired("Enter when the first gift is due.")])
    ends_on = DateField("Last gift due", validators=[Optional()],
                        description="Leave blank for a gift that goes on until it is ended.")
    payment_method = SelectField("Payment method", choices=choices(PAYMENT_METHODS), default="direct_debit")
    reference = StringField("Reference", validators=[Optional(), Length(max=100)], filters=[_strip],
                            description="The mandate or subscription reference.")
    contact_id = ContactField("Donor")  # the picker's choice

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The last gift cannot be due before the first.")

    def values(self) -> dict:
        """What the recurring-gift service saves from this checked form (the donor aside)."""
        return {"amount": self.amount.data, "currency": self.currency.data or None,
                "frequency": self.frequency.data, "starts_on": self.starts_on.data, "ends_on": self.ends_on.data,
                "fund_id": self.fund_id.data, "appeal_id": self.appeal_id.data,
                "payment_method": self.payment_method.data, "reference": self.reference.data or ""}


class _NamedForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=120)], filters=[_strip])
    code = StringField("Code", validators=[Optional(), Length(max=40)], filters=[_strip],
                       description="For your accounts, e.g. a nominal code. Optional.")
    active = BooleanField("Active: offered on new gifts", default=True)


class FundForm(_NamedForm):
    in_letters = StringField("In letters", validators=[Optional(), Length(max=200)], filters=[_strip],
                             description="How letters name the fund in a sentence, after “your gift to”: "
                                         "“our scholarship programme”, “where it is needed most”. "
                                         "Empty: the fund's name.")


class AppealForm(_NamedForm):
    starts_on = DateField("Starts", validators=[Optional()])
    ends_on = DateField("Ends", validators=[Optional()])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("An appeal cannot end before it starts.")


# Contact pickers -------------------------------------------------------------

@dataclass
class Picker:
    """A contact chosen by searching: `name` is the form field holding the id."""

    name: str
    label: str
    selected: tuple[int, str] | None = None
    q: str = ""
    results: list[tuple[int, str, str]] = field(default_factory=list)
    error: str = ""
    hint: str = ""

    @property
    def value(self) -> int | None:
        return self.selected[0] if self.selected else None

    @property
    def dom_id(self) -> str:
        return self.name.replace("_", "-")


def find_contacts(query: str, limit: int = PICKER_RESULTS, exclude=()) -> list[tuple[int, str, str]]:
    """(id, name, detail) of live contacts matching `query`, by the contacts search index."""
    ids = search.matching_ids(query)
    if ids is None:
        return []
    stmt = (select(Contact.id, Contact.display_name, Contact.email, Contact.city)
            .where(Contact.id.in_(ids), Contact.deleted_at.is_(None)))
    if exclude:
        stmt = stmt.where(Contact.id.not_in(list(exclude)))
    rows = db.session.execute(stmt.order_by(Contact.sort_name, Contact.id).limit(limit)).all()
    return [(cid, name, " · ".join(p for p in (email, city) if p)) for cid, name, email, city in rows]


def contact_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Contact.id, Contact.display_name)
                                   .where(Contact.id.in_(ids), Contact.deleted_at.is_(None))).all())


def _int(value) -> int | None:
    return value if isinstance(value, int) else parse_id(value)


def picker(name: str, label: str, source, *, initial: int | None = None, names: dict | None = None,
           hint: str = "") -> Picker:
    """The picker's state from a submitted form (or the initial id)."""
    chosen = _int(source.get(name)) if name in source else initial
    q = (source.get(f"{name}_q") or "").strip()[:100]
    names = names if names is not None else contact_names([chosen])
    p = Picker(name, label, q=q, hint=hint)
    if chosen and chosen in names:
        p.selected = (chosen, names[chosen])
    elif chosen:
        p.error = "That contact no longer exists; choose another."
    if q:
        found = find_contacts(q)
        p.results = [r for r in found if r[0] != chosen]
        if found and not p.results:
            p.q = ""  # the search found the one already chosen: nothing more to show
    return p


def valid_with_donor(form, donor: Picker) -> bool:
    """The posted `form` validates and `donor` has someone chosen; when no one
    is, the picker says so (both checked, so every error shows at once)."""
    valid = form.validate_on_submit()
    if not donor.selected:
        donor.error = donor.error or "Search for the donor and choose them."
        valid = False
    return valid


# Soft-credit rows --------------------------------------------------------------

@dataclass
class CreditRow:
    index: int
    picker: Picker
    amount: str = ""
    role: str = "other"
    errors: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        return not self.picker.selected and not self.picker.q and not self.amount


def credit_rows(source, *, initial=(), adding: bool = False, removing: int | None = None) -> list[CreditRow]:
    """The soft-credit rows of a submitted form, or `initial` SoftCredits."""
    if "sc_count" in source:
        count = min(_int(source.get("sc_count")) or 0, MAX_CREDITS)
        ids = [_int(source.get(f"sc-{i}-contact")) for i in range(count)]
        names = contact_names(ids)
        rows = []
        for i in range(count):
            if i == removing:
                continue
            key = f"sc-{i}-contact"
            p = picker(key, "Credit to", source, names=names)
            role = source.get(f"sc-{i}-role", "other")
            rows.append(CreditRow(i, p, (source.get(f"sc-{i}-amount") or "").strip()[:30],
                                  role if role in SoftCredit.ROLES else "other"))
    else:
        credits = list(initial)
        names = contact_names(c.contact_id for c in credits)
        rows = [CreditRow(i, picker(f"sc-{i}-contact", "Credit to", {}, initial=c.contact_id, names=names),
                          format_amount(c.amount), c.role) for i, c in enumerate(credits)]
    if adding and len(rows) < MAX_CREDITS:
        rows.append(CreditRow(len(rows), Picker(f"sc-{len(rows)}-contact", "Credit to")))
    # Renumber so the fields run 0..n-1 again.
    for i, row in enumerate(rows):
        if row.index != i:
            row.index = i
            row.picker.name = f"sc-{i}-contact"
    return rows


def credit_values(rows: list[CreditRow], gift_amount: Decimal | None) -> list[tuple[int, Decimal, str]] | None:
    """`(contact_id, amount, role)` for each filled row (a blank amount is the
    whole gift), or None when a row has a problem (written on the row)."""
    out, ok = [], True
    for row in rows:
        if row.blank:
            continue
        if not row.picker.selected:
            row.errors.append("Choose who is credited: search, then pick a name."
                              if row.picker.q else "Search for the person to credit.")
            ok = False
            continue
        if row.amount:
            try:
                amount = parse_amount(row.amount)
            except AmountError as error:
                row.errors.append(str(error))
                ok = False
                continue
        elif gift_amount is not None:
            amount = gift_amount
        else:
            continue
        out.append((row.picker.value, amount, row.role))
    return out if ok else None


def today() -> date:
    """Today in the organisation's timezone."""
    return datetime.now(org_zone()).date()


def set_link_choices(form: GiftForm, donor_id: int | None, pledge_id: int | None, recurring_id: int | None) -> None:
    """Pledges and recurring gifts of the donor that a gift can pay."""
    pledges, recurring = [], []
    if donor_id or pledge_id:
        pledges = db.session.scalars(select(Pledge).where(
            or_(Pledge.id == pledge_id, (Pledge.contact_id == donor_id) & (Pledge.status == "open")))
            .order_by(Pledge.pledged_on.desc()).limit(50)).all()
    if donor_id or recurring_id:
        recurring = db.session.scalars(select(RecurringGift).where(
            or_(RecurringGift.id == recurring_id,
                (RecurringGift.contact_id == donor_id) & (RecurringGift.status != "ended")))
            .order_by(RecurringGift.starts_on.desc()).limit(50)).all()
    form.pledge_id.choices = [("", "No pledge")] + [
        (str(p.id), f"Pledge of {format_money(p.amount, p.currency)} on {p.pledged_on.isoformat()}")
        for p in pledges]
    form.recurring_id.choices = [("", "Not a recurring gift")] + [
        (str(r.id), f"{format_money(r.amount, r.currency)} {FREQUENCIES.get(r.frequency, r.frequency).lower()} "
                    f"from {r.starts_on.isoformat()}") for r in recurring]
