"""Pipeline & giving's domain events (blinker), for webhooks, marketing
sequences and other listeners. Each is sent inside the caller's transaction
after the change is flushed (listeners must not commit):

- `gift_recorded`: sender the Gift, `user=`; sent for every gift recorded,
  one by one or by the gift import.
- `gift_refunded`: sender the Gift (before a refund in full deletes it),
  `amount=` refunded now, `full=` (bool), `user=`.
- `opportunity_stage_changed`: sender the Opportunity, `previous=` (Stage or
  None for a new opportunity), `stage=`, `user=`.

They are blinker's named signals, so a module that does not require
pipeline (marketing's sequences) listens by name,
`blinker.signal("pipeline-gift-recorded")`, without importing it."""

from blinker import signal

gift_recorded = signal("pipeline-gift-recorded")
gift_refunded = signal("pipeline-gift-refunded")
opportunity_stage_changed = signal("pipeline-opportunity-stage-changed")
