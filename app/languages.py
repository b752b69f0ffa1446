"""Language codes as a closed list: the languages Babel (CLDR) knows, with
a script and region it names, written the BCP 47 way ("en", "fr", "es-MX", "zh-Hant-TW"). Used for a contact's
preferred language in the form and the import."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from wtforms.validators import ValidationError

EXAMPLES = "en, fr or es-MX"


def problem_message(text: str) -> str:
    return f"“{text}” is not a language code; write one like {EXAMPLES}."


def language_code(text: str | None) -> str:
    """'EN' -> 'en', 'es_mx' -> 'es-MX'; '' -> ''; ValueError (with the
    message for the field) otherwise. The language must be one CLDR knows
    (Babel), then an optional script ("Hant") and region ("MX", "419")
    that CLDR names; any such combination is fine ("pt-US")."""
    text = (text or "").strip()
    if not text:
        return ""
    language, *rest = text.replace("_", "-").split("-")
    try:
        known = Locale.parse(language.lower()).language
    except (UnknownLocaleError, ValueError, TypeError):
        known = None
    if known != language.lower() or len(rest) > 2:
        raise ValueError(problem_message(text))
    parts, names = [known], Locale("en")
    if rest and len(rest[0]) == 4 and rest[0].title() in names.scripts:
        parts.append(rest.pop(0).title())
    if rest:
        region = rest.pop(0).upper()
        if region == "ZZ" or region not in names.territories or not (region.isdigit() or len(region) == 2):
            raise ValueError(problem_message(text))
        parts.append(region)
    if rest:
        raise ValueError(problem_message(text))
    return "-".join(parts)


def normalise(value):
    """A WTForms filter: the canonical code when it is one, else as typed (for the validator)."""
    try:
        return language_code(value) if isinstance(value, str) else value
    except ValueError:
        return value.strip()


class LanguageCode:
    def __call__(self, form, field):
        try:
            language_code(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None
