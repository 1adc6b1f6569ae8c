#!/usr/bin/env bash
# Build the Linux guest payload (kernel Image + busybox initramfs) from Debian
# arm64 packages.  Usage: guests/linux/build.sh [--build DIR]
#
# Downloads and extracted packages are cached under DIR/cache/linux/, keyed by
# package name and version; outputs go to DIR/guests/linux/.  A warm run does
# not touch apt at all.
set -euo pipefail

# Pinned packages (bookworm-security / bookworm, as served when pinned).
# If a pinned version is no longer downloadable, the script falls back to the
# current candidate (for the kernel: the current dependency of the
# linux-image-cloud-arm64 metapackage) and prints a warning.
LINUX_PKG=linux-image-6.1.0-56-cloud-arm64
LINUX_VER=6.1.192-2
LINUX_META=linux-image-cloud-arm64
BUSYBOX_PKG=busybox-static
BUSYBOX_VER=1:1.35.0-4+deb12u1+b1
# cyclictest (rt-tests) is dynamically linked: the arm64 C library and
# libnuma it loads come from their own packages.
RTTESTS_PKG=rt-tests
RTTESTS_VER=2.4-1
LIBC_PKG=libc6
LIBC_VER=2.36-9+deb12u14
LIBNUMA_PKG=libnuma1
LIBNUMA_VER=2.0.16-1

# Virtio drivers wanted in the initramfs; their dependencies are added.
WANT_MODULES="virtio virtio_ring virtio_mmio virtio_blk virtio_net virtio_console"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD="$REPO/build"

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	--build=*) BUILD=${1#*=}; shift ;;
	-h | --help) sed -n '2,7p' "$0"; exit 0 ;;
	*) echo "linux: unknown argument: $1" >&2; exit 2 ;;
	esac
done
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
CACHE="$BUILD/cache/linux"
OUT="$BUILD/guests/linux"
mkdir -p "$CACHE" "$OUT"

log() { echo "linux: $*"; }
warn() { echo "linux: WARNING: $*" >&2; }
die() { echo "linux: ERROR: $*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi

# ---- apt helpers (only used on a cold cache) ---------------------------------

APT_READY=0
apt_ready() {
	[ "$APT_READY" = 1 ] && return 0
	local archs policy
	archs=$(dpkg --print-foreign-architectures)
	if ! grep -qx arm64 <<<"$archs"; then
		log "adding dpkg architecture arm64"
		$SUDO dpkg --add-architecture arm64
	fi
	policy=$(apt-cache policy busybox-static:arm64 2>/dev/null || true)
	if ! grep -q 'Candidate: [^(]' <<<"$policy"; then
		log "apt-get update (no arm64 package lists yet)"
		$SUDO apt-get update -qq
	fi
	APT_READY=1
}

need_tool() { # need_tool COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	log "installing $2 (for $1)"
	if ! $SUDO apt-get install -y -qq "$2" >/dev/null; then
		$SUDO apt-get update -qq
		$SUDO apt-get install -y -qq "$2" >/dev/null
	fi
	command -v "$1" >/dev/null 2>&1 || die "$1 still missing after installing $2"
}

downloadable() { # downloadable PKG VER -> 0 if apt knows PKG:arm64 at VER
	local vers
	vers=$(apt-cache madison "$1:arm64" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}')
	grep -qxF "$2" <<<"$vers"
}

candidate() { # candidate PKG -> candidate version of PKG:arm64
	apt-cache policy "$1:arm64" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)' | head -n1
}

key() { echo "${1}_${2//:/%3a}"; } # cache key for PKG VER

