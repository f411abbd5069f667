#!/usr/bin/env bash
# The Debian package, end to end (issue 11): build it (or take $TEND_DEB),
# lintian with no errors, install it with apt into a clean debootstrap root,
# run the installed tend and tend-agent, ping a lab host from the installed
# tend when `tend lab` and `tend run` exist, purge it, and find none of its
# files left. Exits 77 (ctest: skipped) when not root.
#
# TEND_DEB=path.deb            test this package instead of building one
# TEND_PACKAGE_TEST_CACHE=dir  where the pristine bookworm minbase tarball is kept
# TEND_DEBIAN_MIRROR=url       debootstrap mirror (default: the one the package's `tend lab
#                              mirror` reads from this machine's apt sources)
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${TEND_PACKAGE_TEST_CACHE:-/var/cache/tend/package-test}
lab_name=pkgtest

Log() { echo "package_test: $*" >&2; }
Fail() { Log "FAIL: $*"; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
  Log "SKIP: needs root (debootstrap, chroot, mount)"
  exit 77
fi

work=$(mktemp -d /var/tmp/tend-package-test.XXXXXX)
root=$work/root
lab_up=0

# Mount points under the root, deepest first; the tree is deleted only when
# none is left, so a failed unmount never deletes through into the host.
MountsUnder() { awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r; }
Cleanup() {
  local m
  for m in $(MountsUnder "$root"); do umount "$m" || umount -l "$m" || true; done
  if ((lab_up)); then "$tend_host" lab down --name "$lab_name" >&2 || true; fi
  if [[ -n $(MountsUnder "$root") ]]; then
    Log "still mounted under $root; leaving $work in place"
  else
    rm -rf "$work"
  fi
}
trap Cleanup EXIT
tend_host=true  # the installed tend run from the host side, set once installed

# --- the package ---------------------------------------------------------
deb=${TEND_DEB:-}
if [[ -z $deb ]]; then
  Log "building the package with packaging/build-deb"
  deb=$("$src/packaging/build-deb" | tail -n 1)
fi
[[ -f $deb ]] || Fail "no package at '$deb'"
deb=$(realpath "$deb")
Log "package: $deb"
dpkg-deb --info "$deb" >&2
depends=$(dpkg-deb --field "$deb" Depends)
[[ $depends == *libssh* ]] || Fail "Depends lacks libssh (dpkg-shlibdeps not run?): $depends"
[[ $(dpkg-deb --field "$deb" Section) == admin ]] || Fail "Section is not admin"
[[ -n $(dpkg-deb --field "$deb" Maintainer) ]] || Fail "no Maintainer"

Log "lintian"
if ! lintian --fail-on error --display-level '>=info' "$deb" >"$work/lintian.txt" 2>&1; then
  cat "$work/lintian.txt" >&2
  Fail "lintian reports errors"
fi
cat "$work/lintian.txt" >&2

# --- a clean root --------------------------------------------------------
tarball=$cache/bookworm-minbase.tar
if [[ ! -f $tarball ]]; then
  Log "debootstrap --variant=minbase bookworm (cached in $tarball afterwards)"
  mkdir -p "$cache" "$work/boot"
  mirror=${TEND_DEBIAN_MIRROR:-}
  if [[ -z $mirror ]]; then
    dpkg-deb -x "$deb" "$work/unpacked"
    mirror=$("$work/unpacked/usr/bin/tend" lab mirror) || Fail "no Debian mirror (set TEND_DEBIAN_MIRROR)"
  fi
  debootstrap --variant=minbase bookworm "$work/boot" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; Fail "debootstrap failed"; }
  tar -C "$work/boot" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf "$work/boot"
fi
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
InRoot() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

# --- install -------------------------------------------------------------
cp "$deb" "$root/tmp/"
Log "apt-get install ./$(basename "$deb")"
InRoot apt-get update -q >&2
InRoot sh -c "cd /tmp && apt-get install -y -q --no-install-recommends ./$(basename "$deb")" >&2 ||
  Fail "apt-get install failed"
rm "$root/tmp/$(basename "$deb")"
mapfile -t files < <(InRoot dpkg -L tend)

