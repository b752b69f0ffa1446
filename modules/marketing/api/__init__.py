"""The marketing module's REST API resources (app/api/ serves them): topics,
a contact's subscriptions, campaigns with their results, and the
suppression list.

Writes go through the module's own services, as the pages do: a
subscription through subscriptions.change (the consent ledger records
source "api" and the token's user), the suppression list through
suppressions.py, a topic through topics.save after the admin form's checks."""
