#!/usr/bin/env bash
# Runs every WgSharp test, unit and interop, on a fresh machine (needs root for the interop tests):
# installs the reference peers, builds, runs all test projects, and ends with one line
# "N passed, N failed". Exits non-zero if anything failed or nothing ran.
set -uo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
cd "$root"

peers=$root/../shared/tools/install-reference-peers.sh
if [[ -x $peers || -f $peers ]]; then
  bash "$peers" || { echo "reference peers could not be installed"; echo "0 passed, 1 failed"; exit 1; }
else
  echo "warning: $peers not found; interop tests need wg, wireguard-go, wireguard-go-2023, iperf3, ncat" >&2
fi
# libsodium23 is on machines of this kind; install it where it is missing.
if ! ldconfig -p | grep -q 'libsodium\.so\.2'; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsodium23 >/dev/null
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
if ! dotnet build WgSharp.sln -c Release --nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# The interop tests start ./wgsharp many times; build its published form once, up front.
if ! ./wgsharp --version >/dev/null; then
  echo "building ./wgsharp failed"
  echo "0 passed, 1 failed"
  exit 1
fi

status=0
projects=(tests/*/*.Tests.csproj interop-tests/*/*.Tests.csproj)
for project in "${projects[@]}"; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  timeout 3000 dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
done

read -r passed failed total < <(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
p = f = t = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find(".//{*}ResultSummary/{*}Counters")
    if c is not None:
        p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
        t += int(c.get("total", 0))
print(p, f, t)
PY
)
if [[ $total -eq 0 ]]; then status=1; failed=$((failed + 1)); fi
[[ $failed -eq 0 ]] || status=1
echo "$passed passed, $failed failed"
exit $status
