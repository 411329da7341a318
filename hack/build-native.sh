#!/usr/bin/env bash
# Builds the Rust extension fogcompute_mixnode._native from mixnode/native (cargo, release,
# abi3 for CPython >= 3.11) and installs it as mixnode/fogcompute_mixnode/_native.abi3.so
# (git-ignored), which the editable install imports; without it the package runs its
# pure-Python Sphinx reference.
#
# The built library lands in a cache folder outside the work tree, keyed by a hash of the
# crate's sources, its Cargo.lock, this script and the rustc version, so a fresh clone on the
# same machine (CI) copies it instead of compiling, and any change rebuilds. Needs only
# rustup's cargo (on PATH or in ~/.cargo/bin); crates come from crates.io, pinned by
# Cargo.lock. Prints the installed path on stdout; the build log is named on failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crate="$root/mixnode/native"
dest="$root/mixnode/fogcompute_mixnode/_native.abi3.so"
python="${PYTHON:-$root/.venv/bin/python}"
cache="${FOG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fog-compute}/native"

cargo="$(command -v cargo || true)"
[ -n "$cargo" ] || { [ -x "$HOME/.cargo/bin/cargo" ] && cargo="$HOME/.cargo/bin/cargo"; }
if [ -z "$cargo" ]; then
  echo "build-native: 'cargo' not found on PATH or in ~/.cargo/bin; install Rust with rustup" \
    "(https://rustup.rs) and retry" >&2
  exit 1
fi
rustc="$(dirname "$cargo")/rustc"
[ -x "$rustc" ] || rustc="rustc"
[ -x "$python" ] || { echo "build-native: no Python at $python; run 'make venv' first or set PYTHON" >&2; exit 1; }

key="$(
  cd "$crate"
  {
    cat "$root/hack/build-native.sh" Cargo.toml Cargo.lock .cargo/config.toml
    find src -type f -name '*.rs' | LC_ALL=C sort | xargs cat
    "$rustc" -vV
  } | sha256sum | cut -c1-16
)"
built="$cache/$key/_native.abi3.so"
log="$cache/logs/build-native-$key.log"

if [ ! -f "$built" ]; then
  mkdir -p "$cache/$key" "$(dirname "$log")"
  echo "build-native: compiling mixnode/native (release; a few minutes the first time; log: $log)" >&2
  # Run from the crate so cargo reads its .cargo/config.toml (dalek's backend choice).
  if ! (cd "$crate" && PYO3_PYTHON="$python" CARGO_TARGET_DIR="$cache/target" \
    "$cargo" build --release --locked >"$log" 2>&1); then
    tail -n 25 "$log" >&2
    echo "build-native: cargo build failed; read $log" >&2
    exit 1
  fi
  cp "$cache/target/release/lib_native.so" "$built.partial"
  mv "$built.partial" "$built"
fi

# Replace by rename, so a running worker keeps the library it mapped.
if ! cmp -s "$built" "$dest"; then
  cp "$built" "$dest.partial"
  mv "$dest.partial" "$dest"
fi
if ! (cd "$root" && "$python" -c 'import fogcompute_mixnode._native') 2>>"$log"; then
  echo "build-native: $dest does not import; read $log" >&2
  exit 1
fi
echo "$dest"
