#!/usr/bin/env bash
# Builds the release artifacts into dist/:
#   wgsharp-<version>-linux-x64.tar.gz    NativeAOT executable (no .NET needed on the host), bundled
#                                         libsodium, systemd unit, init script, man page, completion
#   wgsharp_<version>_amd64.deb           the same laid out by Debian conventions, built with dpkg-deb
#   wgsharp-<version>-linux-arm64.tar.gz  self-contained single file (NativeAOT needs an arm64 linker
#                                         and sysroot to cross-compile; the JIT runtime does not)
# Needs the .NET 10 SDK, a C toolchain (gcc or clang: NativeAOT's linker), dpkg-deb and fakeroot-free
# `dpkg-deb --root-owner-group`. Runs lintian on the .deb when it is installed.
#   wgsharp-<version>-linux-x64-glibc2.27.tar.gz  the same program as a self-contained single file
#                                         (JIT) for hosts whose glibc is older than the native build's
# Usage: ./release.sh [--no-arm64]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
cd "$root"

arm64=1
[[ ${1:-} == --no-arm64 ]] && arm64=0

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/Wg.Cli/Wg.Cli.csproj)
[[ -n $version ]] || { echo "release.sh: no <Version> in src/Wg.Cli/Wg.Cli.csproj" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "release.sh: the .NET 10 SDK (dotnet) is needed" >&2; exit 1; }
if ! command -v gcc >/dev/null && ! command -v clang >/dev/null; then
  echo "release.sh: NativeAOT links with gcc or clang; install one (apt-get install gcc)" >&2
  exit 1
fi

# Debian's convention for who built the package: DEBFULLNAME <DEBEMAIL>.
maintainer="${DEBFULLNAME:-WgSharp developers} <${DEBEMAIL:-wgsharp@example.org}>"
build=$root/.build/release
work=$build/stage
dist=$root/dist
rm -rf "$work"
mkdir -p "$work" "$dist"
# Separate obj/bin trees (kept between runs): a release build never disturbs the one ./wgsharp and
# the tests use.
artifacts=$build/artifacts

publish() { # <rid> <output> <extra properties...>
  local rid=$1 out=$2
  shift 2
  echo "release.sh: publishing $rid..." >&2
  dotnet publish src/Wg.Cli/Wg.Cli.csproj -c Release -r "$rid" --self-contained -o "$out" \
    --artifacts-path "$artifacts" --nologo -v quiet "$@" >&2
}

sodium() { # <rid>: the libsodium the package ships for that runtime
  local found
  found=$(find "${NUGET_PACKAGES:-$HOME/.nuget/packages}/libsodium" -path "*/runtimes/$1/native/libsodium.so" | sort | tail -1)
  [[ -n $found ]] || { echo "release.sh: libsodium for $1 not found in the NuGet cache" >&2; exit 1; }
  echo "$found"
}

# The files every layout shares: man page from the program's own help text, completion, units.
stage_common() { # <dir> <executable that can run here>
  local dir=$1 exe=$2
  install -d "$dir/systemd" "$dir/init.d" "$dir/completion"
  packaging/make-manpage.sh "$exe" "$version" > "$dir/wgsharp.8"
  install -m 644 packaging/systemd/wgsharp@.service "$dir/systemd/"
  install -m 755 packaging/init.d/wgsharp "$dir/init.d/"
  install -m 644 packaging/default.wgsharp "$dir/init.d/wgsharp.default"
  install -m 644 packaging/wgsharp.bash-completion "$dir/completion/wgsharp"
  install -m 755 packaging/install.sh "$dir/install.sh"
  install -m 644 README.md "$dir/README.md"
  # The repository's licence, once it has one; libsodium's (ISC) travels with its copy.
  [[ -f LICENSE ]] && install -m 644 LICENSE "$dir/LICENSE"
  install -m 644 "$(dirname "$(dirname "$(dirname "$(dirname "$(sodium linux-x64)")")")")/LICENSE" "$dir/LICENSE.libsodium"
}

tarball() { # <rid> <staged dir name>
  tar -C "$work" --owner=0 --group=0 --numeric-owner --sort=name -czf "$dist/$2.tar.gz" "$2"
  echo "$dist/$2.tar.gz"
}

# --- linux-x64, NativeAOT --------------------------------------------------------------------
x64=$work/wgsharp-$version-linux-x64
publish linux-x64 "$build/publish-x64" -p:PublishAot=true
install -d "$x64"
install -m 755 "$build/publish-x64/wgsharp" "$x64/wgsharp"
install -m 644 "$(sodium linux-x64)" "$x64/libsodium.so"
strip --strip-unneeded "$x64/libsodium.so" 2>/dev/null || true
stage_common "$x64" "$x64/wgsharp"
tarball linux-x64 "$(basename "$x64")"

