#!/usr/bin/env bash
# Kept for its name: the HTTP1 target of scripts/fuzz.sh.
# Usage: scripts/fuzz-http1.sh [seconds, default 120]
exec "$(dirname "$0")/fuzz.sh" http1 "${1:-120}"
