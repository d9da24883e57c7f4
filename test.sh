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
# What the tests need beyond the reference peers, installed where missing: libsodium23 (the engine's X25519 and
# AEAD), ethtool (the TUN offload test reads the negotiated features with it).
missing=()
ldconfig -p | grep -q 'libsodium\.so\.2' || missing+=(libsodium23)
command -v ethtool >/dev/null || missing+=(ethtool)
if [[ ${#missing[@]} -gt 0 ]]; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || echo "warning: could not install ${missing[*]}" >&2
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

# The fuzz targets' smoke pass: every seed corpus and every saved crashing input replayed through its target
# (seconds in total); each target counts as one test.
echo "== Wg.Fuzz (smoke)"
FUZZ_WORK="$results/fuzz" tests/Wg.Fuzz/fuzz.sh --smoke | tee "$results/fuzz-smoke.txt" || status=1

# A project killed by its timeout or a crashed test host leaves no results file: it counts as failed, so the
# summary can never read "0 failed" over tests that did not run.
read -r passed failed skipped total < <(python3 - "$results" "${projects[@]}" <<'PY'
import os, re, sys, xml.etree.ElementTree as ET
results, projects = sys.argv[1], sys.argv[2:]
p = f = s = t = 0
skipped_names = []
for project in projects:
    name = os.path.basename(project)[:-len(".csproj")]
    path = os.path.join(results, name + ".trx")
    if not os.path.exists(path):
        print(f"{name}: no results (killed by its timeout, or its test host crashed): counted as failed", file=sys.stderr)
        f += 1
        continue
    root = ET.parse(path).getroot()
    c = root.find(".//{*}ResultSummary/{*}Counters")
    if c is None:
        print(f"{name}: results without counters: counted as failed", file=sys.stderr)
        f += 1
        continue
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    t += int(c.get("total", 0))
    for r in root.iter("{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}UnitTestResult"):
        if r.get("outcome") == "NotExecuted":
            s += 1
            skipped_names.append(r.get("testName"))
smoke = os.path.join(results, "fuzz-smoke.txt")
targets = 0
if os.path.exists(smoke):
    for line in open(smoke):
        m = re.search(r"(\d+) inputs, (\d+) failed", line)
        if m:
            targets += 1
            if int(m.group(2)) == 0 and int(m.group(1)) > 0:
                p += 1
            else:
                f += 1
if targets == 0:
    print("Wg.Fuzz smoke pass: no target ran: counted as failed", file=sys.stderr)
    f += 1
t += targets
for n in skipped_names:
    print(f"skipped: {n}", file=sys.stderr)
print(p, f, s, t)
PY
)
if [[ $total -eq 0 ]]; then status=1; failed=$((failed + 1)); fi
[[ $failed -eq 0 ]] || status=1
echo "$skipped skipped"
echo "$passed passed, $failed failed"
exit $status
