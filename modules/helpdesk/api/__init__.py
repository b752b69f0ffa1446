"""The helpdesk module's REST API resources (app/api/ serves them): tickets
with their messages, replies and internal notes, and knowledge-base
articles.

Writes go through the services and forms the pages use: a ticket opens by
services.open_ticket (channel "api", the rules and SLA apply), its fields
change by services.update and set_status after the ticket form's checks, a
reply goes out by services.reply through the core mail service (threaded,
as from the ticket page), an article is saved by kb/articles.save after the
article form's checks."""
