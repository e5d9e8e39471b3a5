#!/usr/bin/env bash
# Installs Docker's engine (docker.io) and debootstrap from Debian's packages when they are missing.
# The package would start a bridged daemon of its own; a policy-rc.d that exits 101 keeps it from
# starting any service during the install. start-engine.sh then starts one without a bridge or NAT.
set -euo pipefail
. "$(dirname "$0")/common.sh"

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ ${#missing[@]} -eq 0 ]; then log "dockerd and debootstrap are installed"; exit 0; fi
need_root "installing ${missing[*]}"

policy=/usr/sbin/policy-rc.d
had_policy=false
if [ -e "$policy" ]; then had_policy=true; cp -p "$policy" "$TENANCY_DOCKER_STATE/policy-rc.d.saved"; fi
restore_policy() {
  if $had_policy; then cp -p "$TENANCY_DOCKER_STATE/policy-rc.d.saved" "$policy"; else rm -f "$policy"; fi
}
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod 755 "$policy"

log "installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$TENANCY_DOCKER_STATE/apt-install.log" 2>&1 \
  || { tail -20 "$TENANCY_DOCKER_STATE/apt-install.log" >&2; exit 1; }
log "installed ${missing[*]}"
