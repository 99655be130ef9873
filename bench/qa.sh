#!/usr/bin/env bash
# Question moderation throughput: qa::review() over synthetic questions
# against a synthetic 10,000-word list, on one core (taskset), plus the time
# to build the list (a reload) and the repeat index's add rate. Target
# (issue 14): at least 20,000 questions a second on one core.
#
#   bench/qa.sh
#
# Environment: BUILD_DIR (build-bench), SECONDS_PER_RUN (10), WORDS (10000),
# QUESTIONS (20000), CPU (the core to pin to, 1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
WORDS=${WORDS:-10000}
QUESTIONS=${QUESTIONS:-20000}
CPU=${CPU:-1}

if [[ ! -x $BUILD/courtcast-qa-bench ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target courtcast-qa-bench
fi

taskset -c "$CPU" "$BUILD/courtcast-qa-bench" --words "$WORDS" --questions "$QUESTIONS" \
  --seconds "$SECONDS_PER_RUN"
