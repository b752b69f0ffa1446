"""What follows from the organisation's country: timezone, currency, locale,
paper size, phone region, the fiscal year's first month and the wording of
tax receipts.

Calling codes and timezones come from `phonenumbers`, country names from
Babel's CLDR data (not phonenumbers' geocoder: importing it holds about
100 MB in every web worker); the rest is a small curated table covering
ISO 4217 for every region `phonenumbers` knows, and locales for the
languages Steward offers.

These are *proposals*: every value can be changed before it is saved.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

import phonenumbers
from babel import Locale, UnknownLocaleError
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as phone_zones

# ISO 3166 region -> ISO 4217 currency (2026: Bulgaria uses the euro, the
# Caribbean guilder replaced the Antillean one).
_CURRENCIES = """
AC:SHP AD:EUR AE:AED AF:AFN AG:XCD AI:XCD AL:ALL AM:AMD AO:AOA AR:ARS AS:USD AT:EUR AU:AUD AW:AWG AX:EUR
AZ:AZN BA:BAM BB:BBD BD:BDT BE:EUR BF:XOF BG:EUR BH:BHD BI:BIF BJ:XOF BL:EUR BM:BMD BN:BND BO:BOB BQ:USD
BR:BRL BS:BSD BT:BTN BW:BWP BY:BYN BZ:BZD CA:CAD CC:AUD CD:CDF CF:XAF CG:XAF CH:CHF CI:XOF CK:NZD CL:CLP
CM:XAF CN:CNY CO:COP CR:CRC CU:CUP CV:CVE CW:XCG CX:AUD CY:EUR CZ:CZK DE:EUR DJ:DJF DK:DKK DM:XCD DO:DOP
DZ:DZD EC:USD EE:EUR EG:EGP EH:MAD ER:ERN ES:EUR ET:ETB FI:EUR FJ:FJD FK:FKP FM:USD FO:DKK FR:EUR GA:XAF
GB:GBP GD:XCD GE:GEL GF:EUR GG:GBP GH:GHS GI:GIP GL:DKK GM:GMD GN:GNF GP:EUR GQ:XAF GR:EUR GT:GTQ GU:USD
GW:XOF GY:GYD HK:HKD HN:HNL HR:EUR HT:HTG HU:HUF ID:IDR IE:EUR IL:ILS IM:GBP IN:INR IO:USD IQ:IQD IR:IRR
IS:ISK IT:EUR JE:GBP JM:JMD JO:JOD JP:JPY KE:KES KG:KGS KH:KHR KI:AUD KM:KMF KN:XCD KP:KPW KR:KRW KW:KWD
KY:KYD KZ:KZT LA:LAK LB:LBP LC:XCD LI:CHF LK:LKR LR:LRD LS:LSL LT:EUR LU:EUR LV:EUR LY:LYD MA:MAD MC:EUR
MD:MDL ME:EUR MF:EUR MG:MGA MH:USD MK:MKD ML:XOF MM:MMK MN:MNT MO:MOP MP:USD MQ:EUR MR:MRU MS:XCD MT:EUR
MU:MUR MV:MVR MW:MWK MX:MXN MY:MYR MZ:MZN NA:NAD NC:XPF NE:XOF NF:AUD NG:NGN NI:NIO NL:EUR NO:NOK NP:NPR
NR:AUD NU:NZD NZ:NZD OM:OMR PA:USD PE:PEN PF:XPF PG:PGK PH:PHP PK:PKR PL:PLN PM:EUR PR:USD PS:ILS PT:EUR
PW:USD PY:PYG QA:QAR RE:EUR RO:RON RS:RSD RU:RUB RW:RWF SA:SAR SB:SBD SC:SCR SD:SDG SE:SEK SG:SGD SH:SHP
SI:EUR SJ:NOK SK:EUR SL:SLE SM:EUR SN:XOF SO:SOS SR:SRD SS:SSP ST:STN SV:USD SX:XCG SY:SYP SZ:SZL TA:GBP
TC:USD TD:XAF TG:XOF TH:THB TJ:TJS TK:NZD TL:USD TM:TMT TN:TND TO:TOP TR:TRY TT:TTD TV:AUD TW:TWD TZ:TZS
UA:UAH UG:UGX US:USD UY:UYU UZ:UZS VA:EUR VC:XCD VE:VES VG:USD VI:USD VN:VND VU:VUV WF:XPF WS:WST XK:EUR
YE:YER YT:EUR ZA:ZAR ZM:ZMW ZW:ZWG
"""
CURRENCIES = dict(pair.split(":") for pair in _CURRENCIES.split())

# The locales Steward offers ("Language and region").
LOCALES = {
    "en": "English", "en-GB": "English (United Kingdom)", "en-US": "English (United States)",
    "en-CA": "English (Canada)", "en-AU": "English (Australia)", "en-IE": "English (Ireland)",
    "en-NZ": "English (New Zealand)", "en-IN": "English (India)", "en-ZA": "English (South Africa)",
    "fr": "Français", "fr-CA": "Français (Canada)", "fr-BE": "Français (Belgique)", "fr-CH": "Français (Suisse)",
    "de": "Deutsch", "de-AT": "Deutsch (Österreich)", "de-CH": "Deutsch (Schweiz)", "es": "Español",
    "es-MX": "Español (México)", "nl": "Nederlands", "nl-BE": "Nederlands (België)",
    "it": "Italiano", "pt": "Português", "pt-BR": "Português (Brasil)", "sv": "Svenska",
    "da": "Dansk", "nb": "Norsk bokmål", "pl": "Polski",
}

# Where the main language is one Steward offers a locale for (LOCALES above);
# elsewhere the proposal is plain "en".
_LANGUAGES = {
    "fr": "FR LU MC", "de": "DE AT CH LI", "it": "IT SM VA", "pt": "PT AO MZ CV ST", "nl": "NL BE SR",
    "sv": "SE", "da": "DK", "nb": "NO", "pl": "PL",
    "es": "ES MX AR CO CL PE VE EC GT CU BO DO HN PY SV NI CR PA UY",
}
LANGUAGES = {region: lang for lang, regions in _LANGUAGES.items() for region in regions.split()}

# Regions that use US Letter; everyone else uses A4.
LETTER_REGIONS = frozenset("US CA MX PH CL CO VE GT CR PA DO PR".split())

# The month most of the country's nonprofits start their fiscal year in
# (tax years and charity regulators' habits); elsewhere January. US and
# Canadian nonprofits most often keep the calendar year.
FISCAL_YEAR_STARTS = {"GB": 4, "IN": 4, "JP": 4, "HK": 4, "NZ": 4, "ZA": 3, "AU": 7, "EG": 7, "KE": 7,
                      "PK": 7, "BD": 7, "NP": 7, "TZ": 7, "UG": 7}

# Tax receipt wording, where a country's law words it its own way.
RECEIPT_WORDINGS = {
    "standard": "Standard",
    "us": "United States (“no goods or services”)",
    "gb": "United Kingdom (Gift Aid)",
    "ca": "Canada (official receipt, CRA)",
}
_RECEIPT_WORDING_OF = {"US": "us", "PR": "us", "GB": "gb", "CA": "ca"}

# One zone for countries that span several, where phonenumbers' example
# number lands away from the capital or its zone name is an old alias.
_ZONES = {"US": "America/New_York", "CA": "America/Toronto", "RU": "Europe/Moscow", "IN": "Asia/Kolkata",
          "KZ": "Asia/Almaty", "IE": "Europe/Dublin", "MX": "America/Mexico_City", "KI": "Pacific/Tarawa",
          "AR": "America/Argentina/Buenos_Aires", "GL": "America/Nuuk", "AU": "Australia/Sydney",
          "BR": "America/Sao_Paulo", "CN": "Asia/Shanghai", "ID": "Asia/Jakarta", "UA": "Europe/Kyiv"}

FACTS = ("country", "timezone", "currency", "locale", "phone_region", "paper", "fiscal_year_start_month",
         "receipt_wording")


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """Region code -> English name, sorted by name."""
    cldr = Locale.parse("en").territories
    found = {region: cldr.get(region, region) for region in phonenumbers.SUPPORTED_REGIONS}
    return dict(sorted(found.items(), key=lambda item: item[1]))


def name(region: str) -> str:
    return names().get((region or "").upper(), region or "")


@lru_cache(maxsize=32)
def _territories(locale: str) -> dict:
    try:
        return dict(Locale.parse(locale.replace("-", "_")).territories)
    except (ValueError, TypeError, UnknownLocaleError):
        return dict(Locale.parse("en").territories)


def local_name(region: str, locale: str | None = None) -> str:
    """The country's name in `locale` (default: the organisation's), as
    letters print it: "Allemagne" for DE in French; the code itself when
    CLDR has no name for it."""
    if locale is None:
        from app import settings

        locale = settings.get("core", "locale") or "en"
    code = (region or "").strip().upper()
    return _territories(locale).get(code, code)


def calling_code(region: str) -> int:
    return phonenumbers.country_code_for_region(region.upper())


def timezone_for(region: str) -> str:
    if region in _ZONES:
        return _ZONES[region]
    number = phonenumbers.example_number_for_type(region, PhoneNumberType.FIXED_LINE)
    zones = [z for z in (phone_zones.time_zones_for_number(number) if number else ()) if z in available_timezones()]
    return zones[0] if zones else "UTC"


def locale_for(region: str, offered) -> str:
    """`lang-REGION` when offered, else the language, else English."""
    lang = LANGUAGES.get(region, "en")
    if region == "BR":
        lang = "pt"
    for candidate in (f"{lang}-{region}", lang, "en"):
        if candidate in offered:
            return candidate
    return "en"


def proposal(region: str) -> dict:
    """Every fact that follows from `region` ("IE"), or {} for an unknown one."""
    region = (region or "").upper()
    if region not in names():
        return {}
    return {
        "country": region,
        "timezone": timezone_for(region),
        "currency": CURRENCIES.get(region, "USD"),
        "locale": locale_for(region, LOCALES),
        "phone_region": region,
        "paper": "Letter" if region in LETTER_REGIONS else "A4",
        "fiscal_year_start_month": FISCAL_YEAR_STARTS.get(region, 1),
        "receipt_wording": _RECEIPT_WORDING_OF.get(region, "standard"),
    }


def public_holidays(country: str):
    """The country's public holidays (a dict-like of date -> name), or {}
    without a country or for one the `holidays` package does not know. The
    package is imported here, when first asked: at start-up it held about
    9 MB in every web worker."""
    import holidays

    if not country:
        return {}
    try:
        return holidays.country_holidays(country.upper())
    except NotImplementedError:
        return {}
