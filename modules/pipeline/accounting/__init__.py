"""Gifts for the accounting package: a date range's cash gifts as a journal
(per day: the deposit account debited, each fund's income account
credited), in the CSV shapes QuickBooks Online and Xero import. Each gift
remembers the first export that carried it. Set up: docs/integrations.md."""
