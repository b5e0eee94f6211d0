#!/usr/bin/env bash
# Installs Debian's Chromium (and a CJK font so pages render readable
# screenshots) for the browser tests, unless it is already there.
set -euo pipefail
if [[ -x ${CHROMIUM:-/usr/bin/chromium} ]]; then
  exit 0
fi
echo "chromium: installing from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
