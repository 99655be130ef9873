#!/usr/bin/env bash
# The nginx edge of docs/deploy.md in front of one courtcast: see bench/edge.py.
#   bench/edge.sh feed | hls
set -euo pipefail
exec python3 "$(dirname "$0")/edge.py" "$@"
