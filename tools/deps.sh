#!/bin/sh
# tools/deps.sh - installs, from Debian's packages, what a make target needs
# and this machine lacks. Usage: tools/deps.sh GROUP... where a group is
# build, test, bench, cross, docs, install. Needs root (or sudo) only when
# something is missing.
set -eu

pkgs_build="gcc make libc6-dev pkg-config libpcre2-dev liburing-dev libexpat1-dev libmsgpack-dev libzmq3-dev"
pkgs_test="clang libclang-rt-dev libcriterion-dev valgrind python3 gdb cmake pandoc man-db"
pkgs_bench="gnuplot-nox libboost-context-dev libboost-coroutine-dev libboost-dev g++ libpcl1-dev libpth-dev lua5.4 liblua5.4-dev luajit golang-go python3 valgrind"
pkgs_cross="gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu libc6-dev-arm64-cross libc6-dev-riscv64-cross qemu-user"
pkgs_docs="graphviz pandoc"
pkgs_install="pandoc"

missing=""
for group in "$@"; do
    eval "list=\$pkgs_$group"
    for p in $list; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
        esac
    done
done
[ -z "$missing" ] && exit 0

echo "tools/deps.sh: installing$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Other builds may be installing at the same time: wait for dpkg's lock.
LOCK="-o DPkg::Lock::Timeout=600"
# shellcheck disable=SC2086
$SUDO apt-get $LOCK update -qq >/dev/null || $SUDO apt-get $LOCK update
# shellcheck disable=SC2086
$SUDO apt-get $LOCK install -y -qq --no-install-recommends $missing >/dev/null ||
    $SUDO apt-get $LOCK install -y --no-install-recommends $missing
