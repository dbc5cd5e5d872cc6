#!/usr/bin/env bash
# The dashboard's first view (issue 21): the service in Release, filled through its own API with owners of 1,000 and
# 5,000 tenants and a year of monthly history, and /dashboard opened in Debian's chromium with a cold cache.
#
#   ./bench/dashboard.sh           both stores, 1,000 and 5,000 tenants, 10 measured views each; bench/results/dashboard.md
#   ./bench/dashboard.sh --quick   one small owner, 3 views; bench/results/dashboard-quick.md (git-ignored)
#   ./bench/dashboard.sh --help    every option
#
# Installs what is missing (chromium, the PostgreSQL server binaries; from Debian, with sudo unless root), builds the
# service, the probe and the benchmark in Release, and runs it. Exits 0 when it ran, whatever the figures; 1 when
# something could not run; 2 on a bad command line.
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
  bench/Dashboard/CredentialSummaries.Bench.Dashboard.csproj; do
  echo "Building $project (Release)"
  dotnet build "$project" -c Release --nologo -v quiet -clp:NoSummary </dev/null || { echo "The build of $project failed." >&2; exit 1; }
done

exec dotnet bench/Dashboard/bin/Release/net10.0/CredentialSummaries.Bench.Dashboard.dll "$@" </dev/null
