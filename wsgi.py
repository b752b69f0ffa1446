"""The WSGI entry point: `gunicorn --preload wsgi:app`, `flask --app wsgi ...`.

Safe to fork after loading (gunicorn `--preload`, RQ's work horses): the
parent closes its database connections once the app is built, and every
child drops the connection pool it inherited (without closing the parent's
connections) and forgets the embedded Redis server's exit hook, so a child
that exits (gunicorn recycles workers) never shuts down the parent's server.
With `--preload`, gunicorn's workers share the loaded app's memory pages
instead of each importing and building it (docs/deploy.md). The work is in
app/forking.py, which the RQ worker uses too.
"""

import sys

from app import create_app
from app.forking import prepare_for_fork

app = create_app()
# Under gunicorn, the master warms the app once for all its workers (and every
# recycled one); CLI commands skip that.
prepare_for_fork(app, warm="gunicorn" in sys.modules)
