#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, once: gettext (catalogue checks),
# Chromium with its driver and CJK fonts (browser tests drive Debian's headless Chromium).
# Runs as root on the CI and development machines; elsewhere it says what is missing.
set -euo pipefail

packages=(gettext chromium chromium-driver fonts-noto-cjk)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "system-deps: please install these Debian packages: ${missing[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
