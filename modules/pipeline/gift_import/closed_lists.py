"""The closed lists a gift file meets: funds and appeals (a value the
database does not know can be created or mapped to an existing one) and
payment methods (a fixed code list: only mapped). See
modules/contacts/importer/unknown_values.py for the step itself.

What an import created is listed on the run (`created_values`:
{"fund": [ids], "appeal": [ids]}) so that undo removes those that nothing
else uses by then, and keeps (and names) the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, func, or_, select

from app.extensions import db
from modules.contacts.importer.unknown_values import ClosedList, Option, fold, name_to_create
from modules.pipeline.models import PAYMENT_METHODS, Appeal, Fund, Gift, GiftImport, Pledge, RecurringGift

CREATABLE = {"fund": Fund, "appeal": Appeal}
KEYS = ("fund", "appeal", "payment_method")
NOUNS = {"fund": "fund", "appeal": "appeal", "payment_method": "payment method"}


def _table_list(key: str, model) -> ClosedList:
    options, known = [], {}
    for ident, name, code in db.session.execute(select(model.id, model.name, model.code).order_by(model.name)):
        options.append(Option(str(ident), name))
        known.setdefault(fold(name), str(ident))
        if code:
            known.setdefault(fold(code), str(ident))
    return ClosedList(key, NOUNS[key], options, known)


def payment_methods() -> ClosedList:
    from modules.pipeline.gift_import.check import METHOD_WORDS

    options = [Option(code, label) for code, label in PAYMENT_METHODS.items()]
    return ClosedList("payment_method", NOUNS["payment_method"], options,
                      {fold(word): code for word, code in METHOD_WORDS.items()}, can_create=False)


def read() -> dict[str, ClosedList]:
    """The three lists as the database has them now."""
    return {"fund": _table_list("fund", Fund), "appeal": _table_list("appeal", Appeal),
            "payment_method": payment_methods()}


class AwaitingChoice(str):
    """A row's problem that the preview's unknown-values table settles: the
    preview counts these rows instead of listing each (`awaiting` is True)."""

    awaiting = True


def not_known(closed: ClosedList, text: str) -> str:
    """A row's problem when its value is unknown and nothing is chosen for it."""
    if closed.key == "payment_method":
        return AwaitingChoice(f"Payment method “{text}” is not one of: {', '.join(PAYMENT_METHODS.values())}; "
                              "choose which one it means in the preview.")
    return AwaitingChoice(f"No {closed.noun} is named or coded “{text}”; choose in the preview whether to "
                          "create it or use an existing one.")


def create(run: GiftImport, closed: ClosedList, text: str) -> int:
    """Create the fund or appeal a row's `text` names (the run's choice for it
    was "create"), once, under the spelling the preview showed; later rows
    find it in `closed.known`. Listed on the run for undo."""
    folded = fold(text)
    if folded in closed.known:
        return int(closed.known[folded])
    model = CREATABLE[closed.key]
    # Someone may have added it (in any case) since the lists were read.
    ident = db.session.scalar(select(model.id).where(func.lower(model.name) == folded[:120]).limit(1))
    if ident is None:
        row = model(name=name_to_create(closed, text, run.value_choices or {})[:120], code="")
        db.session.add(row)
        db.session.flush()
        ident = row.id
        created = {key: list(ids) for key, ids in (run.created_values or {}).items()}
        created.setdefault(closed.key, []).append(ident)
        run.created_values = created
    closed.known[folded] = str(ident)
    closed.options.append(Option(str(ident), text))
    return ident


@dataclass
class Removed:
    """What undo did with the funds and appeals an import created."""

    removed: list[str] = field(default_factory=list)  # "fund “General”"
    kept: list[str] = field(default_factory=list)  # still used elsewhere, so kept

    def message(self) -> str:
        parts = []
        if self.removed:
            parts.append(f"Removed the {', '.join(self.removed)} it created.")
        if self.kept:
            parts.append(f"Kept the {', '.join(self.kept)} it created: other records use them now.")
        return " ".join(parts)


def _used(model, ident: int) -> bool:
    column = "fund_id" if model is Fund else "appeal_id"
    return db.session.scalar(select(or_(*(exists().where(getattr(t, column) == ident)
                                          for t in (Gift, Pledge, RecurringGift))))) or False


def remove_created(run: GiftImport) -> Removed:
    """Delete the funds and appeals the run created that nothing uses (call
    after its gifts are deleted); the others stay, named in the result."""
    out = Removed()
    for key, model in CREATABLE.items():
        for ident in (run.created_values or {}).get(key, []):
            row = db.session.get(model, ident)
            if row is None:
                continue
            label = f"{NOUNS[key]} “{row.name}”"
            if _used(model, ident):
                out.kept.append(label)
            else:
                db.session.delete(row)
                out.removed.append(label)
    db.session.flush()
    run.created_values = {}
    return out
