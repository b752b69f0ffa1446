"""Domain events other parts of Steward can listen to (blinker).
`contact_erased` is sent with the contact's id as sender once its
personal data is erased (people/privacy.py), inside the transaction."""

from blinker import Namespace

_signals = Namespace()

contact_created = _signals.signal("contact-created")
contact_updated = _signals.signal("contact-updated")
contacts_trashed = _signals.signal("contacts-trashed")
contacts_restored = _signals.signal("contacts-restored")
contacts_purged = _signals.signal("contacts-purged")
contacts_merged = _signals.signal("contacts-merged")
contact_erased = _signals.signal("contact-erased")