# fetch VAR_PKG VAR_VER -> downloads + extracts into $CACHE/<key>/root, sets
# FETCHED_DIR.  A fallback resolution is remembered in $CACHE/<pinned key>.resolved
# so that warm runs never query apt.
fetch() {
	local pkg=$1 ver=$2 pinkey res dir deb
	pinkey=$(key "$pkg" "$ver")
	res="$CACHE/$pinkey.resolved"
	if [ ! -f "$CACHE/$pinkey/.done" ] && [ -f "$res" ]; then
		read -r pkg ver <"$res"
		warn "using fallback $pkg=$ver recorded in $res (pinned version not downloadable)"
	fi
	dir="$CACHE/$(key "$pkg" "$ver")"
	if [ -f "$dir/.done" ]; then
		log "cached $pkg=$ver"
		FETCHED_DIR=$dir FETCHED_PKG=$pkg FETCHED_VER=$ver
		return 0
	fi
	apt_ready
	if ! downloadable "$pkg" "$ver"; then
		local newpkg newver dep
		if [ "$pkg" = "$LINUX_PKG" ]; then
			local meta
			meta=$(candidate "$LINUX_META")
			[ -n "$meta" ] || die "no candidate for $LINUX_META:arm64"
			dep=$(apt-cache show "$LINUX_META:arm64=$meta" | sed -n 's/^Depends: //p' | head -n1 |
				tr ',' '\n' | grep -o 'linux-image-[^ ]*-cloud-arm64 (= [^)]*)' | head -n1)
			newpkg=${dep%% *}
			newver=${dep#*= }
			newver=${newver%)}
		else
			newpkg=$pkg
			newver=$(candidate "$pkg")
		fi
		if [ -z "$newpkg" ] || [ -z "$newver" ]; then
			die "$pkg=$ver not downloadable and no fallback found"
		fi
		warn "pinned $pkg=$ver is not downloadable; falling back to $newpkg=$newver (update the pin in $0)"
		pkg=$newpkg ver=$newver
		echo "$pkg $ver" >"$res"
		dir="$CACHE/$(key "$pkg" "$ver")"
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	log "downloading $pkg:arm64=$ver"
	(cd "$dir" && apt-get download -qq -o APT::Sandbox::User=root "$pkg:arm64=$ver")
	deb=$(ls "$dir"/*.deb)
	log "extracting $(basename "$deb")"
	dpkg-deb -x "$deb" "$dir/root"
	touch "$dir/.done"
	FETCHED_DIR=$dir FETCHED_PKG=$pkg FETCHED_VER=$ver
}

# ---- packages ------------------------------------------------------------------

# fetch_as DIRVAR PKGVAR PKG VER: fetch, then DIRVAR = the extracted tree and
# PKGVAR = "package=version" as resolved (for messages and /etc/shoji-guest).
fetch_as() {
	fetch "$3" "$4"
	printf -v "$1" '%s' "$FETCHED_DIR/root"
	printf -v "$2" '%s' "$FETCHED_PKG=$FETCHED_VER"
}
fetch_as KDIR KPKG "$LINUX_PKG" "$LINUX_VER"
fetch_as BBDIR BBPKG "$BUSYBOX_PKG" "$BUSYBOX_VER"
fetch_as RTDIR RTPKG "$RTTESTS_PKG" "$RTTESTS_VER"
fetch_as LIBCDIR LIBCPKG "$LIBC_PKG" "$LIBC_VER"
fetch_as NUMADIR NUMAPKG "$LIBNUMA_PKG" "$LIBNUMA_VER"

# ---- kernel Image --------------------------------------------------------------

VMLINUZ=$(find "$KDIR/boot" -name 'vmlinuz-*' | head -n1)
[ -n "$VMLINUZ" ] || die "no /boot/vmlinuz-* in $KPKG"
KREL=${VMLINUZ##*/vmlinuz-}
KCONFIG="$KDIR/boot/config-$KREL"
MODDIR="$KDIR/lib/modules/$KREL"
[ -d "$MODDIR" ] || die "no $MODDIR in $KPKG"

# Debian's arm64 vmlinuz may be gzip-compressed or already a raw Image.
if [ "$(head -c2 "$VMLINUZ" | od -An -tx1 | tr -d ' ')" = "1f8b" ]; then
	log "decompressing gzip vmlinuz-$KREL to Image"
	gzip -dc "$VMLINUZ" >"$OUT/Image.tmp"
else
	log "vmlinuz-$KREL is not gzip-compressed; copying it as Image"
	cp "$VMLINUZ" "$OUT/Image.tmp"
fi
magic=$(dd if="$OUT/Image.tmp" bs=1 skip=56 count=4 2>/dev/null | od -An -tx1 | tr -d ' ')
[ "$magic" = "41524d64" ] || die "Image has no arm64 magic ARM\\x64 at 0x38 (got $magic)"
if cmp -s "$OUT/Image.tmp" "$OUT/Image"; then rm -f "$OUT/Image.tmp"; else mv "$OUT/Image.tmp" "$OUT/Image"; fi
log "Image: $KREL, $(stat -c %s "$OUT/Image") bytes"

# ---- initramfs -----------------------------------------------------------------

need_tool cpio cpio
ROOT="$OUT/initramfs.root"
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,dev,proc,sys,tmp,root,etc,usr,tests,lib/modules}
ln -s bin "$ROOT/sbin"
ln -s ../bin "$ROOT/usr/bin"
ln -s ../bin "$ROOT/usr/sbin"

