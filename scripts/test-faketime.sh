#!/usr/bin/env bash
# Runs the clock-sensitive e2e files with the process clock moved (libfaketime) to 23:30 and 02:30 UK time,
# in winter (GMT) and in summer (BST). PostgreSQL and Redis keep the real time, so any place where Node's
# time meets the database's (instead of going through the injected Clock) shows up here, at any hour.
# Usage: scripts/test-faketime.sh [jest test files...]   (needs Debian's faketime: scripts/install-system-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
lib=$(find /usr/lib /usr/lib64 -name libfaketime.so.1 -path '*faketime*' 2>/dev/null | head -n1 || true)
if [ -z "$lib" ]; then
  echo "libfaketime not found: run scripts/install-system-deps.sh" >&2
  exit 1
fi
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(
    test/clock.e2e-spec.ts
    test/customer-pages.e2e-spec.ts
    test/compensation-offers.e2e-spec.ts
    test/status-subscriptions.e2e-spec.ts
  )
fi
# UK local time -> the UTC instant the process starts at (it ticks on from there).
instants=(
  "winter 23:30 GMT|2026-12-31 23:30:00"
  "winter 02:30 GMT|2027-01-15 02:30:00"
  "summer 23:30 BST|2026-07-15 22:30:00"
  "summer 02:30 BST|2026-06-21 01:30:00"
)
for entry in "${instants[@]}"; do
  label=${entry%%|*}
  at=${entry#*|}
  printf '\n== faketime: %s (process clock %s UTC; the database keeps real time)\n' "$label" "$at"
  # Monotonic time stays real: timers and timeouts behave; only the wall clock moves.
  TZ=UTC LD_PRELOAD="$lib" FAKETIME="@$at" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    npx jest --ci "${files[@]}"
done
