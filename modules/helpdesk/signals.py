"""Helpdesk domain events, as blinker's named signals, so that listeners
(the satisfaction survey, webhooks) need not import the helpdesk's services.

- `ticket_solved(ticket, user=...)`: a ticket's status became solved, in the
  transaction that solved it (listeners add to it; the caller commits).
- `ticket_created(ticket)`: a new ticket was stored (any channel), flushed
  so it has its id, in the transaction that opened it."""

from blinker import signal

ticket_solved = signal("helpdesk.ticket-solved")
ticket_created = signal("helpdesk.ticket-created")
