"""Form fields whose `data` is what the value means, so that the edit check
(app/edits) compares meanings, not text: "1,250.50" and "1250.5" are the
same amount, a re-rendered picker is the same contact, and soft credits
listed in another order are the same credits.

- `AmountField`: typed as text; `data` is the Decimal when the text parses
  (else the text as typed, so the form shows it back with its error);
  `.amount` is the Decimal once validated.
- `ContactField`: the id chosen in a contact picker (the picker's radio
  buttons carry the field's name); it renders nothing of its own.
- `SoftCreditsField`: the set of `(contact_id, amount, role)` of a gift's
  soft-credit rows (`sc_count`, `sc-N-contact`, `sc-N-amount`, `sc-N-role`).
"""

from __future__ import annotations

from decimal import Decimal

from wtforms import Field, StringField
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

from app.ids import parse_id
from modules.pipeline.money import AmountError, format_amount, format_money, parse_amount


def amount_meaning(value):
    """The Decimal `value` stands for; the text itself when it is not an amount."""
    if value is None or value == "":
        return None
    try:
        return parse_amount(value, allow_zero=True, allow_negative=True)
    except AmountError:
        return str(value).strip()


class AmountField(StringField):
    """Typed like '1,250' or '$1,250.00' (in the organisation's locale:
    '1.250,00' in German); `.amount` is the Decimal once valid."""

    amount: Decimal | None = None

    def __init__(self, label=None, validators=None, allow_zero: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.allow_zero = allow_zero
        self.text: str | None = None

    def process_data(self, value):
        self.text = value if isinstance(value, str) else None  # a view may pass it formatted
        self.data = amount_meaning(value)

    def process_formdata(self, valuelist):
        if valuelist:
            self.text = valuelist[0]
            self.data = amount_meaning(valuelist[0])

    def _value(self) -> str:
        if self.text is not None:
            return self.text
        if isinstance(self.data, Decimal):
            return format_amount(self.data)  # in the org locale, so posting it back is no change
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form):
        self.amount = None
        try:
            self.amount = parse_amount(self.text if self.text is not None else (self.data or ""),
                                       allow_zero=self.allow_zero)
        except AmountError as error:
            raise ValidationError(str(error)) from None


class ContactField(Field):
    """The contact a picker chose, as an id; shown by the picker, not here."""

    def process_data(self, value):
        self.data = parse_id(value) if not isinstance(value, int) else value

    def process_formdata(self, valuelist):
        self.data = parse_id(valuelist[0]) if valuelist else None

    def _value(self) -> str:
        from modules.pipeline.giving_forms import contact_names

        return contact_names([self.data]).get(self.data, "") if self.data else ""


class SoftCreditsField(Field):
    """A gift's soft credits as a set of (contact id, amount, role). Posted
    rows are read from the whole form; a blank amount credits the whole gift
    (the form's `amount`). Stored rows come from `gift.soft_credits`."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors, self.raw_data = [], None
        if formdata is not None and "sc_count" in formdata:
            self.data = posted_credits(formdata)
            return
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.data = frozenset((c.contact_id, c.amount, c.role or "other") for c in (data or ()))

    def _value(self) -> str:
        from modules.pipeline.giving_forms import contact_names
        from modules.pipeline.models import SoftCredit

        names = contact_names(cid for cid, _, _ in self.data)
        rows = sorted(self.data, key=lambda c: (names.get(c[0], ""), c[0]))
        return "; ".join(f"{names.get(cid, f'#{cid}')}: {_money(amount)} ({SoftCredit.ROLES.get(role, role)})"
                         for cid, amount, role in rows) or "No soft credits"


def posted_credits(formdata) -> frozenset:
    from modules.pipeline.giving_forms import MAX_CREDITS

    count = min(parse_id(formdata.get("sc_count")) or 0, MAX_CREDITS)
    whole = amount_meaning(formdata.get("amount"))
    out = set()
    for i in range(count):
        contact = parse_id(formdata.get(f"sc-{i}-contact"))
        text = (formdata.get(f"sc-{i}-amount") or "").strip()
        if contact is None and not text:
            continue
        amount = amount_meaning(text) if text else whole
        out.add((contact, amount, formdata.get(f"sc-{i}-role") or "other"))
    return frozenset(out)


def _money(amount) -> str:
    return format_money(amount) if isinstance(amount, Decimal) else str(amount or "")
