#!/usr/bin/env bash
# Installs what the tests need beyond a Rust toolchain, from Debian's
# packages, when it is missing. Safe to run again: it installs nothing that is
# already there. Needs root (or passwordless sudo) the first time.
set -euo pipefail

missing=()
# need PATH PACKAGE: PACKAGE provides PATH (a command or a file).
need() {
  if [ ! -e "$1" ] && ! command -v "$1" >/dev/null 2>&1; then missing+=("$2"); fi
}

need /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 faketime # tests/clock.rs: a wall clock that jumps
need ip iproute2                                                  # tests/partition.rs: network namespaces
need tar tar                                                      # tests/upgrade.rs: the fixture
need systemd-analyze systemd                                      # tests/deploy.rs: verifies deploy/couponsd.service
need chromium chromium                                            # tests/console.rs: the console in headless Chromium
need node nodejs                                                  # tests/console.rs: runs tests/console/e2e.mjs
need npm npm                                                      # tests/console.rs: playwright-core from package-lock.json
need go golang-go                                                 # clients/go: standard library only
need javac openjdk-17-jdk-headless                                # clients/java: built with the JDK alone
need /usr/share/java/junit-platform-console-standalone.jar junit5 # clients/java: JUnit 5 from Debian

# tests/distribution.rs: a real SMTP server on loopback (Python's aiosmtpd,
# from PyPI) in a venv of the project's own, .venv-test/ (gitignored).
venv="$(dirname "$0")/../.venv-test"
if ! "$venv/bin/python" -c "import aiosmtpd" >/dev/null 2>&1; then
  need python3 python3
  if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then missing+=(python3-venv); fi
fi

install_aiosmtpd() {
  if "$venv/bin/python" -c "import aiosmtpd" >/dev/null 2>&1; then return 0; fi
  echo "installing aiosmtpd into .venv-test (tests/distribution.rs)" >&2
  python3 -m venv "$venv" >/dev/null
  "$venv/bin/pip" install --quiet "aiosmtpd>=1.4,<2"
}

# playwright-core (pinned by tests/console/package-lock.json), once Node is there.
install_console_packages() {
  local dir
  dir="$(dirname "$0")/../tests/console"
  if [ ! -d "$dir/node_modules/playwright-core" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund >/dev/null)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_aiosmtpd
  install_console_packages
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
echo "installing ${missing[*]} (Debian packages the tests need)" >&2
if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
  $sudo apt-get update >/dev/null
  $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
install_aiosmtpd
install_console_packages
