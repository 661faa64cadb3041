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
# Peer tools at the versions the interop tests pin, from Debian trixie, unpacked under .tools/.
TRIXIE_PACKAGES=(cosign oras skopeo libc6 libgpgme11t64 libsqlite3-0 libassuan9 libgpg-error0 golang-github-containers-common)
# What the tests run, by command, for systems where the packages above cannot be installed for them.
COMMANDS=(softhsm2-util:softhsm2 pkcs11-tool:opensc swtpm:swtpm swtpm_setup:swtpm-tools tpm2_startup:tpm2-tools
  tpm2-abrmd:tpm2-abrmd tpm2_ptool:libtpm2-pkcs11-tools gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools
  dbus-daemon:dbus docker-registry:docker-registry umoci:umoci chromium:chromium Xvfb:xvfb cosign:cosign-2.5 skopeo:skopeo-1.18 oras:oras-1.2)
TOOLS_DIR="$root/.tools"
TOOLS_STAMP="$TOOLS_DIR/.complete-v1"

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

trixie_tools() {
  [ -f "$TOOLS_STAMP" ] && return
  local apt="$TOOLS_DIR/apt" arch triplet
  arch="$(dpkg --print-architecture)"
  triplet="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")"
  rm -rf "$TOOLS_DIR"
  mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial" "$apt/empty" "$apt/debs" "$TOOLS_DIR/root" "$TOOLS_DIR/bin"
  : > "$apt/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" > "$apt/sources.list"
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
  say "fetching cosign, skopeo and oras from Debian trixie into .tools/"
  APT_CONFIG="$apt/apt.conf" apt-get update -qq
  (cd "$apt/debs" && APT_CONFIG="$apt/apt.conf" apt-get download -qq "${TRIXIE_PACKAGES[@]}")
  for deb in "$apt/debs"/*.deb; do dpkg-deb -x "$deb" "$TOOLS_DIR/root"; done
  local lib="$TOOLS_DIR/root/usr/lib/$triplet"
  # skopeo is linked against trixie's glibc, so it runs through trixie's own loader and libraries.
  cat > "$TOOLS_DIR/bin/skopeo" <<WRAP
#!/bin/sh
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$TOOLS_DIR/root/usr/bin/skopeo" "\$@"
WRAP
  ln -sf "$TOOLS_DIR/root/usr/bin/cosign" "$TOOLS_DIR/bin/cosign"
  ln -sf "$TOOLS_DIR/root/usr/bin/oras" "$TOOLS_DIR/bin/oras"
  chmod +x "$TOOLS_DIR/bin/skopeo"
  "$TOOLS_DIR/bin/skopeo" --version >/dev/null
  "$TOOLS_DIR/bin/cosign" version >/dev/null 2>&1
  "$TOOLS_DIR/bin/oras" version >/dev/null
  touch "$TOOLS_STAMP"
}

if ! command -v npm >/dev/null 2>&1; then say "npm is missing: install Node.js (any version from 20) and npm first"; exit 1; fi
node_dependencies
electron_binary
if [ "$mode" = "--test" ]; then
  if debian_like && [ "$(uname -m)" = "x86_64" ]; then
    system_packages
    trixie_tools
  else
    missing=()
    for entry in "${COMMANDS[@]}"; do
      PATH="$TOOLS_DIR/bin:$PATH" command -v "${entry%%:*}" >/dev/null 2>&1 || missing+=("${entry%%:*} (${entry#*:})")
    done
    if [ ${#missing[@]} -gt 0 ]; then
      say "the test environment installs itself only on Debian or Ubuntu (x86_64); here these are missing:"
      for m in "${missing[@]}"; do say "  $m"; done
      say "install them (cosign, skopeo and oras may go in .tools/bin) and run npm test again"
      exit 1
    fi
  fi
fi
"$root/node_modules/.bin/node" "$root/build/build.mjs" --if-stale
