#!/usr/bin/env bash
# Proves the README's two commands work on a fresh Debian 12 machine:
# builds a bookworm chroot with debootstrap (minbase, plus ca-certificates
# and git: a machine the repository was cloned onto), copies in Go from
# /usr/local/go (where a fresh machine has it), clones the repository at
# COMMIT, and runs, as root inside the chroot,
#
#     go run ./cmd/vcheck check
#     bash scripts/test.sh
#
# with nothing else installed: scripts/test.sh must install every tool the
# tests need (internal/testtool/packages.txt) from Debian and npm, and Go
# modules come from the Go module proxy. It prints each command's time
# and exits with the first failure's status.
#
#   sudo bash scripts/fresh-machine.sh [COMMIT]      # default: HEAD
#
# Needs root (debootstrap, chroot, mounts) and the network the chroot
# needs: the Debian mirror, the npm registry and the Go module proxy.
# Environment: MIRROR (default http://deb.debian.org/debian), WORKDIR
# (where the chroot goes, default /var/tmp), KEEP=1 keeps the chroot,
# DEBCACHE (debootstrap's download cache, default
# /var/cache/vcheck-fresh-debs: only the .deb files of the base system).
#
# The chroot shares the host's network, so it gets what the host's
# network needs and nothing more: the resolver, and the certificate
# authorities the host added (/usr/local/share/ca-certificates, as on
# machines whose HTTPS goes through a proxy), which Go, apt and node then
# trust as the host does.
# It takes 20 to 30 minutes; docs/testing.md has the last result.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$repo" rev-parse --verify "${1:-HEAD}^{commit}")"
mirror="${MIRROR:-http://deb.debian.org/debian}"
[ "$(id -u)" = 0 ] || { echo "fresh-machine: run as root (debootstrap, chroot, mount)" >&2; exit 2; }
[ -x /usr/local/go/bin/go ] || { echo "fresh-machine: no Go in /usr/local/go to copy in" >&2; exit 2; }

if ! command -v debootstrap >/dev/null 2>&1; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

root="$(mktemp -d "${WORKDIR:-/var/tmp}/vcheck-fresh.XXXXXX")"
mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -R -l "${mounted[i]}" 2>/dev/null || true
	done
	if [ "${KEEP:-}" = 1 ]; then
		echo "fresh-machine: kept $root" >&2
	else
		# Only after every mount is gone: never delete through a bind mount.
		if ! grep -q " $root/" /proc/mounts; then
			rm -rf "$root"
		fi
	fi
}
trap cleanup EXIT
bindfile() { # bindfile SRC DST: a read-only bind of one file
	touch "$2"
	mount --bind "$1" "$2"
	mounted+=("$2")
	mount -o remount,bind,ro "$2"
}

t0=$SECONDS
echo "fresh-machine: debootstrap bookworm into $root" >&2
mkdir -p "${DEBCACHE:=/var/cache/vcheck-fresh-debs}"
debootstrap --variant=minbase --include=ca-certificates,git --cache-dir="$DEBCACHE" \
	bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
	{ tail -20 "$root.debootstrap.log" >&2; exit 1; }
rm -f "$root.debootstrap.log"
# Debian's own sources, as on a fresh install (debootstrap writes only the
# main suite).
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF

# What a debootstrap chroot needs: proc, sys and dev (with pts and shm),
# and the host's resolver for the network.
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount -t sysfs sysfs "$root/sys" && mounted+=("$root/sys")
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && mounted+=("$root/dev")
bindfile /etc/resolv.conf "$root/etc/resolv.conf"
extra_env=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
	cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
	chroot "$root" update-ca-certificates >/dev/null
	# node trusts its own bundle unless told: as on the host.
	extra_env+=(NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
fi

echo "fresh-machine: copying /usr/local/go, cloning $commit" >&2
cp -a /usr/local/go "$root/usr/local/go"
git clone -q --no-local --no-checkout "$repo" "$root/root/vcheck"
git -C "$root/root/vcheck" checkout -q --detach "$commit"
echo "fresh-machine: chroot ready after $((SECONDS - t0)) s" >&2

# run LABEL COMMAND: one README command in the chroot, as root, with a
# plain login environment (nothing from this shell leaks in).
run() {
	local label="$1" start=$SECONDS rc=0
	echo "fresh-machine: $label" >&2
	chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb "${extra_env[@]}" \
		PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "cd /root/vcheck && $2" </dev/null || rc=$?
	echo "fresh-machine: $label: exit $rc after $((SECONDS - start)) s" >&2
	return $rc
}
run "go run ./cmd/vcheck check" "go run ./cmd/vcheck check"
run "bash scripts/test.sh" "bash scripts/test.sh"
echo "fresh-machine: PASS at $commit in $((SECONDS - t0)) s" >&2
