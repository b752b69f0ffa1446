"""The gift fields a column can go to, and the guess from its header (the
contacts importer's folding and synonym matching)."""

from __future__ import annotations

from modules.contacts.importer.mapping import Target, guess

TARGETS = (
    Target("email", "Donor email", "Donor", ("email", "e mail", "email address", "donor email", "mail")),
    Target("first_name", "Donor first name", "Donor",
           ("first name", "firstname", "first", "given name", "forename", "donor first name")),
    Target("last_name", "Donor last name", "Donor",
           ("last name", "lastname", "surname", "family name", "donor last name")),
    Target("postcode", "Donor postcode", "Donor", ("postcode", "post code", "postal code", "zip", "zip code")),
    Target("amount", "Amount", "Gift", ("amount", "gift amount", "donation", "donation amount", "value", "total")),
    Target("currency", "Currency (ISO code)", "Gift", ("currency", "currency code", "ccy")),
    Target("received_on", "Date received", "Gift",
           ("date", "gift date", "received", "received on", "date received", "donation date", "payment date")),
    Target("fund", "Fund (name or code)", "Gift", ("fund", "designation", "fund name", "fund code")),
    Target("appeal", "Appeal (name or code)", "Gift", ("appeal", "campaign", "appeal name", "appeal code", "source")),
    Target("payment_method", "Payment method", "Gift",
           ("payment method", "method", "payment type", "paid by", "payment")),
    Target("reference", "Reference", "Gift",
           ("reference", "ref", "transaction id", "transaction", "cheque number", "check number")),
    Target("anonymous", "Anonymous (yes/no)", "Gift", ("anonymous", "anon")),
    Target("notes", "Notes", "Gift", ("notes", "note", "comments", "comment", "memo")),
)
LABELS = {t.key: t.label for t in TARGETS}


def guess_mapping(headers: list[str]) -> dict[str, str]:
    return guess(headers, list(TARGETS))


def problems(mapping: dict[str, str], match_rule: str) -> list[str]:
    """What stops a mapping from working."""
    out, seen = [], {}
    for header, key in mapping.items():
        if not key:
            continue
        if key in seen:
            out.append(f"“{LABELS.get(key, key)}” is chosen for both “{seen[key]}” and “{header}”.")
        seen[key] = header
    for key in ("amount", "received_on"):
        if key not in seen:
            out.append(f"Choose the column that holds the {LABELS[key].lower()}.")
    if match_rule == "email" and "email" not in seen:
        out.append("Matching donors by email needs a column for the donor's email.")
    if match_rule == "name_postcode" and not {"last_name", "postcode"} <= set(seen):
        out.append("Matching donors by name and postcode needs columns for the last name and the postcode.")
    return out
