"""Outgoing webhooks: events from the modules' domain signals, stored in
the transaction of the change (an outbox), sent from RQ signed with the
Standard Webhooks scheme, retried with backoff for about a day, logged, and
replayable. See docs/webhooks.md.

- `events.py`: turning signals into stored messages and deliveries;
  `emit()` for code that sends an event itself.
- `signing.py`: secrets and the `webhook-signature` header.
- `guard.py` and `sender.py`: where a URL may point, and one pinned POST.
- `delivery.py`: the job that sends, retries, gives up, disables.
- `sweep.py`: the schedule that re-queues stranded deliveries.
- `views.py`, `forms.py`: Admin → Webhooks.
"""

from app.webhooks.events import Occurrence, emit, listen

__all__ = ["Occurrence", "emit", "listen"]
