#!/usr/bin/env bash
# Debian packages the tests and benchmarks use. Idempotent: installs only what is missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v mawk >/dev/null 2>&1 || need+=(mawk)
# faketime: the CI step that runs the clock-sensitive tests with the process clock in quiet hours
command -v faketime >/dev/null 2>&1 || need+=(faketime)
# the native scanner's build (node-gyp, during `npm run build`): a C compiler, make and python3
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "system packages present: chromium nginx wrk mawk faketime g++ make python3"
