#!/usr/bin/env bash
# The tests drive Debian's Chromium (browser tests) and Debian's Dovecot
# (the IMAP server of the mail-intake tests). As root on Debian, install what
# is missing; elsewhere say plainly what to install.
set -u
missing=()
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi
if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
  missing+=(dovecot-imapd)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing ${missing[*]} with apt-get (the tests need them)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null && exit 0
  echo "make test: could not install ${missing[*]}; the tests that need them will fail" >&2
  exit 0
fi
echo "make test: ${missing[*]} missing and this is not root on Debian; install the Debian" \
     "package(s) ${missing[*]}: browser tests are skipped without chromium, mail-intake tests fail without dovecot" >&2
