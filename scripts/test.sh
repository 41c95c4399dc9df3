#!/usr/bin/env bash
# Install everything the tests need into .venv and run the whole suite (lint first: it is part of the suite).
source "$(dirname "$0")/env.sh" test
# The browser test drives Debian's chromium package (never a browser download).
if [ ! -x /usr/bin/chromium ]; then
  ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} apt-get update -qq
  ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
# Mozilla's ical.js parses the generated calendars in the tests: node and npm from Debian when missing, then the
# locked npm packages (again only when package-lock.json changed).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} apt-get update -qq
  ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} apt-get install -y -qq nodejs npm
fi
if [ ! -f tests/js/node_modules/.package-lock.json ] || [ tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
fi
# The PostgreSQL tests start throwaway clusters of Debian's server binaries on a Unix socket: install them when
# missing, without the package's default cluster (nothing left listening on port 5432).
if ! command -v pg_ctl >/dev/null && ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
  ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} tee -a /etc/postgresql-common/createcluster.conf >/dev/null
  ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} apt-get update -qq
  ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confold postgresql
fi
ruff check .
exec python -m pytest "$@"
