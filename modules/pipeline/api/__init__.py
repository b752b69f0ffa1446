"""The pipeline & giving module's REST API resources (app/api/ serves them):
gifts with soft credits and external ids, pledges, recurring gifts, funds
and appeals, opportunities with their stage history, pipelines and stages.

Writes go through the pages' forms and services: a body becomes the form's
fields (checked as the form checks them), then `gifts.record_gift`,
`opportunities.create/move` and the rest save it, so the rules, audit
entries, rollups and signals are the pages' own. Money is a string with
two decimals ("12.50"), never a float."""
