#!/usr/bin/env bash
# Installs the system packages fog-compute's build and tests need, when they are missing.
# Runs before the venv is made, so it uses only bash and the system's package manager.
set -euo pipefail
missing=()
# Go's tarball install lives outside the default PATH of a non-login shell: look there too
# (FOG_GO_DIRS overrides where).
if ! command -v go >/dev/null; then
  for d in ${FOG_GO_DIRS-/usr/local/go/bin $HOME/go/bin /usr/lib/go/bin}; do
    [ -x "$d/go" ] && { export PATH="$d:$PATH"; break; }
  done
fi
command -v go >/dev/null || missing+=("Go >= 1.26 (go)")
command -v python3 >/dev/null || missing+=("python3")
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=("python3-venv")
need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
# petlib (the sphinxmix reference the mixnet benchmark compares against) builds against OpenSSL.
if command -v dpkg >/dev/null; then
  for pkg in libssl-dev libffi-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
  done
fi
# The ledger's tests and benchmark run a real PostgreSQL server (testbed/fogcompute_testbed/postgres.py).
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need_apt+=(postgresql)
# The test bed's real node (hack/build-node.sh, fogcompute_testbed.node): runc runs its containers,
# iptables serves the CNI portmap plugin, mmdebstrap and busybox-static build its offline images.
# Only root can run that node, so only root gets them; elsewhere the test bed runs kwok only.
if command -v dpkg >/dev/null && [ "$(id -u)" = 0 ]; then
  for pkg in runc iptables mmdebstrap busybox-static; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
  done
fi
# The edge agent's BLE test runs the real bleak scanner against python-dbusmock's BlueZ template
# on a private D-Bus (tests/integration/edge_agent/test_edge_bluez.py).
if command -v dpkg >/dev/null; then
  for pkg in dbus-daemon python3-dbusmock; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
  done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "ensure-system: apt-get install ${need_apt[*]} (log: /tmp/fog-apt.log)"
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_apt[@]}"; } >/tmp/fog-apt.log 2>&1 \
      || { echo "ensure-system: apt-get failed; read /tmp/fog-apt.log" >&2; exit 1; }
  else
    missing+=("${need_apt[@]}")
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-system: missing ${missing[*]}; install them and rerun" >&2
  exit 1
fi
