#!/usr/bin/env bash
# The benchmark of issue 9: the service against the equal-work baseline (bench/Baseline), on SQLite and PostgreSQL.
#
#   ./bench/run.sh            full run: 100,000 rows over 1,000 owners + a deep owner with 1,000,000 rows, 3 rounds
#                             of 10 s per operation and target; writes bench/results/latest.md and latest.json
#   ./bench/run.sh --quick    small data, one round of 2 s per operation and target (a few minutes with the builds);
#                             what CI runs; writes bench/results/quick.md (git-ignored)
#   ./bench/run.sh --help     every option of the runner (stores, targets, operations, rounds, durations, sizes)
#
# Installs what is missing (wrk, the PostgreSQL server binaries; from Debian, with sudo unless root), builds the
# service, the baseline, the probe and the runner in Release, then runs the runner (bench/Runner) with the arguments
# given here. Non-interactive. Exits non-zero only when something could not run (a build, an install, a target that
# did not start) or a target answered errors; never because of slow figures.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export HOME="${HOME:-/root}"

for argument in "$@"; do
  if [ "$argument" = "--help" ] || [ "$argument" = "-h" ]; then
    skip_setup=1
  fi
done

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    timeout 300 $sudo apt-get update -qq </dev/null
    apt_updated=1
  fi
  timeout 600 $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
    --no-install-recommends "$@" </dev/null 2>&1 | tail -n 5
}

# The PostgreSQL server binaries, as .ci/run finds them: the runner starts a throwaway cluster of its own (its own
# folder, a free loopback port), so the cluster Debian's post-install creates and starts neither serves nor disturbs it.
has_postgresql_server() {
  for bin in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin; do
    [ -n "$bin" ] && [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] && [ -x "$bin/postgres" ] && return 0
  done
  return 1
}

if [ -z "${skip_setup:-}" ]; then
  if ! command -v wrk >/dev/null 2>&1; then
    echo "Installing wrk (apt-get install wrk)"
    apt_install wrk
    command -v wrk >/dev/null 2>&1 || { echo "wrk could not be installed." >&2; exit 1; }
  fi

  if ! has_postgresql_server; then
    echo "Installing the PostgreSQL server binaries (apt-get install postgresql)"
    apt_install postgresql
    has_postgresql_server || { echo "PostgreSQL could not be installed." >&2; exit 1; }
  fi
fi

build() {
  local started=$SECONDS
  echo "Building $1 (Release)"
  if ! dotnet build "$1" -c Release --nologo -v quiet -clp:NoSummary </dev/null; then
    echo "The build of $1 failed." >&2
    exit 1
  fi
  echo "  built in $((SECONDS - started)) s"
}

build src/CredentialSummaries.Api/CredentialSummaries.Api.csproj
if [ -f bench/Baseline/CredentialSummaries.Bench.Baseline.csproj ]; then
  build bench/Baseline/CredentialSummaries.Bench.Baseline.csproj
else
  echo "No bench/Baseline/CredentialSummaries.Bench.Baseline.csproj: the runner measures the service alone."
fi
build bench/Probe/CredentialSummaries.Bench.Probe.csproj
build bench/Runner/CredentialSummaries.Bench.Runner.csproj

exec dotnet bench/Runner/bin/Release/net10.0/CredentialSummaries.Bench.Runner.dll "$@" </dev/null