# busybox and its applet links.  The arm64 binary cannot run here, so the applet
# list is read from its name table ("[\0[[\0acpid\0...", ending with "\0\0").
cp "$BBDIR/bin/busybox" "$ROOT/bin/busybox"
off=$(LC_ALL=C grep -obUaP '\[\x00\[\[\x00' "$ROOT/bin/busybox" | head -n1 | cut -d: -f1)
[ -n "$off" ] || die "busybox applet table not found"
napplets=0
while IFS= read -r a; do
	[ -n "$a" ] || break
	case "$a" in */* | .*) die "odd applet name '$a'" ;; esac
	[ "$a" = busybox ] || ln -sf busybox "$ROOT/bin/$a"
	napplets=$((napplets + 1))
done < <(tail -c +$((off + 1)) "$ROOT/bin/busybox" | head -c 16384 | tr '\0' '\n')
for a in sh mount modprobe poweroff reboot nproc taskset uname; do
	[ -L "$ROOT/bin/$a" ] || die "busybox lacks applet $a"
done
log "busybox: $BBPKG, $napplets applets"

# cyclictest and, found by following DT_NEEDED entries, the shared libraries
# it loads, in the multiarch directory the arm64 loader searches by default;
# the loader itself also at the path the binary names as its interpreter.
need_tool readelf binutils
LIBDIRS=("$LIBCDIR/lib/aarch64-linux-gnu" "$NUMADIR/usr/lib/aarch64-linux-gnu")
GUESTLIB=lib/aarch64-linux-gnu
mkdir -p "$ROOT/$GUESTLIB"
install -m 0755 "$RTDIR/usr/bin/cyclictest" "$ROOT/bin/cyclictest"
declare -A LIBSEEN=()
add_libs() { # add_libs ELF: copies the libraries ELF needs, depth first
	local so d found
	for so in $(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		[ -n "${LIBSEEN[$so]:-}" ] && continue
		LIBSEEN[$so]=1
		found=""
		for d in "${LIBDIRS[@]}"; do
			if [ -e "$d/$so" ]; then
				found="$d/$so"
				break
			fi
		done
		[ -n "$found" ] || die "library $so (needed by ${1##*/}) not in $LIBCPKG or $NUMAPKG"
		cp -L "$found" "$ROOT/$GUESTLIB/$so"
		add_libs "$found"
	done
}
add_libs "$ROOT/bin/cyclictest"
interp=$(readelf -l "$ROOT/bin/cyclictest" | sed -n 's/.*program interpreter: \(.*\)\]$/\1/p')
if [ -z "$interp" ] || [ ! -f "$ROOT/$GUESTLIB/${interp##*/}" ]; then
	die "cyclictest's interpreter '$interp' is not among its libraries"
fi
[ -e "$ROOT$interp" ] || ln -sr "$ROOT/$GUESTLIB/${interp##*/}" "$ROOT$interp"
log "cyclictest: $RTPKG, interpreter $interp, libraries: ${!LIBSEEN[*]}"

