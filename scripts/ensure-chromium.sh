#!/usr/bin/env bash
# The dashboard's end-to-end tests drive Debian's Chromium (playwright's own browser
# download cannot reach its host here). Install it when missing, if we can.
set -euo pipefail
bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$bin" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser tests need Chromium at $bin (Debian: apt-get install chromium; or set CHROMIUM_PATH)." >&2
exit 1