# --- .deb -----------------------------------------------------------------------------------
deb=$work/deb
install -d "$deb/DEBIAN" "$deb/usr/bin" "$deb/usr/lib/wgsharp" "$deb/lib/systemd/system" \
  "$deb/usr/share/man/man8" "$deb/usr/share/bash-completion/completions" "$deb/usr/share/doc/wgsharp" \
  "$deb/usr/lib/sysusers.d"
install -m 755 "$x64/wgsharp" "$deb/usr/bin/wgsharp"
install -m 644 "$x64/libsodium.so" "$deb/usr/lib/wgsharp/libsodium.so"
strip --remove-section=.comment "$deb/usr/bin/wgsharp" "$deb/usr/lib/wgsharp/libsodium.so"
install -m 644 "$x64/systemd/wgsharp@.service" "$deb/lib/systemd/system/"
gzip -9n < "$x64/wgsharp.8" > "$deb/usr/share/man/man8/wgsharp.8.gz"
install -m 644 "$x64/completion/wgsharp" "$deb/usr/share/bash-completion/completions/wgsharp"
install -m 644 packaging/debian/sysusers.conf "$deb/usr/lib/sysusers.d/wgsharp.conf"
packaging/debian/copyright.sh "$x64" > "$deb/usr/share/doc/wgsharp/copyright"
# A native package (no Debian revision): its changelog is changelog.gz.
MAINTAINER=$maintainer packaging/debian/changelog.sh "$version" | gzip -9n > "$deb/usr/share/doc/wgsharp/changelog.gz"
chmod 644 "$deb/usr/share/doc/wgsharp/copyright" "$deb/usr/share/doc/wgsharp/changelog.gz" "$deb/usr/share/man/man8/wgsharp.8.gz"
for script in postinst postrm; do install -m 755 "packaging/debian/$script" "$deb/DEBIAN/$script"; done
# The glibc the executable needs is its only dependency (libsodium is bundled); measured, not assumed.
glibc=$(objdump -T "$deb/usr/bin/wgsharp" "$deb/usr/lib/wgsharp/libsodium.so" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
size=$(du -sk --exclude=DEBIAN "$deb" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@MAINTAINER@/$maintainer/" -e "s/@GLIBC@/$glibc/" -e "s/@SIZE@/$size/" packaging/debian/control > "$deb/DEBIAN/control"
(cd "$deb" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum > DEBIAN/md5sums)
chmod 644 "$deb/DEBIAN/control" "$deb/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$deb" "$dist/wgsharp_${version}_amd64.deb" >&2
echo "$dist/wgsharp_${version}_amd64.deb"
if command -v lintian >/dev/null; then
  lintian --fail-on error "$dist/wgsharp_${version}_amd64.deb" >&2 || { echo "release.sh: lintian found errors" >&2; exit 1; }
fi

# --- self-contained single files: linux-arm64, and linux-x64 for glibc older than the native build's ---
# NativeAOT links against this machine's glibc (its floor is printed below); .NET's own runtime is
# built for glibc 2.27, so the JIT single file runs on Debian 10/11 and Ubuntu 18.04/20.04 too.
single_file() { # <rid> <folder name> <sodium rid>
  local rid=$1 dir=$work/$2 out=$build/publish-$2
  publish "$rid" "$out" -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:DebugType=none
  install -d "$dir"
  install -m 755 "$out/wgsharp" "$dir/wgsharp"
  # Native parts of the runtime that a single file cannot hold, if any, sit next to it.
  for lib in "$out/"*.so; do
    [[ -e $lib ]] && install -m 644 "$lib" "$dir/"
  done
  install -m 644 "$(sodium "$3")" "$dir/libsodium.so"
  # The man page comes from the native build's help text: the same program.
  stage_common "$dir" "$x64/wgsharp"
  tarball "$rid" "$2"
}

single_file linux-x64 "wgsharp-$version-linux-x64-glibc2.27" linux-x64
if [[ $arm64 -eq 1 ]]; then
  single_file linux-arm64 "wgsharp-$version-linux-arm64" linux-arm64
fi

floor() { objdump -T "$@" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -1; }
echo "release.sh: glibc floor: native $(floor "$x64/wgsharp" "$x64/libsodium.so"), single file $(floor "$work/wgsharp-$version-linux-x64-glibc2.27/wgsharp" "$work/wgsharp-$version-linux-x64-glibc2.27/"*.so)" >&2
