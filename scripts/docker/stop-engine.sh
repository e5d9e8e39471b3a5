#!/usr/bin/env bash
# Stops the dockerd that start-engine.sh started, and only that one (a daemon found running is kept).
set -euo pipefail
. "$(dirname "$0")/common.sh"

if [ ! -f "$DOCKERD_PIDFILE" ]; then log "no dockerd started by these scripts; nothing to stop"; exit 0; fi
pid=$(cat "$DOCKERD_PIDFILE")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "dockerd $pid ignored TERM; sending KILL"; kill -KILL "$pid"; fi
  log "stopped dockerd $pid"
fi
rm -f "$DOCKERD_PIDFILE"
