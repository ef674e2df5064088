#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs the system packages the build
# and the tests need when they are missing (etcd-server: the EtcdTests start a real etcd),
# then runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in libssl-dev zlib1g-dev pkg-config curl python3 openssl etcd-server; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
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
