"""`python -m bench`: see bench/run.py."""

from bench.run import main

try:
    main()
except RuntimeError as error:
    raise SystemExit(f"bench: {error}\n(the servers' logs and the commands' output are in build/bench/run/)") from None
