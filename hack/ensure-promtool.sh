#!/usr/bin/env bash
# Prints the path of a promtool binary, for the chart's alert-rule tests
# (tests/integration/chart/test_chart_promtool.py): FOG_PROMTOOL if set, else one cached earlier,
# else promtool extracted from Debian's prometheus package. The package is only downloaded and
# unpacked into the cache (apt-get download + dpkg-deb), never installed: installing it would
# also set up and, with systemd, start a Prometheus server. Output on stdout is the path alone.
set -euo pipefail

if [ -n "${FOG_PROMTOOL:-}" ]; then
  [ -x "$FOG_PROMTOOL" ] || { echo "ensure-promtool: FOG_PROMTOOL=$FOG_PROMTOOL is not executable" >&2; exit 1; }
  echo "$FOG_PROMTOOL"; exit 0
fi
cache="${FOG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fog-compute}/promtool"
for found in "$cache"/*/promtool; do
  [ -x "$found" ] && { echo "$found"; exit 0; }
done
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
  echo "ensure-promtool: no promtool; on Debian apt-get fetches it, elsewhere install Prometheus's promtool and set FOG_PROMTOOL" >&2
  exit 1
}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download prometheus >"$work/apt.log" 2>&1; then
  # A fresh machine may have no package lists yet; only root can fetch them.
  [ "$(id -u)" = 0 ] && apt-get update >>"$work/apt.log" 2>&1 && apt-get download prometheus >>"$work/apt.log" 2>&1 || {
    echo "ensure-promtool: apt-get download prometheus failed:" >&2; cat "$work/apt.log" >&2; exit 1
  }
fi
deb="$(ls prometheus_*.deb)"
version="$(dpkg-deb -f "$deb" Version)"
dpkg-deb --fsys-tarfile "$deb" | tar -x ./usr/bin/promtool
mkdir -p "$cache/$version.partial"
mv usr/bin/promtool "$cache/$version.partial/promtool"
rm -rf "${cache:?}/$version" && mv "$cache/$version.partial" "$cache/$version"
echo "$cache/$version/promtool"
