"""Online donations through Stripe: Stripe calls our webhook endpoint with
signed events (checkout completed, invoice paid, charge refunded,
subscription ended); each is verified, applied once by its event id, and
becomes a gift, a recurring gift or a refund on the donor matched or created
by email. Set up: docs/integrations.md."""
