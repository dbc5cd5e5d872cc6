#!/usr/bin/env bash
# Proves that the benchmark baseline answers like the service (bench/CONTRACT.md).
#
#   bench/Baseline/compare.sh [--store sqlite|postgresql|both] [--no-build]
#
# 1. Builds the service and the baseline (Release) unless --no-build.
# 2. Makes one fresh database: the SERVICE migrates it (it is started once on the empty database, as the runner
#    does), then rows are seeded directly in SQL: two owners, 400 + 3 rows, NULLs, fractions of seconds, quotes,
#    non-ASCII text.
# 3. Gives each target an identical copy of that database (SQLite: a copy of the file; PostgreSQL: CREATE DATABASE
#    … TEMPLATE), starts it as the contract says (the service in Development, the baseline in Production, the same
#    user-jwts key settings), and sends it the same requests: the 8 benchmark operations and their variants
#    (paging through nextLinks, $top, $count, $filter, If-Match, Prefer, validation errors, 401/403/404/409/412/415,
#    owner confinement, JSON batches), each target following its own nextLinks and ETags.
# 4. Compares per request: status, the key headers (Content-Type, ETag, Location, Preference-Applied, OData-Version,
#    OData-EntityId, WWW-Authenticate, request ids present, client-request-id echoed) and the JSON bodies, parsed,
#    after replacing what legitimately differs (host:port, request ids and error dates, ids and ETags the run made,
#    times the run set to "now", the $skiptoken value). Answers that hold nothing volatile are also compared byte
#    for byte (escaping included). Then compares the tables the two runs left (what the writes stored, column by
#    column, with the same replacements): the summaries with their change versions, the owners' change counters and
#    the snapshots every write recorded (new ids and "now" times masked).
# Exit status 0 when everything matches; the differences are printed otherwise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
store=sqlite
build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --store) store="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "usage: $0 [--store sqlite|postgresql|both] [--no-build]" >&2; exit 2 ;;
  esac
done

if [[ $build == 1 ]]; then
  dotnet build "$repo/src/CredentialSummaries.Api" -c Release -nologo -v q
  dotnet build "$here/CredentialSummaries.Bench.Baseline.csproj" -c Release -nologo -v q
fi

export COMPARE_SERVICE_DLL="$repo/src/CredentialSummaries.Api/bin/Release/net10.0/CredentialSummaries.Api.dll"
export COMPARE_BASELINE_DLL="$here/bin/Release/net10.0/CredentialSummaries.Bench.Baseline.dll"
export COMPARE_STORE="$store"
exec python3 - <<'PY'
import base64, datetime, hashlib, hmac, http.client, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, uuid

