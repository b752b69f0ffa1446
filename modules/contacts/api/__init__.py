"""The contacts module's REST API resources (app/api/ serves them): people,
households, organisations with their details, tags, custom fields,
relationships, consent and external ids; notes, tasks and segments.

Writes go through the same forms and services as the pages: a body is
turned into the contact form's fields (bridge.py), checked by
`forms.clean`, matched by `existing.find_for` and saved by `saving`, so the
rules, duplicate checks, audit entries and signals are the pages' own."""
