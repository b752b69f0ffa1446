#!/usr/bin/env bash
# Browser tests drive Debian's Chromium. As root on Debian, install it when
# missing; elsewhere say plainly that the browser tests will be skipped.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing chromium with apt-get (browser tests need it)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null && exit 0
  echo "make test: could not install chromium; browser tests will be skipped" >&2
  exit 0
fi
echo "make test: /usr/bin/chromium is missing and this is not root on Debian;" \
     "browser tests will be skipped (install the 'chromium' package to run them)" >&2
