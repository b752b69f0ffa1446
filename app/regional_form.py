"""The regional fields shared by first-run setup and Admin → Organisation.

Every field but the country may be left on "From the country": it then
takes the country's proposal when saved. The "Use the defaults for this
country" button (`PROPOSE`) fills the fields in the page, without saving,
so each proposal can be looked at and changed first; it is a plain submit
button, so it works with JavaScript off."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import request
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from app import countries, regional
from app.currencies import CurrencyField
from app.forms import choices

PROPOSE = "country_defaults"
FROM_COUNTRY = ("", "From the country")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
PAPERS = {"A4": "A4 (210 × 297 mm)", "Letter": "US Letter (8.5 × 11 in)"}



def _month(value):
    return int(value) if value not in (None, "") else None


class RegionalForm(FlaskForm):
    country = SelectField("Country", validators=[Optional()],
                          description="Where your organisation is. Steward proposes the settings below from it.")
    timezone = SelectField("Timezone", validators=[Optional()],
                           description="Dates and times are shown in this timezone.")
    currency = CurrencyField(blank=FROM_COUNTRY, description="The money you receive (ISO 4217).")
    locale = SelectField("Language and region", validators=[Optional()],
                         description="Used for the page language and for dates and amounts.")
    phone_region = SelectField("Phone numbers", validators=[Optional()],
                               description="Numbers typed without a +code are read as this country's.")
    paper = SelectField("Paper size", choices=choices([FROM_COUNTRY, *PAPERS.items()]), validators=[Optional()],
                        description="For receipts and letters.")
    fiscal_year_start_month = SelectField(
        "Fiscal year starts in", coerce=_month, validators=[Optional()],
        choices=choices([FROM_COUNTRY] + [(n, name) for n, name in enumerate(MONTHS, 1)]),
        description="Giving totals and reports count years from this month.")
    receipt_wording = SelectField(
        "Tax receipt wording", validators=[Optional()],
        choices=choices([FROM_COUNTRY, *countries.RECEIPT_WORDINGS.items()]),
        description="What receipts say where the law words it its own way.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = [FROM_COUNTRY] + [(code, f"{name} (+{countries.calling_code(code)})")
                                    for code, name in countries.names().items()]
        self.country.choices = choices([("", "Choose your country")] + list(countries.names().items()))
        self.phone_region.choices = choices(regions)
        self.timezone.choices = choices([FROM_COUNTRY] + [(z, z) for z in sorted(available_timezones())])
        self.locale.choices = choices([FROM_COUNTRY, *countries.LOCALES.items()])
        owned = regional.owners()
        for fact in countries.FACTS:
            if fact not in owned and fact in self:
                del self[fact]  # its module is disabled: nothing would store it

    def facts(self) -> list[str]:
        return [fact for fact in countries.FACTS if fact in self]

    def values(self) -> dict:
        """The facts as typed, blanks resolved (regional.resolve)."""
        return regional.resolve({fact: self[fact].data for fact in self.facts()})

    def settle_blanks(self) -> None:
        """Put the resolved values in the fields, so what is saved is what
        the edit check compares and what the page shows next."""
        for fact, value in self.values().items():
            self[fact].data = value

    def propose(self) -> bool:
        """Fill every regional field with the chosen country's proposal.
        False when no country is chosen."""
        proposed = countries.proposal(self.country.data or "")
        if not proposed:
            self.country.errors = ["Choose a country first."]
            return False
        for fact in self.facts():
            self[fact].data = proposed[fact]
        return True


def first(unbound):
    """Place a field declared in a subclass before the regional ones: WTForms
    orders fields by when they were declared, and the edit check and its
    messages go in that order (the organisation's name comes first)."""
    unbound.creation_counter = -1
    return unbound


def proposing() -> bool:
    return request.method == "POST" and request.form.get("action") == PROPOSE
