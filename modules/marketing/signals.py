"""Marketing's domain events (blinker), for webhooks, sequences and audit
listeners to come: `subscription_changed` is sent with the contact as
sender and `topic=`, `subscribed=` (bool), `source=` for every change that
was stored, inside the caller's transaction (listeners must not commit)."""

from blinker import Namespace

_signals = Namespace()

subscription_changed = _signals.signal("marketing-subscription-changed")
