#!/usr/bin/env bash
# Builds the test bed's real node from pinned Go modules: kubelet (hack/tools/kubernetes, the
# same module and build cache as the control plane), containerd 2.x with its runc v2 shim and ctr
# (hack/tools/containerd), the CNI plugins bridge, host-local, loopback and portmap
# (hack/tools/cni), the sandbox image's pause program (hack/tools/pause) and the node's cluster
# DNS, CoreDNS with the kubernetes plugin (hack/tools/coredns). runc and iptables
# come from Debian (hack/ensure-system.sh installs them when missing).
#
# Binaries land in a cache folder outside the work tree, keyed by a hash of this script and the
# modules it builds, so a fresh clone on the same machine reuses them and a changed pin rebuilds.
# CNI plugins go to the cni/ subfolder (containerd's CNI bin_dir). Prints the bin folder on stdout;
# everything else goes to the log named on failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/hack/tools"
cache="${FOG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fog-compute}"
key="$(cat "$0" "$tools"/{kubernetes,containerd,cni,pause,coredns}/go.mod \
  "$tools"/{kubernetes,containerd,cni,coredns}/go.sum "$tools"/{pause,coredns}/main.go | sha256sum | cut -c1-16)"
bin="$cache/node/$key"
log="$cache/logs/build-node-$key.log"
want=(kubelet containerd containerd-shim-runc-v2 ctr pause coredns cni/bridge cni/host-local cni/loopback cni/portmap)

have_all() { for b in "${want[@]}"; do [ -x "$bin/$b" ] || return 1; done; }
if have_all; then echo "$bin"; exit 0; fi

if ! command -v go >/dev/null; then
  for d in ${FOG_GO_DIRS-/usr/local/go/bin $HOME/go/bin /usr/lib/go/bin}; do
    [ -x "$d/go" ] && { export PATH="$d:$PATH"; break; }
  done
fi
command -v go >/dev/null || { echo "build-node: 'go' not found on PATH; install Go >= 1.26 (https://go.dev/dl) and retry" >&2; exit 1; }
mkdir -p "$bin.partial/cni" "$(dirname "$log")"
: >"$log"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
kv=v1.36.3
kldflags=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kldflags+=" -X $p.gitVersion=$kv -X $p.gitMajor=1 -X $p.gitMinor=36 -X $p.gitTreeState=clean"
done
cv="$(cd "$tools/containerd" && go list -m -f '{{.Version}}' github.com/containerd/containerd/v2)"
cldflags="-X github.com/containerd/containerd/v2/version.Version=$cv -X github.com/containerd/containerd/v2/version.Revision=$cv"
cniv="$(cd "$tools/cni" && go list -m -f '{{.Version}}' github.com/containernetworking/plugins)"
cnildflags="-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$cniv"

step() { # name (relative to bin), module dir, then go build args
  local name="$1" dir="$2"; shift 2
  [ -x "$bin.partial/$name" ] && return 0
  echo "build-node: building $name" >&2
  if ! (cd "$tools/$dir" && go build -o "$bin.partial/$name" "$@" >>"$log" 2>&1); then
    echo "build-node: building $name failed; read $log" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}
start=$(date +%s)
step pause pause -ldflags "-s -w" .
for p in ipam/host-local main/bridge main/loopback meta/portmap; do
  step "cni/${p#*/}" cni -ldflags "$cnildflags" "github.com/containernetworking/plugins/plugins/$p"
done
ctags="urfave_cli_no_docs no_btrfs no_devmapper no_zfs netgo osusergo"
for c in containerd containerd-shim-runc-v2 ctr; do
  step "$c" containerd -tags "$ctags" -ldflags "$cldflags" "github.com/containerd/containerd/v2/cmd/$c"
done
step kubelet kubernetes -ldflags "$kldflags" k8s.io/kubernetes/cmd/kubelet
dnsv="$(cd "$tools/coredns" && go list -m -f '{{.Version}}' github.com/coredns/coredns)"
step coredns coredns -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$dnsv" .
rm -rf "$bin"; mv "$bin.partial" "$bin"
echo "build-node: built in $(( $(date +%s) - start ))s into $bin" >&2
echo "$bin"
