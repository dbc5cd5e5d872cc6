#!/usr/bin/env bash
# Where each operation's CPU goes in the service (issue 22, "profile first"). For each operation the runner starts the
# service alone with perf maps (bench/README.md, "Profiling a target"), warms it up, and while the measured wrk run
# goes, perf samples the server for 12 s; the report is grouped into layers by bench/profile-layers.awk.
#
#   ./bench/profile.sh LABEL [--stores sqlite|postgresql] [--ops get,post,…]   writes bench/results/profile-LABEL.md
#
# The throughput of such runs is not comparable with bench/run.sh's (perf and the perf map cost CPU): only the shares.
set -euo pipefail
cd "$(dirname "$0")/.."
label=${1:?usage: ./bench/profile.sh LABEL [--stores S] [--ops LIST]}; shift
store=sqlite
ops=get,post,patch,list-top50,filter-count,deep-first,batch20
while [ $# -gt 0 ]; do
  case "$1" in
    --stores) store=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; }
[ -f bench/Runner/bin/Release/net10.0/CredentialSummaries.Bench.Runner.dll ] || ./bench/run.sh --help >/dev/null
dotnet build src/CredentialSummaries.Api/CredentialSummaries.Api.csproj -c Release --nologo -v quiet -clp:NoSummary </dev/null
out=bench/results/profile-$label.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo "# Where the service's CPU goes: $label ($(date -u '+%Y-%m-%d %H:%M') UTC, commit $(git rev-parse --short HEAD))"
  echo
  echo "\`./bench/profile.sh $label --stores $store --ops $ops\`: per operation the service alone on $store (the runner's quick data),"
  echo "32 wrk connections, a 20 s warm-up, then perf (999 Hz, 12 s) on the server during the measured run; shares of the"
  echo "server's CPU samples by layer (bench/profile-layers.awk), the largest first, down to 1.5%."
} > "$out"
IFS=, read -r -a list <<< "$ops"
for op in "${list[@]}"; do
  echo "Profiling $op on $store"
  dotnet bench/Runner/bin/Release/net10.0/CredentialSummaries.Bench.Runner.dll --quick --targets service --stores "$store" \
    --ops "$op" --duration 25 --warmup 20 --out "prof-$label-$op" \
    --target-env DOTNET_PerfMapEnabled=1 --target-env DOTNET_EnableWriteXorExecute=0 </dev/null > "$work/runner-$op.log" 2>&1 &
  runner=$!
  # The measured run is the wrk of -d 25s (the warm-up's is -d 20s).
  for _ in $(seq 1 600); do pgrep -f "wrk .*-d 25s" >/dev/null && break; sleep 0.5; done
  sleep 3
  pid=$(pgrep -f "CredentialSummaries.Api.dll" | head -1)
  perf record -F 999 -g -p "$pid" -o "$work/$op.data" -- sleep 12 >/dev/null 2>&1
  wait "$runner" || { echo "the runner failed for $op:"; tail -20 "$work/runner-$op.log"; exit 1; }
  perf report -i "$work/$op.data" --no-children --sort dso,sym --stdio 2>/dev/null > "$work/$op.report"
  awk -f bench/profile-layers.awk "$work/$op.report" | sort -t$'\t' -k2 -nr > "$work/$op.layers"
  {
    echo
    echo "## $op"
    echo
    echo "| layer | share of CPU samples |"
    echo "| --- | ---: |"
    awk -F'\t' '$2 >= 1.5 { printf "| %s | %.1f%% |\n", $1, $2 }' "$work/$op.layers"
    echo
    echo "The 12 hottest frames:"
    echo
    echo "| share | where | frame |"
    echo "| ---: | --- | --- |"
    # awk reads the whole report (a head would end the pipe early: SIGPIPE, which pipefail turns into a failure).
    grep -E '^ +[0-9.]+%' "$work/$op.report" | awk 'NR <= 12 {
      pct = $1; dso = ($2 == "[JIT]") ? "JIT-compiled" : $2
      m = index($0, "[.] "); if (m == 0) m = index($0, "[k] ")
      frame = substr($0, m + 4); gsub(/\|/, "\\|", frame); if (length(frame) > 120) frame = substr(frame, 1, 117) "..."
      printf "| %s | %s | `%s` |\n", pct, dso, frame }'
  } >> "$out"
done
rm -f bench/results/prof-"$label"-*
echo "Written to $out"
