"""Bounces and complaints (docs/marketing.md, "Bounces and complaints").

Reports arrive by three routes that end in `record.act`:
- the bounce mailbox (the core's intake calls `handler.handle` for each
  message): DSNs read with flufl.bounce, ARF feedback reports, auto-replies
  set aside;
- Amazon SES notifications through SNS (`sns.py` checks the signature);
- Postmark's Bounce and SpamComplaint webhooks (`postmark.py`).

A hard bounce suppresses the address and notes it on its contacts; soft
bounces suppress after `soft_bounce_limit` within `soft_bounce_days`; a
complaint unsubscribes the contacts from everything and suppresses the
address. Each lands as an Event on the campaign recipient when the report
names one (by VERP token or the original Message-ID).
"""
