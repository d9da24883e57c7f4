#!/usr/bin/env bash
# Coverage-guided fuzzing of WgSharp's parsers with AFL++ and SharpFuzz.
#   tests/Wg.Fuzz/fuzz.sh [-t SECONDS] [-j JOBS] [TARGET...]   fuzz each target SECONDS (default 600), JOBS at once (default 1)
#   tests/Wg.Fuzz/fuzz.sh --smoke [TARGET...]                  replay the seed corpora and saved crashes once (CI)
#   tests/Wg.Fuzz/fuzz.sh --replay TARGET FILE...              run inputs through a target (reproduce a crash)
# Targets: `fuzz.sh --list`. Findings go to $FUZZ_WORK (default /tmp/wgsharp-fuzz)/findings/<target>; new crashing
# inputs are copied to crashes/<target>/ here, to be kept as regression inputs and unit tests.
set -uo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${FUZZ_WORK:-/tmp/wgsharp-fuzz}
seconds=600
jobs=1
mode=fuzz
targets=()
while [[ $# -gt 0 ]]; do
  case $1 in
    -t) seconds=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --smoke) mode=smoke; shift ;;
    --replay) mode=replay; shift ;;
    --list) mode=list; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done

plain=$work/plain
dotnet build "$here/Wg.Fuzz.csproj" -c Release --nologo -v quiet -o "$plain" >"$work.build.log" 2>&1 \
  || { mkdir -p "$work"; cat "$work.build.log"; echo "building the fuzz targets failed" >&2; exit 1; }
run() { dotnet "$plain/Wg.Fuzz.dll" "$@"; }

case $mode in
  list) run list; exit ;;
  replay) run "${targets[@]}"; exit ;;
esac
[[ ${#targets[@]} -gt 0 ]] || mapfile -t targets < <(run list)

if [[ $mode == smoke ]]; then
  status=0
  for t in "${targets[@]}"; do
    inputs=("$here/corpus/$t")
    [[ -d $here/crashes/$t ]] && inputs+=("$here/crashes/$t")
    printf '%-10s ' "$t"
    run "$t" "${inputs[@]}" | tail -n 20 || status=1
  done
  exit $status
fi

# Fuzzing: AFL++ (Debian's afl++) drives SharpFuzz's in-process loop over instrumented copies of our assemblies.
command -v afl-fuzz >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null; } \
  || { echo "afl-fuzz is missing and afl++ could not be installed" >&2; exit 1; }
tools=$work/tools
[[ -x $tools/sharpfuzz ]] || dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null \
  || { echo "could not install the sharpfuzz tool" >&2; exit 1; }
instrumented=$work/instrumented
rm -rf "$instrumented" && cp -r "$plain" "$instrumented"
for assembly in Wg.Noise Wg.Tun Wg.Router wgsharp; do
  "$tools/sharpfuzz" "$instrumented/$assembly.dll" >/dev/null || { echo "instrumenting $assembly failed" >&2; exit 1; }
done

export AFL_AUTORESUME=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
fuzz_one() {
  local t=$1 out=$work/findings/$1
  mkdir -p "$out"
  # -i -: resume when earlier findings exist, so the corpus grows across runs.
  local input=$here/corpus/$t
  [[ -f $out/default/fuzzer_stats ]] && input=-
  # A start can fail under heavy load ("no instrumentation detected" in the dry run); try once more.
  local attempt
  for attempt in 1 2; do
    timeout $((seconds + 120)) afl-fuzz -i "$input" -o "$out" -V "$seconds" -t 5000 -m none \
      -- dotnet "$instrumented/Wg.Fuzz.dll" "$t" >"$out.log" 2>&1
    [[ -f $out/default/fuzzer_stats ]] && break
  done
  local stats=$out/default/fuzzer_stats
  if [[ -f $stats ]]; then
    awk -F' *: *' -v t="$t" '
      $1=="execs_done"{e=$2} $1=="execs_per_sec"{s=$2} $1=="run_time"{r=$2} $1=="corpus_count"{c=$2}
      $1=="saved_crashes"{x=$2} $1=="saved_hangs"{h=$2} $1=="bitmap_cvg"{b=$2} $1=="edges_found"{g=$2} $1=="total_edges"{te=$2}
      END{printf "%-10s %6ss %10s execs %8s/s  corpus %5s  edges %6s/%s (%s)  crashes %s  hangs %s\n", t, r, e, s, c, g, te, b, x, h}' "$stats"
  else
    echo "$t: afl-fuzz did not start; see $out.log" >&2
    tail -n 20 "$out.log" >&2
  fi
  if compgen -G "$out/default/crashes/id:*" >/dev/null; then
    mkdir -p "$here/crashes/$t"
    for f in "$out"/default/crashes/id:*; do cp "$f" "$here/crashes/$t/$(sha1sum "$f" | cut -c1-16)"; done
    echo "$t: crashing inputs copied to $here/crashes/$t" >&2
  fi
}

running=0
for t in "${targets[@]}"; do
  fuzz_one "$t" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then wait -n; running=$((running - 1)); fi
done
wait
