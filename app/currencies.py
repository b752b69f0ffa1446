"""ISO 4217 currencies as a closed list: the codes in use today (Babel's
CLDR: the legal tender of some territory now, so not DEM or the test code
XTS), their names in the organisation's locale, the choices a currency
select offers (the organisation's currency first, then the common ones,
then all by name) and the server-side check behind every currency field."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_name, get_territory_currencies
from wtforms import SelectField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Optional, ValidationError

from app import forms, settings

COMMON = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "JPY", "INR", "ZAR", "MXN",
          "BRL")


@lru_cache(maxsize=1)
def codes() -> frozenset[str]:
    """Every currency that is legal tender somewhere today."""
    found: set[str] = set()
    for territory in Locale("en").territories:
        if len(territory) == 2 and territory.isalpha():
            found.update(get_territory_currencies(territory, start_date=date.today(), tender=True))
    return frozenset(found)


def is_currency(code: str | None) -> bool:
    return bool(code) and code.upper() in codes()


def org_currency() -> str:
    return (settings.get("core", "currency") or "USD").upper()


def _locale() -> str:
    return (settings.get("core", "locale") or "en").replace("-", "_")


def name(code: str) -> str:
    """"Euro" (or "Euro" in German, "euro" in French): the code when CLDR has no name."""
    try:
        return get_currency_name(code, locale=_locale())
    except (ValueError, LookupError):
        return code


def choices(*, blank: tuple[str, str] | None = None, current: str | None = None,
            org_is_blank: bool = False) -> list[tuple[str, str]]:
    """(code, "EUR — Euro") pairs: `blank` first when given, then the
    organisation's currency, the common ones, then all the others by name.
    With `org_is_blank` the blank choice is the organisation's currency
    (a gift with no currency is in it), so its code is not listed again
    unless it is `current`. A stored `current` code no longer in use is
    kept so the page shows it (saving it again is refused by `CurrencyCode`)."""
    org = org_currency()
    if org_is_blank:
        blank = ("", f"{org} — {name(org)} (default)")
    out = [blank] if blank else []
    first = ([org] if not org_is_blank or (current or "").upper() == org else []) + [c for c in COMMON if c != org]
    rest = sorted((c for c in codes() if c not in first and c != org), key=lambda c: name(c).casefold())
    if current and current.upper() not in codes() and current.upper() not in first:
        rest.insert(0, current.upper())
    return out + [(c, f"{c} — {name(c)}") for c in first + rest if c in codes() or c == (current or "").upper()]


class CurrencyCode:
    """A posted currency must be an ISO 4217 code in use: the select offers
    only those, but a hand-made post or an old page may send anything."""

    def __call__(self, form, field):
        if field.data and not is_currency(field.data):
            raise ValidationError(f"{field.data} is not a currency code; choose one from the list, like "
                                  f"{org_currency()}.")


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class CurrencyField(SelectField):
    """A currency select (see `choices`), checked on the server by
    `CurrencyCode`. `required` (opportunities, the organisation) or blank
    for the organisation's currency (`org_is_blank`: gifts, pledges,
    recurring gifts); `blank` is a first choice of its own ("From the
    country" in the regional settings)."""

    def __init__(self, label="Currency", *, required: bool = False, org_is_blank: bool = False,
                 blank: tuple[str, str] | None = None, **kwargs):
        first = DataRequired("Choose a currency.") if required else Optional()
        super().__init__(label, validators=[first, CurrencyCode()], filters=[_upper], validate_choice=False,
                         **kwargs)
        self.org_is_blank, self.blank = org_is_blank, blank

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        current = self.object_data if isinstance(self.object_data, str) else None
        self.choices = forms.choices(choices(blank=self.blank, current=current, org_is_blank=self.org_is_blank))
