"""Edits that never silently undo someone else's.

An edit form carries an *edit token*: a fingerprint of each field as the
form showed it. When the form is saved, `settle` compares, field by field,
what the form showed, what is stored now and what was typed:

- nobody else changed the field: what was typed is saved;
- only someone else changed it: their value is kept (the field is swapped
  for the stored one), without asking;
- both changed it, differently: a conflict. The form comes back (409) with
  what was typed still in it and, next to the field, what the other person
  saved, with their name and time, and a choice "keep mine" / "use theirs".

Fingerprints compare values, not a version counter, so a change made by any
path (a bulk action, an import, another module's hook) is seen, and no
table needs a version column. A form posted without a token (an old page, a
script) saves as before. The same token is what the API will send as
`ETag` and accept in `If-Match`.

Views call `stamp(form)` when they show an edit form, and
`settle(form, record, current)` after the form validated and before saving;
templates render `edit_guard(form)` (macros/forms.html) inside the <form>;
the saved message is `saved_message(text, form)`. A record that is not one
row (a module's settings: `app.settings.Edited`) brings its own
`hold_edit_lock()`.
See docs/modules.md, "Edit forms that never lose an edit".
"""

from app.edits.fingerprints import token_for
from app.edits.settle import hold_edit_lock, saved_message, settle, stamp

__all__ = ["hold_edit_lock", "saved_message", "settle", "stamp", "token_for"]
