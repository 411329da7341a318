#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, kwok, helm) from the Go modules pinned in hack/tools/*/go.{mod,sum}.
#
# Binaries land in a cache folder outside the work tree, keyed by a hash of the pinned modules and
# of this script, so a fresh clone on the same machine (CI) reuses them and a changed pin rebuilds.
# Prints the bin folder on stdout; everything else goes to the log named on failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/hack/tools"
cache="${FOG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fog-compute}"
key="$(cat "$0" "$tools"/*/go.mod "$tools"/*/go.sum | sha256sum | cut -c1-16)"
bin="$cache/bin/$key"
log="$cache/logs/build-tools-$key.log"
want=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok helm)

have_all() { for b in "${want[@]}"; do [ -x "$bin/$b" ] || return 1; done; }
if have_all; then echo "$bin"; exit 0; fi

# Go's tarball install lives outside the default PATH of a non-login shell: look there too
# (FOG_GO_DIRS overrides where).
if ! command -v go >/dev/null; then
  for d in ${FOG_GO_DIRS-/usr/local/go/bin $HOME/go/bin /usr/lib/go/bin}; do
    [ -x "$d/go" ] && { export PATH="$d:$PATH"; break; }
  done
fi
command -v go >/dev/null || { echo "build-tools: 'go' not found on PATH; install Go >= 1.26 (https://go.dev/dl) and retry" >&2; exit 1; }
mkdir -p "$bin.partial" "$(dirname "$log")"
: >"$log"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
kv=v1.36.3
kldflags=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kldflags+=" -X $p.gitVersion=$kv -X $p.gitMajor=1 -X $p.gitMinor=36 -X $p.gitTreeState=clean"
done

step() { # name, module dir, then go build args
  local name="$1" dir="$2"; shift 2
  [ -x "$bin.partial/$name" ] && return 0
  echo "build-tools: building $name" >&2
  if ! (cd "$tools/$dir" && go build "$@" >>"$log" 2>&1); then
    echo "build-tools: building $name failed; read $log" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}
start=$(date +%s)
step etcd etcd -o "$bin.partial/etcd" go.etcd.io/etcd/server/v3
step kwok kwok -o "$bin.partial/kwok" sigs.k8s.io/kwok/cmd/kwok
hv="$(cd "$tools/helm" && go list -m -f '{{.Version}}' helm.sh/helm/v3)"
step helm helm -o "$bin.partial/helm" -ldflags "-X helm.sh/helm/v3/internal/version.version=$hv \
  -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=36 \
  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=36" helm.sh/helm/v3/cmd/helm
for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  step "$c" kubernetes -o "$bin.partial/$c" -ldflags "$kldflags" "k8s.io/kubernetes/cmd/$c"
done
rm -rf "$bin"; mv "$bin.partial" "$bin"
echo "build-tools: built in $(( $(date +%s) - start ))s into $bin" >&2
echo "$bin"
