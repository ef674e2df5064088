#!/usr/bin/env bash
# Builds the Debian package of failover-proxy into DIR (default: .build/deb):
# a release build with the Swift standard library linked statically, /usr/bin/failover-proxy,
# /etc/failover-proxy/proxy.conf (a conffile), the systemd service, the manual, and
# maintainer scripts that create the `failover-proxy` system user.
#   scripts/package-deb.sh [DIR]        prints the path of the .deb it wrote
# SCRATCH_PATH (default .build) is SwiftPM's build directory: a caller that holds the
# lock of .build (`swift test` does) must give another one.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.build/deb}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

scratch=(--scratch-path "${SCRATCH_PATH:-.build}")
swift build "${scratch[@]}" -c release --static-swift-stdlib --product failover-proxy >&2
bin="$(swift build "${scratch[@]}" -c release --show-bin-path)/failover-proxy"

version="$("$bin" --version)"
arch="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/root"

install -D -m 0755 "$bin" "$root/usr/bin/failover-proxy"
strip --strip-unneeded "$root/usr/bin/failover-proxy" 2>/dev/null || true
install -D -m 0640 packaging/proxy.conf "$root/etc/failover-proxy/proxy.conf"
install -D -m 0644 packaging/logrotate "$root/etc/logrotate.d/failover-proxy"
install -D -m 0644 packaging/failover-proxy.service "$root/lib/systemd/system/failover-proxy.service"
install -d "$root/usr/share/doc/failover-proxy"
install -m 0644 docs/*.md "$root/usr/share/doc/failover-proxy/"
install -m 0644 proxy.conf "$root/usr/share/doc/failover-proxy/proxy.conf.example"
printf 'failover-proxy\n\nSee the source repository for the licence of this software.\n' \
  > "$root/usr/share/doc/failover-proxy/copyright"

# The shared libraries it still links (libc, OpenSSL, zlib): their Debian packages.
depends="$(ldd "$bin" | awk '/=> \//{print $3}' | while read -r lib; do
  dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')"

install -d "$root/DEBIAN"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
printf '%s\n' /etc/failover-proxy/proxy.conf /etc/logrotate.d/failover-proxy > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/control" <<CONTROL
Package: failover-proxy
Version: $version
Architecture: $arch
Maintainer: failover-proxy maintainers <root@localhost>
Depends: ${depends:-libc6}, passwd
Section: net
Priority: optional
Installed-Size: $(du -sk "$root" --exclude=DEBIAN | cut -f1)
Description: stable front door to the server hosting each failover role
 A reverse proxy for TCP and HTTP that forwards clients to the server currently
 hosting a failover role, follows failures and scheduled downtime within one
 health interval, and can run as a cluster that agrees through etcd.
CONTROL

deb="$out/failover-proxy_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >&2
echo "$deb"