SERVICE_DLL = os.environ["COMPARE_SERVICE_DLL"]
BASELINE_DLL = os.environ["COMPARE_BASELINE_DLL"]
STORES = ["sqlite", "postgresql"] if os.environ["COMPARE_STORE"] == "both" else [os.environ["COMPARE_STORE"]]
PG_BIN = "/usr/lib/postgresql/15/bin"
AUDIENCE = "credentialsummaries-bench"
KEY = os.urandom(32)
ROOT = "/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries"
BETA = "/beta/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries"
OWNER_A = "0a0a0a0a-0000-4000-8000-00000000000a"
OWNER_B = "0b0b0b0b-0000-4000-8000-00000000000b"
TYPE = "#microsoft.graph.managedTenants.credentialUserRegistrationsSummary"
KEY_HEADERS = ["content-type", "etag", "location", "preference-applied", "odata-version", "odata-entityid", "www-authenticate"]
work = tempfile.mkdtemp(prefix="compare-baseline-")
processes = []

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def token(owner, scope="ManagedTenants.ReadWrite.All"):
    """An HS256 token as dotnet user-jwts makes it."""
    now = int(time.time())
    claims = {"unique_name": "developer", "sub": "developer", "jti": uuid.uuid4().hex[:8], "scope": scope,
              "aud": AUDIENCE, "nbf": now - 60, "exp": now + 3600, "iat": now - 60, "iss": "dotnet-user-jwts"}
    if owner:
        claims["tid"] = owner
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = b64url(hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{signature}"

# ---------------------------------------------------------------- seed data
def seed_rows():
    rows, stamps = [], set()
    def add(owner, rid, tenant, name, license, counts, total, sd, state, when):
        stamp = uuid.uuid4().hex
        stamps.add(stamp)
        rows.append((owner, rid, tenant, name, license, *counts, total, sd, state, when, stamp))
    for i in range(250):
        when = datetime.datetime(2025, 11, 1 + i % 9, 10, 0, 0, (i * 37) % 1000000 if i % 3 else 0)
        add(OWNER_A, f"row-{i:05d}", str(uuid.UUID(int=10_000 + i)), f"Tenant {i % 7}", None if i % 2 else "Premium",
            (1, 2, 3, 4, 5), 10, i % 2, "enabled" if i % 3 else None, when)
    for i in range(150):
        add(OWNER_A, f"big-{i:05d}", str(uuid.UUID(int=20_000 + i)), "Big O'Hara", None, (0, 0, 0, 0, 0), 0, 0, None,
            datetime.datetime(2025, 10, 1, 8, 30, 0, 100000))
    add(OWNER_A, "escaped", str(uuid.UUID(int=30_000)), "École <b>&\"O'Neil\" 😀 \u00a0x", "E5", (1, 1, 1, 1, 0), 2, 1, "x\\y",
        datetime.datetime(2025, 1, 2, 3, 4, 5, 123400))
    for i in range(3):
        add(OWNER_B, f"row-{i:05d}", str(uuid.UUID(int=40_000 + i)), f"Other {i}", "Basic", (0, 0, 0, 0, 0), 5, 1, "disabled",
            datetime.datetime(2025, 6, 1, 12, 0, i))
    return rows, stamps

ROWS, SEEDED_STAMPS = seed_rows()
SEEDED_IDS = {r[1] for r in ROWS}
COLUMNS = ["OwnerTenantId", "Id", "TenantId", "TenantDisplayName", "TenantLicenseType", "MfaAndSsprCapableUserCount",
           "SsprEnabledUserCount", "MfaRegisteredUserCount", "SsprRegisteredUserCount", "MfaExcludedUserCount", "TotalUserCount",
           "SecurityDefaultsEnabled", "MfaConditionalAccessPolicyState", "LastRefreshedDateTime", "ConcurrencyStamp"]
QUOTED = ", ".join(f'"{c}"' for c in COLUMNS)
# What every write also stores: the row's change version, the owner's counter, and a snapshot per write.
DUMPED = QUOTED + ', "ChangeVersion"'
COUNTERS = 'SELECT "OwnerTenantId", "Version" FROM "OwnerChangeCounters"'
SNAPSHOT_COLUMNS = ["OwnerTenantId", "Id", "SummaryId", "TenantId", "TenantDisplayName", "TenantLicenseType", "MfaAndSsprCapableUserCount",
                    "SsprEnabledUserCount", "MfaRegisteredUserCount", "SsprRegisteredUserCount", "MfaExcludedUserCount", "TotalUserCount",
                    "SecurityDefaultsEnabled", "MfaConditionalAccessPolicyState", "LastRefreshedDateTime", "RecordedDateTime", "Month",
                    "MfaRegisteredShare", "SsprRegisteredShare", "PreviousMonthMfaRegisteredShare", "ChangeVersion"]

def sqlite_time(when):
    # EF Core's SQLite text form, "yyyy-MM-dd HH:mm:ss.FFFFFFF".
    text = when.strftime("%Y-%m-%d %H:%M:%S")
    if when.microsecond:
        text += ("." + f"{when.microsecond:06d}").rstrip("0")
    return text

class Sqlite:
    name = "sqlite"
    def __init__(self):
        self.seed = os.path.join(work, "seed.db")
    def create(self):
        return f"Data Source={self.seed}"
    def fill(self):
        import sqlite3
        db = sqlite3.connect(self.seed)
        db.executemany(f'INSERT INTO "CredentialUserRegistrationsSummaries" ({QUOTED}) VALUES ({", ".join("?" * len(COLUMNS))})',
                       [r[:13] + (sqlite_time(r[13]), r[14]) for r in ROWS])
        db.commit()
        db.close()
    def copy(self, label):
        path = os.path.join(work, f"{label}.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.seed + suffix):
                shutil.copyfile(self.seed + suffix, path + suffix)
        return f"Data Source={path}"
    def dump(self, connection):
        import sqlite3
        db = sqlite3.connect(connection.split("=", 1)[1])
        rows = db.execute(f'SELECT {DUMPED}, typeof("LastRefreshedDateTime"), typeof("SecurityDefaultsEnabled") FROM "CredentialUserRegistrationsSummaries"').fetchall()
        db.close()
        return [tuple("" if v is None else str(v) for v in row) for row in rows]
    def dump_log(self, connection):
        import sqlite3
        db = sqlite3.connect(connection.split("=", 1)[1])
        columns = ", ".join(f'"{c}"' for c in SNAPSHOT_COLUMNS)
        counters = db.execute(COUNTERS).fetchall()
        snapshots = db.execute(f'SELECT {columns}, typeof("RecordedDateTime"), typeof("MfaRegisteredShare"), typeof("SecurityDefaultsEnabled") '
                               'FROM "CredentialUserRegistrationsSummarySnapshots"').fetchall()
        db.close()
        return ([tuple(str(v) for v in row) for row in counters], [tuple("" if v is None else str(v) for v in row) for row in snapshots])
    def stop(self):
        pass

class Postgres:
    name = "postgresql"
    def __init__(self):
        self.port = free_port()
        self.data = os.path.join(work, "pgdata")
        self.socket = os.path.join(work, "pgsocket")
        os.makedirs(self.data)
        os.makedirs(self.socket)
        os.chmod(work, 0o755)
        shutil.chown(self.data, "postgres")
        shutil.chown(self.socket, "postgres")
        run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
        run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.data, "log"), "-w", "start",
             "-o", f"-p {self.port} -k {self.socket} -c listen_addresses=127.0.0.1"])
    def conn(self, database):
        return f"Host=127.0.0.1;Port={self.port};Database={database};Username=postgres"
    def psql(self, database, sql=None, file=None):
        command = [f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-q", "-At", "-F", "\x1f"]
        command += ["-f", file] if file else ["-c", sql]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout
    def create(self):
        self.psql("postgres", "CREATE DATABASE seed")
        return self.conn("seed")
    def fill(self):
        def literal(v):
            if v is None:
                return "NULL"
            if isinstance(v, datetime.datetime):
                return "'" + v.strftime("%Y-%m-%d %H:%M:%S.%f") + "+00'"
            if isinstance(v, int):
                return str(v)
            return "'" + str(v).replace("'", "''") + "'"
        path = os.path.join(work, "seed.sql")
        with open(path, "w", encoding="utf-8") as f:
            for r in ROWS:
                values = list(r)
                values[11] = "true" if r[11] else "false"
                f.write(f'INSERT INTO "CredentialUserRegistrationsSummaries" ({QUOTED}) VALUES ('
                        + ", ".join(values[11] if i == 11 else literal(v) for i, v in enumerate(values)) + ");\n")
        self.psql("seed", file=path)
    def copy(self, label):
        self.psql("postgres", f"CREATE DATABASE {label} TEMPLATE seed")
        return self.conn(label)
    def dump(self, connection):
        database = re.search(r"Database=([^;]+)", connection).group(1)
        out = self.psql(database, f'SELECT {DUMPED.replace(chr(34) + "LastRefreshedDateTime" + chr(34), chr(34) + "LastRefreshedDateTime" + chr(34) + "::text")} '
                                  'FROM "CredentialUserRegistrationsSummaries"')
        return [tuple(line.split("\x1f")) for line in out.splitlines() if line]
    def dump_log(self, connection):
        database = re.search(r"Database=([^;]+)", connection).group(1)
        columns = ", ".join(f'"{c}"::text' if c.endswith("DateTime") else f'"{c}"' for c in SNAPSHOT_COLUMNS)
        counters = self.psql(database, COUNTERS)
        snapshots = self.psql(database, f'SELECT {columns} FROM "CredentialUserRegistrationsSummarySnapshots"')
        return ([tuple(line.split("\x1f")) for line in counters.splitlines() if line],
                [tuple(line.split("\x1f")) for line in snapshots.splitlines() if line])
    def stop(self):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"], capture_output=True)

def run(command):
    subprocess.run(command, check=True, capture_output=True)

# ---------------------------------------------------------------- targets
def start(kind, store, connection):
    port = free_port()
    home = tempfile.mkdtemp(dir=work)
    env = dict(os.environ)
    env.update({
        "Database__Provider": "Sqlite" if store.name == "sqlite" else "PostgreSql",
        "ConnectionStrings__Summaries": connection,
        "Authentication__Schemes__Bearer__ValidIssuer": "dotnet-user-jwts",
        "Authentication__Schemes__Bearer__ValidAudiences__0": AUDIENCE,
        "Authentication__Schemes__Bearer__SigningKeys__0__Issuer": "dotnet-user-jwts",
        "Authentication__Schemes__Bearer__SigningKeys__0__Value": base64.b64encode(KEY).decode(),
        "Authentication__Schemes__Bearer__SigningKeys__0__Id": "bench",
        "Authentication__Schemes__Bearer__SigningKeys__0__Length": "32",
        "HOME": home,
    })
    if kind == "service":
        dll = SERVICE_DLL
        env.update({"ASPNETCORE_ENVIRONMENT": "Development", "Throttling__Enabled": "false", "AzureAd__ClientId": ""})
    else:
        dll = BASELINE_DLL
        env["ASPNETCORE_ENVIRONMENT"] = "Production"
    log = open(os.path.join(work, f"{kind}-{store.name}-{port}.log"), "w")
    process = subprocess.Popen(["dotnet", dll, "--urls", f"http://127.0.0.1:{port}"], cwd=os.path.dirname(dll), env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    processes.append(process)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{kind} exited with {process.returncode}; see {log.name}")
        try:
            if send(port, "GET", "/healthz")[0] == 200:
                return process, port
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{kind} did not answer in 60 s; see {log.name}")

def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()

def send(port, method, path, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    data = body if isinstance(body, (bytes, type(None))) else (body if isinstance(body, str) else json.dumps(body)).encode()
    connection.request(method, path, body=data, headers=headers or {})
    response = connection.getresponse()
    raw = response.read()
    result = (response.status, {k.lower(): v for k, v in response.getheaders()}, raw)
    connection.close()
    return result

# ---------------------------------------------------------------- the requests
def seed_body(tenant, **extra):
    body = {"@odata.type": TYPE, "tenantId": tenant, "tenantDisplayName": "Contoso Ltd", "mfaAndSsprCapableUserCount": 120,
            "ssprEnabledUserCount": 150, "mfaRegisteredUserCount": 140, "ssprRegisteredUserCount": 130, "totalUserCount": 200,
            "securityDefaultsEnabled": True, "mfaConditionalAccessPolicyState": "enabled", "lastRefreshedDateTime": "2026-11-24T07:00:00Z"}
    body.update(extra)
    return body

def batch(requests):
    return {"requests": [{"id": str(i + 1), "method": "GET", "url": url} if isinstance(url, str) else dict(url, id=str(i + 1))
                         for i, url in enumerate(requests)]}

COLLECTION = "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries"
JSON = {"Content-Type": "application/json"}
MINIMAL = {"Prefer": "return=minimal"}

def steps():
    """(name, method, path or f(ctx), headers, body, token owner, raw?) — a path/headers/body may depend on the target's earlier answers."""
    a, b = OWNER_A, OWNER_B
    return [
        # 1. GET by id
        ("get", "GET", f"{ROOT}/row-00001", {}, None, a, True),
        ("get-beta", "GET", f"{BETA}/row-00002", {}, None, a, True),
        ("get-escaped", "GET", f"{ROOT}/escaped", {}, None, a, True),
        ("get-client-request-id", "GET", f"{ROOT}/row-00003", {"client-request-id": "compare-run-1"}, None, a, False),
        ("get-unknown", "GET", f"{ROOT}/nope", {}, None, a, False),
        ("get-no-token", "GET", f"{ROOT}/row-00001", {}, None, None, False),
        ("get-bad-token", "GET", f"{ROOT}/row-00001", {"Authorization": "Bearer not.a.token"}, None, "raw", False),
        ("get-no-tid", "GET", f"{ROOT}/row-00001", {}, None, "no-tid", False),
        ("get-no-scope", "GET", f"{ROOT}/row-00001", {}, None, "no-scope", False),
        ("get-other-owner-same-id", "GET", f"{ROOT}/row-00001", {}, None, b, True),
        ("get-other-owners-row", "GET", f"{ROOT}/big-00001", {}, None, b, False),
        ("get-if-none-match", "GET", lambda c: f"{ROOT}/row-00004", lambda c: {"If-None-Match": c["etag:row-00004"]}, None, a, False),
        # 4. list $top=50, and the paging of 5./6.
        ("list-top50", "GET", f"{ROOT}?$top=50", {}, None, a, True),
        ("list-top0", "GET", f"{ROOT}?$top=0", {}, None, a, True),
        ("list-top100", "GET", f"{ROOT}?$top=100", {}, None, a, True),
        ("list-page1", "GET", ROOT, {}, None, a, False),
        ("list-page2", "GET", lambda c: c["next"], {}, None, a, False),
        ("list-page3", "GET", lambda c: c["next"], {}, None, a, False),
        ("list-page4", "GET", lambda c: c["next"], {}, None, a, False),
        ("list-page5-last", "GET", lambda c: c["next"], {}, None, a, False),
        ("list-top150", "GET", f"{ROOT}?$top=150", {}, None, a, False),
        ("list-top150-next", "GET", lambda c: c["next"], {}, None, a, False),
        ("list-owner-b", "GET", ROOT, {}, None, b, True),
        ("list-no-token", "GET", ROOT, {}, None, None, False),
        ("list-top-too-big", "GET", f"{ROOT}?$top=1000", {}, None, a, False),
        # 5. $filter on tenantDisplayName with $count
        ("filter-count", "GET", f"{ROOT}?$filter=tenantDisplayName%20eq%20'Tenant%201'&$count=true", {}, None, a, True),
        ("filter-count-none", "GET", f"{ROOT}?$filter=tenantDisplayName%20eq%20'Nobody'&$count=true", {}, None, a, True),
        ("filter-plus", "GET", f"{ROOT}?$filter=tenantDisplayName+eq+'Tenant+2'", {}, None, a, True),
        ("filter-quote-paged", "GET", f"{ROOT}?$filter=tenantDisplayName%20eq%20%27Big%20O%27%27Hara%27&$count=true", {}, None, a, False),
        ("filter-quote-page2", "GET", lambda c: c["next"], {}, None, a, False),
        ("filter-top-count", "GET", f"{ROOT}?$count=true&$top=120&$filter=tenantDisplayName%20eq%20%27Big%20O%27%27Hara%27", {}, None, a, False),
        ("filter-top-count-next", "GET", lambda c: c["next"], {}, None, a, False),
        ("count-true-top", "GET", f"{ROOT}?$count=true&$top=3", {}, None, a, True),
        # 7. $count
        ("count", "GET", f"{ROOT}/$count", {}, None, a, True),
        ("count-owner-b", "GET", f"{ROOT}/$count", {}, None, b, True),
        ("count-filtered", "GET", f"{ROOT}/$count?$filter=tenantDisplayName%20eq%20'Tenant%203'", {}, None, a, True),
        # 2. POST
        ("post", "POST", ROOT, JSON, seed_body("7e57a000-0000-4000-8000-000000000001"), a, False),
        ("post-get", "GET", lambda c: c["location-path"], {}, None, a, False),
        ("post-explicit-id", "POST", ROOT, JSON, seed_body("7E57A000-0000-4000-8000-000000000002", id="created-1",
                                                           lastRefreshedDateTime="2026-11-24T09:00:00.1234567+02:00"), a, False),
        ("post-minimal-body", "POST", ROOT, JSON, {"tenantId": "{7e57a000-0000-4000-8000-000000000003}", "tenantDisplayName": "Fabrikam"}, a, False),
        ("post-prefer-minimal", "POST", ROOT, {**JSON, **MINIMAL}, seed_body("7e57a000-0000-4000-8000-000000000004", id="created-2"), a, False),
        ("post-prefer-representation", "POST", ROOT, {**JSON, "Prefer": "return=representation"},
         seed_body("7e57a000-0000-4000-8000-000000000005", id="created-3"), a, False),
        ("post-same-id", "POST", ROOT, JSON, seed_body("7e57a000-0000-4000-8000-000000000006", id="created-1"), a, False),
        ("post-same-tenant", "POST", ROOT, JSON, seed_body("7e57a000-0000-4000-8000-000000000001"), a, False),
        ("post-same-id-other-owner", "POST", ROOT, JSON, seed_body("7e57a000-0000-4000-8000-000000000001", id="created-1"), b, False),
        ("post-invalid-types", "POST", ROOT, JSON, {"tenantDisplayName": "x", "totalUserCount": "10", "securityDefaultsEnabled": "true",
                                                    "foo": 1, "mfaExcludedUserCount": 1.5, "tenantLicenseType": None,
                                                    "lastRefreshedDateTime": "2026-11-24T07:00:00"}, a, False),
        ("post-invalid-rules", "POST", ROOT, JSON, {"id": "bad id!", "tenantId": "not-a-guid", "tenantDisplayName": "  ",
                                                    "totalUserCount": 5, "mfaRegisteredUserCount": 6, "ssprEnabledUserCount": -1}, a, False),
        ("post-duplicate-name", "POST", ROOT, JSON, '{"tenantId":"7e57a000-0000-4000-8000-000000000007","tenantDisplayName":"a","tenantDisplayName":"b"}', a, False),
        ("post-not-json", "POST", ROOT, JSON, '{"tenantId": ', a, False),
        ("post-array", "POST", ROOT, JSON, '[1,2]', a, False),
        ("post-wrong-type-annotation", "POST", ROOT, JSON, seed_body("7e57a000-0000-4000-8000-000000000008", **{"@odata.type": "#x.y"}), a, False),
        ("post-no-body", "POST", ROOT, JSON, "", a, False),
        ("post-text", "POST", ROOT, {"Content-Type": "text/plain"}, "hello", a, False),
        ("post-read-scope", "POST", ROOT, JSON, seed_body("7e57a000-0000-4000-8000-000000000009"), "read-only", False),
        ("post-no-token", "POST", ROOT, JSON, seed_body("7e57a000-0000-4000-8000-00000000000a"), None, False),
        # 3. PATCH with Prefer: return=minimal
        ("patch-minimal", "PATCH", f"{ROOT}/row-00010", {**JSON, **MINIMAL}, {"mfaRegisteredUserCount": 7, "ssprRegisteredUserCount": 8}, a, False),
        ("patch-minimal-get", "GET", f"{ROOT}/row-00010", {}, None, a, False),
        ("patch-representation", "PATCH", f"{ROOT}/row-00011", JSON,
         {"tenantLicenseType": None, "securityDefaultsEnabled": True, "lastRefreshedDateTime": "2026-01-02T03:04:05.5Z", "id": "row-00011",
          "tenantId": "00000000-0000-0000-0000-00000000271B"}, a, False),
        ("patch-if-match-current", "PATCH", f"{ROOT}/row-00012", lambda c: {**JSON, **MINIMAL, "If-Match": c["etag:row-00012"]}, {"totalUserCount": 11}, a, False),
        ("patch-if-match-stale", "PATCH", f"{ROOT}/row-00012", lambda c: {**JSON, "If-Match": c["etag:row-00012"]}, {"totalUserCount": 12}, a, False),
        ("patch-if-match-star", "PATCH", f"{ROOT}/row-00013", {**JSON, "If-Match": "*"}, {"totalUserCount": 12}, a, False),
        ("patch-if-none-match-star", "PATCH", f"{ROOT}/row-00013", {**JSON, "If-None-Match": "*"}, {"totalUserCount": 13}, a, False),
        ("patch-rule", "PATCH", f"{ROOT}/row-00014", JSON, {"mfaRegisteredUserCount": 40}, a, False),
        ("patch-immutable", "PATCH", f"{ROOT}/row-00014", JSON, {"id": "other", "tenantId": "7e57a000-0000-4000-8000-000000000001"}, a, False),
        ("patch-types", "PATCH", f"{ROOT}/row-00014", JSON, {"totalUserCount": None, "tenantDisplayName": 5}, a, False),
        ("patch-unknown", "PATCH", f"{ROOT}/nope", JSON, {"totalUserCount": 1}, a, False),
        ("patch-other-owner", "PATCH", f"{ROOT}/big-00002", JSON, {"totalUserCount": 1}, b, False),
        ("patch-read-scope", "PATCH", f"{ROOT}/row-00015", JSON, {"totalUserCount": 1}, "read-only", False),
        ("patch-no-body", "PATCH", f"{ROOT}/row-00016", JSON, "", a, False),
        ("patch-empty-object", "PATCH", f"{ROOT}/row-00016", JSON, {}, a, False),
        ("patch-created", "PATCH", f"{ROOT}/created-1", {**JSON, **MINIMAL}, {"tenantDisplayName": "Renamed"}, a, False),
        ("get-created", "GET", f"{ROOT}/created-1", {}, None, a, False),
        # 8. JSON batch of 20 GETs, and variants
        ("batch-20", "POST", "/v1.0/$batch", JSON, batch([f"{COLLECTION}/row-{i:05d}" for i in range(20, 39)] + [f"{COLLECTION}/missing"]), a, False),
        ("batch-mixed", "POST", "/v1.0/$batch", JSON, batch([f"{COLLECTION}/escaped", f"{COLLECTION}?$top=2&$filter=tenantDisplayName%20eq%20\'Tenant%205\'", f"{COLLECTION}/$count",
                                                          f"{COLLECTION}?$filter=tenantDisplayName%20eq%20'Tenant%204'&$count=true",
                                                          {"method": "GET", "url": f"{COLLECTION}/row-00040", "headers": {"client-request-id": "sub-1"}},
                                                          "/nowhere"]), a, False),
        ("batch-writes", "POST", "/beta/$batch", JSON, batch([
            {"method": "POST", "url": COLLECTION, "body": seed_body("7e57a000-0000-4000-8000-0000000000b1", id="batched-1")},
            {"method": "PATCH", "url": f"{COLLECTION}/batched-1", "headers": {"Prefer": "return=minimal"}, "body": {"totalUserCount": 300}, "dependsOn": ["1"]},
            {"method": "GET", "url": f"{COLLECTION}/batched-1", "dependsOn": ["2"]},
            {"method": "PATCH", "url": f"{COLLECTION}/nope", "body": {"totalUserCount": 1}},
            {"method": "GET", "url": f"{COLLECTION}/row-00041", "dependsOn": ["4"]}]), a, False),
        ("batch-no-token", "POST", "/v1.0/$batch", JSON, batch([f"{COLLECTION}/row-00001"]), None, False),
        ("batch-other-owner", "POST", "/v1.0/$batch", JSON, batch([f"{COLLECTION}/row-00001", f"{COLLECTION}/big-00001"]), b, False),
        ("batch-own-token", "POST", "/v1.0/$batch", JSON,
         lambda c: batch([{"method": "GET", "url": f"{COLLECTION}/row-00001", "headers": {"Authorization": "Bearer " + c["token-b"]}}]), a, False),
        ("batch-too-many", "POST", "/v1.0/$batch", JSON, batch([f"{COLLECTION}/row-00001"] * 21), a, False),
        ("batch-duplicate-ids", "POST", "/v1.0/$batch", JSON, {"requests": [{"id": "1", "method": "GET", "url": COLLECTION}] * 2}, a, False),
        ("batch-not-json", "POST", "/v1.0/$batch", JSON, "{", a, False),
        # what the earlier writes left
        ("list-after-writes", "GET", f"{ROOT}?$filter=tenantDisplayName%20eq%20'Contoso%20Ltd'&$count=true", {}, None, a, False),
        ("count-after-writes", "GET", f"{ROOT}/$count", {}, None, a, True),
    ]

# ---------------------------------------------------------------- normalisation
NOW = datetime.datetime.now(datetime.timezone.utc)
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STAMP = re.compile(r'^W/"([0-9a-f]{32})"$')

def near_now(text):
    match = re.match(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?(Z|\+00(:00)?)?$", text)
    if not match:
        return False
    when = datetime.datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}+00:00")
    return abs((when - NOW).total_seconds()) < 3600

def norm_string(key, value, base):
    if not isinstance(value, str):
        return value
    value = value.replace(base, "{base}")
    if key in ("request-id", "client-request-id") and GUID.match(value):
        return "<request-id>"
    if key == "date":
        return "<date>"
    if key in ("@odata.etag", "etag"):
        match = STAMP.match(value)
        return value if match and match.group(1) in SEEDED_STAMPS else 'W/"<new-stamp>"'
    if key == "id" and GUID.match(value) and value not in SEEDED_IDS:
        return "<new-id>"
    if key == "lastRefreshedDateTime" and near_now(value):
        return "<now>"
    if key == "@odata.nextLink":
        return re.sub(r"(%24skiptoken=)[^&]*", r"\1<token>", value)
    if key in ("location", "odata-entityid"):
        return re.sub(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", "/<new-id>", value)
    return value

def norm(node, base, key=None):
    if isinstance(node, dict):
        return {k: norm(v, base, k.lower() if k.lower() in ("etag", "request-id", "client-request-id", "location", "odata-entityid") else k)
                for k, v in node.items()}
    if isinstance(node, list):
        items = [norm(v, base, key) for v in node]
        if key == "value":
            # Rows with ids the run generated (random GUIDs) sort anywhere among the others: keep the order of the
            # rest, and put those at the end in a fixed order.
            generated = [v for v in items if isinstance(v, dict) and v.get("id") == "<new-id>"]
            items = [v for v in items if v not in generated] + sorted(generated, key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return norm_string(key, node, base)

def answer(status, headers, raw, base):
    content_type = headers.get("content-type", "")
    if raw and content_type.startswith("application/json"):
        body = norm(json.loads(raw), base)
    else:
        body = raw.decode("utf-8", "replace")
    keyed = {h: norm_string(h, headers[h], base) for h in KEY_HEADERS if h in headers}
    keyed["request-id present"] = "request-id" in headers
    keyed["client-request-id"] = ("<same as request-id>" if headers.get("client-request-id") == headers.get("request-id")
                                  else headers.get("client-request-id"))
    return {"status": status, "headers": keyed, "body": body}

def run_target(kind, store, connection):
    process, port = start(kind, store, connection)
    base = f"http://127.0.0.1:{port}"
    tokens = {OWNER_A: token(OWNER_A), OWNER_B: token(OWNER_B), "read-only": token(OWNER_A, "ManagedTenants.Read.All"),
              "no-tid": token(None), "no-scope": token(OWNER_A, "User.Read"), None: None, "raw": None}
    context = {"token-b": tokens[OWNER_B]}
    for row in ("row-00004", "row-00012"):
        status, headers, _ = send(port, "GET", f"{ROOT}/{row}", {"Authorization": "Bearer " + tokens[OWNER_A]})
        context["etag:" + row] = headers["etag"]
    results = {}
    try:
        for name, method, path, headers, body, owner, raw in steps():
            path = path(context) if callable(path) else path
            headers = dict(headers(context) if callable(headers) else headers)
            body = body(context) if callable(body) else body
            if path is None:
                results[name] = {"skipped": "no nextLink to follow"}
                continue
            path = path.replace(base, "")
            if tokens.get(owner):
                headers["Authorization"] = "Bearer " + tokens[owner]
            status, response_headers, response = send(port, method, path.replace(" ", "%20"), headers, body)
            results[name] = answer(status, response_headers, response, base)
            if raw:
                results[name]["raw"] = response.replace(base.encode(), b"{base}").decode("utf-8", "replace")
            if response_headers.get("content-type", "").startswith("application/json") and response:
                document = json.loads(response)
                if isinstance(document, dict) and ("value" in document or "@odata.nextLink" in document):
                    context["next"] = document.get("@odata.nextLink")
            if "location" in response_headers:
                context["location-path"] = response_headers["location"].replace(base, "")
    finally:
        stop(process)
    return results

def norm_row(row):
    values = list(row)
    if values[1] not in SEEDED_IDS and GUID.match(values[1]):
        values[1] = "<new-id>"
    if values[14] not in SEEDED_STAMPS:
        values[14] = "<new-stamp>"
    if near_now(values[13]):
        values[13] = "<now>"
    return tuple(values)

def norm_snapshot(row):
    values = list(row)
    if GUID.match(values[1]):
        values[1] = "<new-id>"
    if values[2] not in SEEDED_IDS and GUID.match(values[2]):
        values[2] = "<new-id>"
    for time_column in (14, 15):
        if near_now(values[time_column]):
            values[time_column] = "<now>"
    return tuple(values)

def compare_rows(label, service_rows, baseline_rows):
    """1 when the two targets left different rows (listed), else 0."""
    if service_rows == baseline_rows:
        print(f"  same  {label:32} {len(service_rows)} rows, every column")
        return 0
    print(f"  DIFF  {label}")
    for r in [r for r in service_rows if r not in baseline_rows][:10]:
        print(f"          service only:  {r}")
    for r in [r for r in baseline_rows if r not in service_rows][:10]:
        print(f"          baseline only: {r}")
    return 1

def compare(store):
    print(f"== {store.name}: the service migrates a fresh database, {len(ROWS)} rows are seeded in SQL")
    migrator, _ = start("service", store, store.create())
    stop(migrator)
    store.fill()
    connections = {kind: store.copy(f"compare_{kind}") for kind in ("service", "baseline")}
    results = {kind: run_target(kind, store, connections[kind]) for kind in ("service", "baseline")}
    failures = 0
    for name in results["service"]:
        service, baseline = results["service"][name], results["baseline"][name]
        if service == baseline:
            status = service.get("status", "-")
            print(f"  same  {name:32} {status}{'  (byte for byte)' if 'raw' in service else ''}")
            continue
        failures += 1
        print(f"  DIFF  {name}")
        for part in ("status", "headers", "body", "raw", "skipped"):
            if service.get(part) != baseline.get(part):
                print(f"        {part}:\n          service:  {json.dumps(service.get(part), ensure_ascii=False)[:3000]}\n"
                      f"          baseline: {json.dumps(baseline.get(part), ensure_ascii=False)[:3000]}")
    tables = {kind: sorted(norm_row(r) for r in store.dump(connections[kind])) for kind in ("service", "baseline")}
    failures += compare_rows("stored rows after the runs", tables["service"], tables["baseline"])
    logs = {kind: store.dump_log(connections[kind]) for kind in ("service", "baseline")}
    failures += compare_rows("owners' change counters", sorted(logs["service"][0]), sorted(logs["baseline"][0]))
    failures += compare_rows("snapshots of the writes", sorted(norm_snapshot(r) for r in logs["service"][1]),
                             sorted(norm_snapshot(r) for r in logs["baseline"][1]))
    print(f"== {store.name}: {len(results['service']) + 3 - failures} passed, {failures} failed")
    return failures

failures = 0
try:
    for name in STORES:
        store = Sqlite() if name == "sqlite" else Postgres()
        try:
            failures += compare(store)
        finally:
            store.stop()
finally:
    for process in processes:
        if process.poll() is None:
            process.kill()
    if failures == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"logs and databases kept in {work}")
sys.exit(1 if failures else 0)
PY
