#!/usr/bin/env bash
# Prepares this checkout: Node dependencies (with a pinned Node 24), the renderer build, and for
# --test the system packages and peer tools the tests run against. Safe to run again and again.
#   build/setup.sh --app    what `npm start` needs
#   build/setup.sh --test   what `npm test` needs (default)
set -euo pipefail
mode="${1:---test}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf 'setup: %s\n' "$*" >&2; }

# Packages the tests use: SoftHSM and OpenSC, the software TPM stack, the keychain under a private
# D-Bus, a loopback registry, Chromium for the UI tests and Xvfb for a real display.
APT_PACKAGES=(softhsm2 opensc swtpm swtpm-tools tpm2-tools tpm2-abrmd libtss2-tcti-tabrmd0 libtpm2-pkcs11-1
  libtpm2-pkcs11-tools gnome-keyring libsecret-tools dbus docker-registry skopeo umoci chromium xvfb)
# Peer tools at the versions the legacy interop tests pin, from Debian trixie, unpacked under .tools/bin.
TRIXIE_PACKAGES=(cosign oras skopeo libc6 libgpgme11t64 libsqlite3-0 libassuan9 libgpg-error0 golang-github-containers-common)
# Today's peers, from Debian sid, unpacked under .tools/current/: cosign 3, notation, skopeo and oras at their newest.
SID_PACKAGES=(cosign notation skopeo oras libc6 libgpgme45 libsqlite3-0 libassuan9 libgpg-error0 golang-github-containers-common)
# What the tests run, by command, for systems where the packages above cannot be installed for them.
COMMANDS=(softhsm2-util:softhsm2 pkcs11-tool:opensc swtpm:swtpm swtpm_setup:swtpm-tools tpm2_startup:tpm2-tools
  tpm2-abrmd:tpm2-abrmd tpm2_ptool:libtpm2-pkcs11-tools gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools
  dbus-daemon:dbus docker-registry:docker-registry umoci:umoci chromium:chromium Xvfb:xvfb cosign:cosign-2.5 skopeo:skopeo-1.18 oras:oras-1.2)
# Today's peers, looked for in .tools/current/bin on such systems.
CURRENT_COMMANDS=(cosign:cosign-3.1 notation:notation-1.3 skopeo:skopeo-1.22 oras:oras-1.3)
TOOLS_DIR="$root/.tools"
TOOLS_STAMP="$TOOLS_DIR/.complete-v2"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "needs root for: $*; run as root or install sudo"; exit 1
  fi
}

