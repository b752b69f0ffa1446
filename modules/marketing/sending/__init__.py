"""The campaign sending engine (docs/marketing.md, "Sending").

- `job.py`: the RQ job "marketing.send_campaign": keyset batches of recipient
  rows, one SMTP connection per batch, a checkpoint after each batch;
- `control.py`: start, pause, resume, cancel, and the progress numbers;
- `throttle.py`: the rate per second and the hourly/daily caps, in Redis,
  shared by every worker;
- `message.py`: one recipient's message with its headers (List-Unsubscribe,
  List-Id, Message-ID, Precedence, VERP), `dkim.py` signs it;
- `options.py`: the sending settings (the messages come from modules/marketing/rendering.py,
  their bounce addresses from modules/marketing/verp.py).
"""
