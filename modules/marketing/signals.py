"""Marketing's domain events (blinker), for webhooks, sequences and audit
listeners to come: `subscription_changed` is sent with the contact as
sender and `topic=`, `subscribed=` (bool), `source=` for every change that
was stored, inside the caller's transaction (listeners must not commit)."""

from blinker import Namespace

_signals = Namespace()

subscription_changed = _signals.signal("marketing-subscription-changed")

# A public sign-up confirmed by its link: sender the contact, `topic=`.
# Sent once per sign-up, after its subscription is stored (listeners must
# not commit): sequences triggered by a sign-up listen to it.
signup_confirmed = _signals.signal("marketing-signup-confirmed")

# A campaign finished sending (its status became SENT): sender the
# campaign, sent once per campaign inside the transaction that marks it
# (modules/marketing/sending/job.py:finish). For webhooks (campaign.sent).
campaign_sent = _signals.signal("marketing-campaign-sent")