# kernel modules: the wanted ones plus their dependencies (from .modinfo
# "depends="), unless built into the kernel.
declare -A MODPATH=() MODDEPS=() SEEN=()
while IFS= read -r f; do
	n=${f##*/}
	n=${n%.ko}
	MODPATH[${n//-/_}]=${f#"$MODDIR"/}
done < <(find "$MODDIR/kernel" -name '*.ko')
ORDER=()
add_module() { # depth-first: dependencies before the module itself
	local m=${1//-/_} d deps
	[ -n "${SEEN[$m]:-}" ] && return 0
	SEEN[$m]=1
	if [ -z "${MODPATH[$m]:-}" ]; then
		if grep -q "/$m.ko\$" "$MODDIR/modules.builtin"; then
			log "module $m: built into the kernel"
			return 0
		fi
		die "module $m not found in $KPKG"
	fi
	deps=$(LC_ALL=C grep -aoP '(?<=\x00|^)depends=[^\x00]*' "$MODDIR/${MODPATH[$m]}" | head -n1)
	deps=${deps#depends=}
	MODDEPS[$m]=${deps//,/ }
	for d in ${MODDEPS[$m]}; do add_module "$d"; done
	ORDER+=("$m")
}
for m in $WANT_MODULES; do add_module "$m"; done
KMOD="$ROOT/lib/modules/$KREL"
mkdir -p "$KMOD"
cp "$MODDIR/modules.builtin" "$KMOD/"
: >"$KMOD/modules.dep"
# modules.dep in kmod's format: "path: deps", dependencies listed so that the
# last one is loaded first (reverse of the load order).
closure() { # closure M -> load order of M's dependencies, deepest first
	local m=$1 d out=""
	for d in ${MODDEPS[$m]:-}; do
		[ -n "${MODPATH[$d]:-}" ] || continue
		for x in $(closure "$d") "$d"; do
			case " $out " in *" $x "*) ;; *) out="$out $x" ;; esac
		done
	done
	echo "$out"
}
for m in "${ORDER[@]}"; do
	mkdir -p "$KMOD/$(dirname "${MODPATH[$m]}")"
	cp "$MODDIR/${MODPATH[$m]}" "$KMOD/${MODPATH[$m]}"
	line="${MODPATH[$m]}:"
	read -r -a load <<<"$(closure "$m")"
	for ((i = ${#load[@]} - 1; i >= 0; i--)); do line="$line ${MODPATH[${load[$i]}]}"; done
	echo "$line" >>"$KMOD/modules.dep"
	log "module $m: ${MODPATH[$m]}${MODDEPS[$m]:+ (depends: ${MODDEPS[$m]})}"
done
printf '%s\n' "${ORDER[@]}" >"$ROOT/etc/modules"
# How the kernel config builds the virtio pieces (y = built in, m = module).
grep -E '^(# )?CONFIG_(VIRTIO[A-Z_]*|NET_FAILOVER|FAILOVER)[ =]' "$KCONFIG" >"$OUT/virtio-config.txt" || true
log "kernel config: $(grep -E '^CONFIG_VIRTIO(_MMIO|_BLK|_NET|_CONSOLE)?=' "$KCONFIG" | tr '\n' ' ')"

# /init, tests, and a record of what was built
install -m 0755 "$HERE/init" "$ROOT/init"
for t in "$HERE"/tests/*.sh; do install -m 0755 "$t" "$ROOT/tests/"; done
{
	echo "kernel=$KPKG"
	echo "busybox=$BBPKG"
	echo "rt-tests=$RTPKG"
	echo "libc=$LIBCPKG"
	echo "libnuma=$NUMAPKG"
	echo "release=$KREL"
} >"$ROOT/etc/shoji-guest"

# Reproducible archive: fixed mtimes, sorted names, owner root, gzip -n.
find "$ROOT" -exec touch -h -d @0 {} +
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n >"$OUT/initramfs.cpio.gz.tmp"
if cmp -s "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"; then
	rm -f "$OUT/initramfs.cpio.gz.tmp"
else
	mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
fi
log "initramfs.cpio.gz: $(stat -c %s "$OUT/initramfs.cpio.gz") bytes, modules: ${ORDER[*]}"
log "done: $OUT/Image $OUT/initramfs.cpio.gz"
