#!/usr/bin/env bash
# Install everything the tests need into .venv and run the whole suite (lint first: it is part of the suite).
source "$(dirname "$0")/env.sh" test
ruff check .
exec python -m pytest "$@"
