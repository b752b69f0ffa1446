"""Pipeline & giving's domain events (blinker), for webhooks, marketing
sequences and other listeners. Each is sent inside the caller's transaction
after the change is flushed (listeners must not commit):

- `gift_recorded`: sender the Gift, `user=`; sent for every gift recorded,
  one by one or by the gift import.
- `opportunity_stage_changed`: sender the Opportunity, `previous=` (Stage or
  None for a new opportunity), `stage=`, `user=`.

They are blinker's named signals, so a module that does not require
pipeline (marketing's sequences) listens by name,
`blinker.signal("pipeline-gift-recorded")`, without importing it."""

from blinker import signal

gift_recorded = signal("pipeline-gift-recorded")
opportunity_stage_changed = signal("pipeline-opportunity-stage-changed")
