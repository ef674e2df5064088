#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs the system packages the build
# and the tests need when they are missing (etcd-server: the etcd and cluster tests start
# a real three-member etcd on 127.0.0.1), then runs `swift test`. With
# FAILOVER_PROXY_PACKAGE_TEST=1 the suite also builds the .deb (PackageTests, a release build).
set -euo pipefail
cd "$(dirname "$0")/.."

# `dpkg -s` also succeeds for a removed-but-not-purged package (config files left), so a
# package counts as present only when dpkg reports its status as `installed`.
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]; }

need=()
for pkg in libssl-dev zlib1g-dev pkg-config curl python3 openssl etcd-server; do
  installed "$pkg" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing missing system packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

swift build --build-tests "$@"
# --no-parallel: several tests count the process's open fds, which concurrent tests would disturb.
swift test --skip-build --no-parallel "$@"
