# Groups `perf report --no-children --sort dso,sym --stdio` lines into the layers the tables of
# bench/results/profile-*.md name, and prints "layer<TAB>percent". A JIT-compiled frame (dso "[JIT] <tid>", from the
# runtime's perf map) is named by the assembly in brackets in its signature, e.g.
# "instance void [Microsoft.Data.Sqlite] Microsoft.Data.Sqlite.SqliteConnection::Open()"; a native frame by its library.
function managed(asm, sym) {
  if (asm ~ /^(SQLitePCLRaw|Microsoft\.Data\.Sqlite)/) return "Microsoft.Data.Sqlite (the ADO.NET provider)"
  if (asm ~ /^Npgsql/) return "Npgsql"
  if (asm ~ /^Microsoft\.EntityFrameworkCore/) return "EF Core"
  if (asm ~ /^(Microsoft\.OData|Microsoft\.AspNetCore\.OData|Microsoft\.Spatial)/) return "OData (ODataLib, AspNetCore.OData)"
  if (asm ~ /^CredentialSummaries/) return "the service's own code"
  if (asm ~ /^System\.Text\.Json/) return "System.Text.Json"
  if (asm ~ /Authentication|Authorization|IdentityModel|Microsoft\.Identity/) return "authentication, authorization, tokens"
  if (asm ~ /^Microsoft\.Extensions\.Logging/) return "logging"
  if (asm ~ /^Microsoft\.AspNetCore\.Mvc/) return "MVC"
  if (asm ~ /^Microsoft\.AspNetCore\.Routing/) return "routing"
  if (asm ~ /^(Microsoft\.AspNetCore\.Server\.Kestrel|Microsoft\.AspNetCore\.Http|Microsoft\.AspNetCore\.Connections|System\.Net\.|System\.IO\.Pipelines)/) return "Kestrel, HTTP, sockets"
  if (asm ~ /^(Microsoft\.AspNetCore|Microsoft\.Extensions)/) return "other ASP.NET Core and extensions (DI, hosting, diagnostics)"
  if (asm ~ /^System\.Linq/) return ".NET base libraries (CoreLib, LINQ, collections)"
  if (asm ~ /^(System|Microsoft\.Win32)/) return ".NET base libraries (CoreLib, LINQ, collections)"
  return "other managed code"
}
function native(dso, sym) {
  if (dso ~ /sqlite/) return "SQLite (the engine)"
  if (dso ~ /libclrjit/) return "JIT"
  if (dso ~ /libcoreclr|libclrgc|libSystem\.Native|libhostpolicy|libhostfxr/) return "runtime (libcoreclr: GC, type system, interop; no symbols)"
  if (dso ~ /kernel|vdso/) return "kernel (syscalls, network, scheduling)"
  if (dso ~ /libc\.so|ld-linux|libpthread|libm\.so|libstdc|libgcc/) return "libc (malloc, memset, locks)"
  if (dso ~ /libpq|libssl|libcrypto/) return "OpenSSL"
  return "other native code"
}
/^ +[0-9.]+%/ {
  pct = $1; sub(/%/, "", pct)
  marker = index($0, "[.] ")
  if (marker == 0) marker = index($0, "[k] ")
  sym = marker > 0 ? substr($0, marker + 4) : ""
  if ($2 == "[JIT]") {
    if (sym ~ /^stub /) name = "runtime stubs (write barriers, casts, dispatch)"
    else if (match(sym, /\[[A-Za-z0-9_.]+\]/)) name = managed(substr(sym, RSTART + 1, RLENGTH - 2), sym)
    else name = "other managed code"
  } else {
    name = native($2, sym)
  }
  share[name] += pct
}
END {
  for (l in share) printf "%s\t%.1f\n", l, share[l]
}
