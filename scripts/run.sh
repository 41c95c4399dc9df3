#!/usr/bin/env bash
# Install rota into .venv and start the main job: the web UI on the demo scenario, with the calendar feeds,
# at http://127.0.0.1:8501 (pass --host/--port/--store to change them).
source "$(dirname "$0")/env.sh" run
exec rota serve "$@"