node_dependencies() {
  local lock="$root/package-lock.json" installed="$root/node_modules/.package-lock.json"
  if [ -f "$installed" ] && [ -x "$root/node_modules/.bin/node" ] && [ ! "$lock" -nt "$installed" ]; then return; fi
  say "installing Node dependencies (npm ci)"
  if [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
  npm ci --no-audit --no-fund --loglevel=error
}

electron_binary() {
  if [ -f "$root/node_modules/electron/path.txt" ] && [ -e "$root/node_modules/electron/dist/$(cat "$root/node_modules/electron/path.txt")" ]; then return; fi
  if timeout 300 "$root/node_modules/.bin/node" "$root/node_modules/electron/install.js" >/dev/null 2>&1; then
    say "Electron binary installed"
  else
    say "the Electron binary could not be downloaded here; the app runs through the browser host instead"
  fi
}

OS_RELEASE="${SIGNET_OS_RELEASE:-/etc/os-release}"
debian_like() { [ -r "$OS_RELEASE" ] && grep -qiE "^(ID|ID_LIKE)=.*(debian|ubuntu)" "$OS_RELEASE"; }

system_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Unpacks a suite's packages under .tools/<suite>/ through a private APT configuration, so the system's
# own sources and package state are never touched.
unpack_suite() {
  local suite="$1"; shift
  local base="$TOOLS_DIR/$suite" apt arch
  apt="$base/apt"
  arch="$(dpkg --print-architecture)"
  rm -rf "$base"
  mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial" "$apt/empty" "$apt/debs" "$base/root"
  : > "$apt/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" > "$apt/sources.list"
  cat > "$apt/apt.conf" <<CONF
Dir::State "$apt/state";
Dir::State::status "$apt/status";
Dir::Cache "$apt/cache";
Dir::Etc::SourceList "$apt/sources.list";
Dir::Etc::SourceParts "$apt/empty";
Dir::Etc::Preferences "$apt/empty/none";
Dir::Etc::PreferencesParts "$apt/empty";
APT::Architecture "$arch";
APT::Architectures "$arch";
APT::Sandbox::User "root";
CONF
  APT_CONFIG="$apt/apt.conf" apt-get update -qq
  (cd "$apt/debs" && APT_CONFIG="$apt/apt.conf" apt-get download -qq "$@")
  for deb in "$apt/debs"/*.deb; do dpkg-deb -x "$deb" "$base/root"; done
  rm -rf "$apt/debs" "$apt/cache"
}

# A Go binary linked against the suite's glibc runs through the suite's own loader and libraries.
loader_wrapper() {
  local suite_root="$1" program="$2" target="$3" triplet lib
  triplet="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")"
  lib="$suite_root/usr/lib/$triplet"
  cat > "$target" <<WRAP
#!/bin/sh
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$suite_root/usr/bin/$program" "\$@"
WRAP
  chmod +x "$target"
}

peer_tools() {
  [ -f "$TOOLS_STAMP" ] && return
  rm -rf "$TOOLS_DIR"
  mkdir -p "$TOOLS_DIR/bin" "$TOOLS_DIR/current/bin"
  say "fetching cosign 2.5, skopeo 1.18 and oras from Debian trixie into .tools/bin"
  unpack_suite trixie "${TRIXIE_PACKAGES[@]}"
  loader_wrapper "$TOOLS_DIR/trixie/root" skopeo "$TOOLS_DIR/bin/skopeo"
  ln -sf "$TOOLS_DIR/trixie/root/usr/bin/cosign" "$TOOLS_DIR/bin/cosign"
  ln -sf "$TOOLS_DIR/trixie/root/usr/bin/oras" "$TOOLS_DIR/bin/oras"
  say "fetching today's cosign, notation, skopeo and oras from Debian sid into .tools/current/bin"
  unpack_suite sid "${SID_PACKAGES[@]}"
  for tool in cosign notation skopeo oras; do loader_wrapper "$TOOLS_DIR/sid/root" "$tool" "$TOOLS_DIR/current/bin/$tool"; done
  "$TOOLS_DIR/bin/skopeo" --version >/dev/null
  "$TOOLS_DIR/bin/cosign" version >/dev/null 2>&1
  "$TOOLS_DIR/bin/oras" version >/dev/null
  "$TOOLS_DIR/current/bin/cosign" version >/dev/null 2>&1
  "$TOOLS_DIR/current/bin/notation" version >/dev/null
  "$TOOLS_DIR/current/bin/skopeo" --version >/dev/null
  "$TOOLS_DIR/current/bin/oras" version >/dev/null
  touch "$TOOLS_STAMP"
}

if ! command -v npm >/dev/null 2>&1; then say "npm is missing: install Node.js (any version from 20) and npm first"; exit 1; fi
node_dependencies
electron_binary
if [ "$mode" = "--test" ]; then
  if debian_like && [ "$(uname -m)" = "x86_64" ]; then
    system_packages
    peer_tools
  else
    missing=()
    for entry in "${COMMANDS[@]}"; do
      PATH="$TOOLS_DIR/bin:$PATH" command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry%%:*} (${entry#*:})")
    done
    for entry in "${CURRENT_COMMANDS[@]}"; do
      [ -x "$TOOLS_DIR/current/bin/${entry%%:*}" ] || missing+=(".tools/current/bin/${entry%%:*} (${entry#*:})")
    done
    if [ ${#missing[@]} -gt 0 ]; then
      say "the test environment installs itself only on Debian or Ubuntu (x86_64); here these are missing:"
      for m in "${missing[@]}"; do say "  $m"; done
      say "install them (cosign, skopeo and oras may go in .tools/bin, today's versions in .tools/current/bin) and run npm test again"
      exit 1
    fi
  fi
fi
"$root/node_modules/.bin/node" "$root/build/build.mjs" --if-stale
