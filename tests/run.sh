#!/usr/bin/env bash
# The test command: bash tests/run.sh [deno test arguments...]
#
# Idempotent. On a bare Debian 12 machine with Node.js and npm (as root) it installs what the
# suite needs: Deno (from npm), Chromium, Mosquitto and mbpoll (from Debian). Then it runs the
# gates (frozen install, format, lint, type check) and the tests. The exit code is deno test's,
# or non-zero if any gate failed.
set -u -o pipefail
unset RUST_BACKTRACE
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

DENO_VERSION=2.9.5
APT_PACKAGES=(chromium mosquitto mosquitto-clients mbpoll rauc squashfs-tools socat openssl curl prometheus
  qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross)

say() { printf '\n== %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}
is_root() { [ "$(id -u)" = 0 ]; }

deno_ok() {
  command -v deno >/dev/null 2>&1 &&
    deno --version 2>/dev/null | head -n 1 | grep -q "^deno ${DENO_VERSION} "
}

ensure_deno() {
  if deno_ok; then return; fi
  command -v npm >/dev/null 2>&1 || die "Deno ${DENO_VERSION} is not on PATH and npm is missing to install it"
  local allow=()
  # npm 11 warns about unreviewed install scripts; deno's postinstall only links the binary.
  if npm config ls -l 2>/dev/null | grep -q '^allow-scripts '; then allow=(--allow-scripts=deno); fi
  local prefix
  if is_root; then
    prefix="$(npm prefix -g)"
  else
    # Without root, never touch a global install: keep a private copy.
    prefix="${XDG_CACHE_HOME:-$HOME/.cache}/ladewerk/deno-${DENO_VERSION}"
  fi
  export PATH="${prefix}/bin:${PATH}"
  if deno_ok; then return; fi
  say "Installing deno@${DENO_VERSION} from npm into ${prefix}"
  npm install -g --prefix "$prefix" --no-audit --no-fund "${allow[@]}" "deno@${DENO_VERSION}" ||
    die "npm install deno@${DENO_VERSION} failed"
  hash -r
  deno_ok || die "deno@${DENO_VERSION} installed but 'deno --version' does not say ${DENO_VERSION}: $(command -v deno)"
}

apt_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

ensure_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do apt_installed "$p" || missing+=("$p"); done
  [ "${#missing[@]}" = 0 ] && return 0
  if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
    warn "missing Debian packages: ${missing[*]}; tests that need them will fail."
    warn "install them with: sudo apt-get install ${missing[*]}"
    return 0
  fi
  say "Installing Debian packages: ${missing[*]}"
  # The tests start their own Mosquitto on a free port; a broker the package may start as a
  # service on 1883 does not get in the way.
  local apt_log
  apt_log="$(mktemp)"
  if { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
    echo "done ($(grep -c '^Setting up ' "$apt_log") packages set up)"
  else
    tail -n 30 "$apt_log" >&2
    warn "apt-get install ${missing[*]} failed; tests that need them will fail"
  fi
  rm -f "$apt_log"
}

ensure_deno
ensure_apt_packages
say "$(deno --version | head -n 1)"

say "deno install --frozen"
deno install --frozen || die "deno install --frozen failed: deno.lock out of date with deno.json, or the npm registry unreachable"

say "deno task build:ui"
deno task build:ui || die "building the web interface failed"

failed_gates=()
gate() {
  say "$*"
  "$@" || failed_gates+=("$*")
}
gate deno fmt --check
gate deno lint
gate deno check .

say "deno test --allow-all $*"
deno test --allow-all "$@"
code=$?

if [ "${#failed_gates[@]}" -gt 0 ]; then
  printf '\nGATES FAILED: %s\n' "${failed_gates[*]}" >&2
  [ "$code" = 0 ] && code=1
fi
exit "$code"
