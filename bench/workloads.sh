#!/usr/bin/env bash
# The workloads the API benchmark (run.sh) does not cover, on SQLite and PostgreSQL, against the service in Release:
#   dashboard  the first view of /dashboard in Debian's chromium (cold cache) for owners of 1,000 and 5,000 tenants
#              with a year of monthly history written through the API;
#   collector  a round of the built-in collector (the collect command) against the tests' Graph stand-in, for tenants
#              of 5,000 and 50,000 users: rows per second and peak memory;
#   delta      delta() rounds back to back beside concurrent writers, and whether the reader's copy ends exact.
#
#   ./bench/workloads.sh           everything; about 20 minutes on 2 cores; bench/results/workloads.md
#   ./bench/workloads.sh --quick   small figures of each, about two minutes; bench/results/workloads-quick.md (git-ignored)
#   ./bench/workloads.sh --help    every option (--workloads, --stores, sizes, rounds, durations)
#
# Installs what is missing (chromium, the PostgreSQL server binaries; from Debian, with sudo unless root), builds the
# service, the probe and the workloads in Release, and runs them. Exits 0 when they ran, whatever the figures; 1 when
# something could not run or answered wrongly; 2 on a bad command line.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export HOME="${HOME:-/root}"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ] && [[ " $* " != *" --help "* ]]; then
  echo "Installing ${missing[*]} (apt-get install)"
  timeout 300 $sudo apt-get update -qq </dev/null
  timeout 600 $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
    --no-install-recommends "${missing[@]}" </dev/null 2>&1 | tail -n 5
fi

for project in src/CredentialSummaries.Api/CredentialSummaries.Api.csproj bench/Probe/CredentialSummaries.Bench.Probe.csproj \
  bench/Workloads/CredentialSummaries.Bench.Workloads.csproj; do
  echo "Building $project (Release)"
  dotnet build "$project" -c Release --nologo -v quiet -clp:NoSummary </dev/null || { echo "The build of $project failed." >&2; exit 1; }
done

exec dotnet bench/Workloads/bin/Release/net10.0/CredentialSummaries.Bench.Workloads.dll "$@" </dev/null
