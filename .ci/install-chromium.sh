#!/usr/bin/env bash
# Installs Debian's chromium for the SDK's browser tests (packages/sdk/test/helpers/chromium.ts) when it is missing.
# Idempotent: does nothing when /usr/bin/chromium exists. Needs root (CI and dev machines run as
# root) and the Debian archive; playwright's own browser download is not reachable here.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

echo "install-chromium: /usr/bin/chromium is missing; installing Debian's chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version 2>/dev/null || true
