#!/usr/bin/env bash
# Install rota into .venv and run the main job on the demo scenario.
source "$(dirname "$0")/env.sh" run
rota check data/demo
exec rota solve data/demo --out out/demo "$@"
