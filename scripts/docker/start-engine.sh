#!/usr/bin/env bash
# Starts a Docker engine only if none answers: no bridge, no iptables rules, no NAT, so containers can
# only use host networking and their traffic stays on loopback. Records the pid so that stop-engine.sh
# stops this daemon and nothing else.
set -euo pipefail
. "$(dirname "$0")/common.sh"

if engine_answers; then log "a Docker engine already answers; leaving it alone"; exit 0; fi
need_root "starting dockerd"
command -v dockerd >/dev/null 2>&1 || bash "$(dirname "$0")/install-engine.sh"

log "starting dockerd --bridge=none --iptables=false --ip-masq=false (log: $DOCKERD_LOG)"
setsid dockerd --bridge=none --iptables=false --ip-masq=false --ip6tables=false \
  --pidfile "$TENANCY_DOCKER_STATE/dockerd.self.pid" >"$DOCKERD_LOG" 2>&1 </dev/null &
echo $! >"$DOCKERD_PIDFILE"
for _ in $(seq 1 120); do
  if engine_answers; then log "dockerd is up (pid $(cat "$DOCKERD_PIDFILE"))"; exit 0; fi
  if ! kill -0 "$(cat "$DOCKERD_PIDFILE")" 2>/dev/null; then break; fi
  sleep 0.5
done
log "dockerd did not come up; last lines of its log:"
tail -20 "$DOCKERD_LOG" >&2
rm -f "$DOCKERD_PIDFILE"
exit 1
