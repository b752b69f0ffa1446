"""Domain events other parts of Steward can listen to (blinker)."""

from blinker import Namespace

_signals = Namespace()

contact_created = _signals.signal("contact-created")
contact_updated = _signals.signal("contact-updated")
contacts_trashed = _signals.signal("contacts-trashed")
contacts_restored = _signals.signal("contacts-restored")
contacts_purged = _signals.signal("contacts-purged")
contacts_merged = _signals.signal("contacts-merged")
