#!/usr/bin/env bash
# Builds the rv64pg Linux kernel of docs/linux.md, with init (init.c) in
# its built-in initramfs, from Debian's linux-source-6.1 with
# gcc-riscv64-linux-gnu, and caches the result outside the repository:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/vcheck/linux/KEY/
#       Image        the kernel, raw: QEMU's -kernel, vcheck's --kernel
#       vmlinux      the same kernel as an ELF with symbols (for gdb, addr2line)
#       System.map   its symbols
#       config       the kernel's .config
#       init         the init program (static, rv64imac/lp64, soft-float)
#       build.log    what make printed
#
# KEY names the source version and hashes everything the result depends
# on: this script, rv64pg.config, init.c, the source package's version
# (or the tarball's sha256 when VCHECK_LINUX_SOURCE names another) and the
# cross compiler's version. A second run with the same inputs builds
# nothing. The last line on stdout is the directory; everything else goes
# to stderr. Concurrent runs wait for each other (flock), so two test
# processes never build twice.
#
#   bash corpus/linux/build.sh            build if needed; print the directory
#   bash corpus/linux/build.sh --key      print the directory, build nothing
#
# Environment: VCHECK_LINUX_SOURCE (default /usr/src/linux-source-6.1.tar.xz),
# VCHECK_LINUX_JOBS (make -j; default: the number of CPUs),
# VCHECK_LINUX_KEEP=1 (keep the source and object tree in KEY.build/).
#
# Nothing here is committed: the kernel is built on each machine (CI
# builds it on every run, from scripts/test.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tarball=${VCHECK_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
cross=riscv64-linux-gnu-
jobs=${VCHECK_LINUX_JOBS:-$(nproc)}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/vcheck/linux

die() { echo "corpus/linux/build.sh: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "no kernel source at $tarball (Debian package linux-source-6.1; VCHECK_LINUX_SOURCE names another tarball)"
command -v "${cross}gcc" >/dev/null || die "no ${cross}gcc (Debian package gcc-riscv64-linux-gnu)"

# The source's version: the Debian package's when the tarball is its,
# else the tarball's own hash.
if [ "$tarball" = /usr/src/linux-source-6.1.tar.xz ] &&
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) && [ -n "$srcver" ]; then
	srcid="linux-source-6.1 $srcver"
else
	srcver=custom
	srcid="$(sha256sum "$tarball" | cut -d' ' -f1)"
fi
key=$( {
	cat "$here/build.sh" "$here/rv64pg.config" "$here/init.c"
	echo "$srcid"
	"${cross}gcc" --version | head -1
} | sha256sum | cut -c1-16)
out=$cache/$srcver-$key

if [ "${1-}" = --key ]; then
	echo "$out"
	exit 0
fi
[ $# -eq 0 ] || die "usage: bash corpus/linux/build.sh [--key]"

mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
if [ -f "$out/Image" ]; then
	echo "$out"
	exit 0
fi

start=$SECONDS
work=$out.build
rm -rf "$work"
mkdir -p "$work/obj"
log=$work/build.log
: > "$log"
# phase NAME: note in the log how long the step before took.
last=$SECONDS
times=
phase() { echo "build.sh: $1 took $((SECONDS - last)) s" >>"$log"; times="$times $1 $((SECONDS - last))s"; last=$SECONDS; }
echo "corpus/linux/build.sh: building the rv64pg kernel into $out ($srcid, make -j$jobs; log: $log)" >&2

# 1. The source: the tarball's one top directory, unpacked.
tar -xf "$tarball" -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d ! -name obj)
[ -f "$src/Makefile" ] || die "$tarball has no kernel tree"
phase unpack

# A reproducible banner: "Linux version ... (vcheck@vcheck) ... #1 SMP <date>"
# is the same on every machine and every run.
export ARCH=riscv CROSS_COMPILE=$cross
export KBUILD_BUILD_USER=vcheck KBUILD_BUILD_HOST=vcheck KBUILD_BUILD_VERSION=1
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 1970"
mk() { make -C "$src" O="$work/obj" -j"$jobs" "$@" >>"$log" 2>&1 || { tail -40 "$log" >&2; die "make $* failed (log: $log)"; }; }

# 2. The configuration. tinyconfig is allnoconfig with
# kernel/configs/tiny-base.config, then tiny.config merged in; ours is
# allnoconfig with both of those, rv64pg.config and the initramfs as the
# values it must take (KCONFIG_ALLCONFIG), so that an option a line turns
# on brings in what it selects and nothing by default. Every line must
# have taken: Kconfig drops a value whose dependencies are not met,
# silently.
cat > "$work/initramfs.list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
file /init $work/init 0755 0 0
EOF
{ cat "$here/rv64pg.config"; echo "CONFIG_INITRAMFS_SOURCE=\"$work/initramfs.list\""; } > "$work/want.config"
cat "$src/kernel/configs/tiny-base.config" "$src/kernel/configs/tiny.config" "$work/want.config" > "$work/all.config"
mk KCONFIG_ALLCONFIG="$work/all.config" allnoconfig
while read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" "$work/obj/.config" || die "rv64pg.config: $line did not take (dependencies?); see $work/obj/.config" ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		! grep -q "^$sym=" "$work/obj/.config" || die "rv64pg.config: $line did not take: $(grep "^$sym=" "$work/obj/.config")" ;;
	esac
done < "$work/want.config"
phase config

# 3. init: nolibc needs the kernel's UAPI headers (make headers, into
# obj/usr/include). rv64imac/lp64: no F or D instruction, soft-float ABI.
mk headers
phase headers
"${cross}gcc" -march=rv64imac -mabi=lp64 -Os -static -nostdlib -ffreestanding \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-ident -Wall -Werror \
	-include "$src/tools/include/nolibc/nolibc.h" -I "$src/tools/include/nolibc" -I "$work/obj/usr/include" \
	-Wl,--build-id=none -s -o "$work/init" "$here/init.c" 2>>"$log" || { tail -20 "$log" >&2; die "init.c does not compile"; }
"${cross}readelf" -h "$work/init" | grep -q 'Flags:.*RVC, soft-float ABI' ||
	die "init is not an RVC soft-float ELF: $("${cross}readelf" -h "$work/init" | grep Flags)"
# The initramfs records a file's modification time (gen_init_cpio), and
# the kernel parses it: the build's own time would change the Image's
# bytes and the boot's instruction count from build to build.
touch -d "$KBUILD_BUILD_TIMESTAMP" "$work/init"

phase init

# 4. The kernel.
mk Image
phase Image

mkdir -p "$out.tmp"
cp "$work/obj/arch/riscv/boot/Image" "$work/obj/vmlinux" "$work/obj/System.map" "$work/init" "$log" "$out.tmp/"
cp "$work/obj/.config" "$out.tmp/config"
rm -rf "$out"
mv "$out.tmp" "$out"
[ "${VCHECK_LINUX_KEEP-}" = 1 ] || rm -rf "$work"
echo "corpus/linux/build.sh: built $out/Image ($(stat -c %s "$out/Image") bytes) in $((SECONDS - start)) s:$times" >&2
echo "$out"
