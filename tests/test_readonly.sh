#!/bin/bash
# test_readonly.sh VERSION... - gostuck -p never writes to a live process
# and always leaves it running (tests/readonly.py on tests/live/readonly,
# built with each Go version run-all.sh passes).  Layer: test tooling.
# Env: GOSTUCK (default $GOSTUCK_BUILD/gostuck or build/gostuck).
set -u
cd "$(dirname "$0")/.." || exit 2
exec /usr/bin/python3 tests/readonly.py --gostuck "${GOSTUCK:-${GOSTUCK_BUILD:-build}/gostuck}" "$@"
