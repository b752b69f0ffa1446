#!/usr/bin/env bash
# make bench drives the app with wrk. As root on Debian, install it when
# missing; elsewhere say how to, and stop.
set -u
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make bench: installing wrk with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null && exit 0
  echo "make bench: could not install wrk with apt-get" >&2
  exit 1
fi
echo "make bench: wrk is missing; install it first (Debian/Ubuntu: sudo apt-get install -y wrk)" >&2
exit 1