version=$(InRoot tend --version) || Fail "installed tend --version failed"
agent_version=$(InRoot /usr/lib/tend/tend-agent --version) || Fail "installed tend-agent --version failed"
Log "installed: $version / $agent_version"
deb_version=$(dpkg-deb --field "$deb" Version)
upstream=${deb_version%%[~+]*}
[[ $version == "tend $upstream ("*")" ]] || Fail "tend --version '$version' does not report $upstream"
[[ $agent_version == "tend-agent $upstream ("*")" ]] || Fail "tend-agent --version '$agent_version'"
if [[ $deb_version == *.g* ]]; then  # development build: the same git revision
  hash=${deb_version##*.g}; hash=${hash%.dirty}
  [[ $version == *"($hash"* ]] || Fail "tend --version '$version' is not revision $hash"
fi

# Every file the issue asks for, and a man page for each subcommand the
# installed tend lists.
expected=(/usr/bin/tend /usr/lib/tend/tend-agent /usr/share/man/man1/tend.1.gz
  /usr/share/bash-completion/completions/tend /usr/share/doc/tend/README.md
  /usr/share/doc/tend/copyright /usr/share/doc/tend/changelog.gz
  /usr/share/doc/tend/examples/playbooks/site.yml)
source "$src/packaging/help-parse.sh"
while IFS=$'\t' read -r sub _; do
  expected+=("/usr/share/man/man1/tend-$sub.1.gz")
done < <(InRoot tend --help | HelpSubcommands)
for f in "${expected[@]}"; do
  printf "%s\n" "${files[@]}" | grep -xF -- "$f" >/dev/null || Fail "package lacks $f"
  [[ -e $root$f ]] || Fail "$f is not installed"
done
Log "installed ${#files[@]} paths, including ${#expected[@]} checked ones"

# --- ping a lab host from the installed tend -------------------------------
# lab up runs from the host side (it needs systemd-nspawn); the ping runs
# inside the root, which shares the host's loopback, with the lab's state
# directory (keys, known_hosts, inventory) bound read-only at the same path.
tend_host=$root/usr/bin/tend
LabPing() {
  # Whole help texts first: grep -q closing a pipe early would fail the pipeline.
  local lab_help run_help
  lab_help=$("$tend_host" lab --help | HelpSubcommands)
  run_help=$(InRoot tend run --help | HelpOptions)
  if ! grep -q '^up'$'\t' <<<"$lab_help"; then
    Log "SKIP lab ping: the installed tend has no 'tend lab up' yet"; return
  fi
  if ! grep -q '^-m'$'\t''1' <<<"$run_help"; then
    Log "SKIP lab ping: the installed tend has no 'tend run -m' yet"; return
  fi
  Log "tend lab up --name $lab_name -n 1"
  lab_up=1
  "$tend_host" lab up --name "$lab_name" -n 1 >&2 || Fail "tend lab up failed"
  local inventory state
  inventory=$("$tend_host" lab inventory --name "$lab_name" --path) || Fail "no lab inventory"
  state=${TEND_LAB_DIR:-/var/lib/tend/lab}
  mkdir -p "$root$state"
  mount --bind "$state" "$root$state"
  mount -o remount,bind,ro "$root$state"
  Log "tend run all -i $inventory -m ping (installed binary, inside the root)"
  InRoot tend run all -i "$inventory" -m ping >&2 || Fail "ad-hoc ping from the installed tend failed"
  umount "$root$state"
  rmdir -p --ignore-fail-on-non-empty "$root$state" 2>/dev/null || true
  "$tend_host" lab down --name "$lab_name" >&2 && lab_up=0
}
LabPing

# --- purge ---------------------------------------------------------------
Log "apt-get remove --purge tend"
InRoot apt-get remove --purge -y -q tend >&2 || Fail "apt-get remove --purge failed"
if InRoot dpkg-query -W -f='${Status}\n' tend 2>/dev/null | grep -q .; then
  Fail "dpkg still knows tend: $(InRoot dpkg-query -W -f='${Status}' tend)"
fi
left=()
for f in "${files[@]}"; do
  [[ $f == /. ]] && continue
  if [[ -L $root$f || -f $root$f ]]; then
    left+=("$f")
  elif [[ -d $root$f ]] && ! InRoot dpkg-query -S "$f" >/dev/null 2>&1; then
    left+=("$f/")  # a directory of ours that no other package owns
  fi
done
((${#left[@]} == 0)) || Fail "left behind after purge: ${left[*]}"
Log "PASS: installed, ran '$version', purged with nothing left"
