// The coverage dashboard (docs/dashboard.md). Every figure comes from the service's own OData API, with the
// signed-in user's token, through the URLs, $filter, $apply and paging any client uses; nothing here is private.
// Percentages are computed here from the counts the API returns, never divided in SQL (a tenant of 0 users is "—").
"use strict";

(() => {
  const settings = JSON.parse(document.getElementById("dashboard-settings").textContent);
  const api = settings.apiRoot;
  const summaries = `${api}/credentialUserRegistrationsSummaries`;
  const snapshots = `${api}/credentialUserRegistrationsSummarySnapshots`;
  const statuses = `${api}/tenantCollectionStatuses`;
  const tokenKey = "credentialSummaries.dashboard.token";
  const pageSize = 50;
  const sparkMonths = 12;
  const drillMonths = 13;
  const fetchers = 4;

  const $ = (id) => document.getElementById(id);
  const state = {
    rows: [],
    sort: { column: "name", direction: "ascending" },
    page: 0,
    trends: new Map(),
    signedIn: null,
    msal: null,
    opener: null,
  };

  // ---- Messages -------------------------------------------------------------------------------------------------

  function show(element, visible) { element.hidden = !visible; }

  function say(text, kind = "error") {
    const box = $("message");
    box.textContent = text;
    box.dataset.kind = kind;
    box.className = `message ${kind}`;
    show(box, text.length > 0);
  }

  class SignInNeeded extends Error {}

  class ServiceError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // ---- Tokens ---------------------------------------------------------------------------------------------------

  function claimsOf(token) {
    const parts = token.split(".");
    if (parts.length !== 3) {
      throw new SignInNeeded("That is not a token: a JWT has three parts separated by dots. Paste the whole output of dotnet user-jwts create … --output token.");
    }
    try {
      const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(parts[1].length / 4) * 4, "="));
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    } catch {
      throw new SignInNeeded("That token's payload is not readable JSON. Paste the whole output of dotnet user-jwts create … --output token.");
    }
  }

  function checkDevelopmentToken(token) {
    const claims = claimsOf(token);
    if (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now()) {
      throw new SignInNeeded(`This development token expired at ${utc(new Date(claims.exp * 1000))}. Make a new one with dotnet user-jwts create and paste it below.`);
    }
    return claims;
  }

  async function accessToken() {
    if (settings.signIn === "developmentToken") {
      const token = sessionStorage.getItem(tokenKey);
      if (!token) {
        throw new SignInNeeded("You are not signed in: paste a development token to see your managed tenants.");
      }
      checkDevelopmentToken(token);
      return token;
    }

    const scopes = settings.entraId.scopes;
    const account = state.msal.getActiveAccount();
    if (!account) {
      throw new SignInNeeded("You are not signed in: sign in with your work account to see your managed tenants.");
    }
    try {
      return (await state.msal.acquireTokenSilent({ scopes, account })).accessToken;
    } catch (error) {
      if (error instanceof msal.InteractionRequiredAuthError) {
        await state.msal.acquireTokenRedirect({ scopes, account });
      }
      throw error;
    }
  }

  // ---- The API --------------------------------------------------------------------------------------------------

  /** How often a throttled (429) or unavailable (503) call is tried again, waiting what Retry-After says, as Graph's SDKs do. */
  const retries = 5;
  const longestWait = 30;

  async function get(url) {
    for (let attempt = 0; ; attempt++) {
      const token = await accessToken();
      let response;
      try {
        response = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } });
      } catch (error) {
        throw new ServiceError(0, "network", `The service did not answer (${error.message}). Is it running?`);
      }
      if ((response.status === 429 || response.status === 503) && attempt < retries) {
        const seconds = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
        const wait = Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, longestWait) : 2 ** attempt;
        $("loading").textContent = `The service asked the page to slow down; retrying in ${wait} s…`;
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        continue;
      }
      return answer(response);
    }
  }

  async function answer(response) {
    const body = await response.json().catch(() => null);
    if (response.ok) {
      return body;
    }
    const code = body?.error?.code ?? `HTTP ${response.status}`;
    const message = body?.error?.message ?? response.statusText;
    if (response.status === 401) {
      if (settings.signIn === "developmentToken") {
        sessionStorage.removeItem(tokenKey);
      }
      throw new SignInNeeded(`The service refused the token (401 ${code}): ${message} Sign in again.`);
    }
    throw new ServiceError(response.status, code, `The service answered ${response.status} ${code}: ${message}`);
  }

  /** Every row of a list, following each @odata.nextLink to the end. */
  async function all(url) {
    const rows = [];
    for (let next = url; next;) {
      const page = await get(next);
      rows.push(...page.value);
      next = page["@odata.nextLink"] ?? null;
    }
    return rows;
  }

  /** Runs the work items at most `width` at a time, in order of the items. */
  async function limited(items, width, work) {
    const results = new Array(items.length);
    let next = 0;
    const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    });
    await Promise.all(lanes);
    return results;
  }

  const query = (path, options) => `${path}?${Object.entries(options).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}`;
  const literal = (text) => `'${String(text).replace(/'/g, "''")}'`;

  // ---- Months and numbers ---------------------------------------------------------------------------------------

  function monthOf(date) { return date.toISOString().slice(0, 7); }

  function monthsBack(count) {
    const now = new Date();
    const months = [];
    for (let back = count - 1; back >= 0; back--) {
      months.push(monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1))));
    }
    return months;
  }

  const share = (count, total) => (total > 0 ? (100 * count) / total : null);
  const percent = (value) => (value === null ? "—" : `${value.toFixed(1)}%`);
  const plain = (value) => (value === null ? "" : value.toFixed(1));
  const users = (value) => value.toLocaleString("en-US");

  function utc(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
  }

  const caLabels = { enabled: "Enabled", reportOnly: "Report-only", disabled: "Disabled" };
  const caRank = { disabled: 0, reportOnly: 1, enabled: 2 };

  function collectionLabel(status) {
    if (!status) return "—";
    if (status.lastOutcome === "collected") return "Collected";
    if (status.lastOutcome === "skipped") return status.lastErrorCode ? `Skipped (${status.lastErrorCode})` : "Skipped";
    if (status.lastOutcome === "running") return "Running";
    return status.lastOutcome;
  }

  function changeLabel(change) {
    if (change === null) return "—";
    return `${change > 0 ? "+" : ""}${change.toFixed(1)} pts`;
  }

  // ---- Loading --------------------------------------------------------------------------------------------------

  async function loadHeadline() {
    const [totals] = (await get(query(summaries, {
      $apply: "aggregate($count as tenants,totalUserCount with sum as users,mfaRegisteredUserCount with sum as mfaRegistered,"
        + "ssprRegisteredUserCount with sum as ssprRegistered,mfaAndSsprCapableUserCount with sum as capable)",
    }))).value;
    const unprotected = (await get(query(summaries, {
      $apply: "filter(securityDefaultsEnabled eq false and (mfaConditionalAccessPolicyState eq null or mfaConditionalAccessPolicyState ne 'enabled'))/aggregate($count as tenants)",
    }))).value[0];
    const figures = {
      tenants: users(totals?.tenants ?? 0),
      users: users(totals?.users ?? 0),
      mfaRegistered: percent(share(totals?.mfaRegistered ?? 0, totals?.users ?? 0)),
      ssprRegistered: percent(share(totals?.ssprRegistered ?? 0, totals?.users ?? 0)),
      capable: percent(share(totals?.capable ?? 0, totals?.users ?? 0)),
      unprotected: users(unprotected?.tenants ?? 0),
    };
    for (const [name, value] of Object.entries(figures)) {
      document.querySelector(`[data-figure="${name}"]`).textContent = value;
    }
    show($("headline"), true);
  }

  /**
   * The rows from `from` up to `count` of an ordered list, by pages of $top/$skip, at most `fetchers` at a time; a page
   * the service splits is followed by its nextLink. The options must order the rows, so that pages neither overlap nor miss.
   */
  async function skipPaged(path, options, size, count, from) {
    const skips = [];
    for (let skip = from; skip < count; skip += size) skips.push(skip);
    const pages = await limited(skips, fetchers, (skip) => all(query(path, { ...options, $top: String(size), $skip: String(skip) })));
    return [].concat(...pages);
  }

  const summaryOptions = {
    $select: "id,tenantId,tenantDisplayName,totalUserCount,mfaRegisteredUserCount,ssprRegisteredUserCount,"
      + "mfaAndSsprCapableUserCount,securityDefaultsEnabled,mfaConditionalAccessPolicyState,lastRefreshedDateTime",
    $orderby: "id",
  };

  /**
   * Every row of an ordered list: the first page says how many there are ($count=true) and the service's page size;
   * the rest come in parallel pages of $skip.
   */
  async function everyRow(path, options) {
    const first = await get(query(path, { ...options, $count: "true" }));
    if (!first["@odata.nextLink"]) {
      return first.value;
    }
    return first.value.concat(await skipPaged(path, options, first.value.length, first["@odata.count"], first.value.length));
  }

  /** The owner's summaries. */
  async function loadSummaries() {
    return everyRow(summaries, summaryOptions);
  }

  async function loadStatuses() {
    return all(query(statuses, { $select: "tenantId,lastOutcome,lastErrorCode,lastCompletedDateTime" }));
  }

  /** Each tenant's MFA share of its latest refresh in an earlier month, from this month's snapshots. */
  async function loadPreviousShares() {
    const [thisMonth] = monthsBack(1);
    return everyRow(snapshots, {
      $apply: `filter(month eq ${literal(thisMonth)})/groupby((tenantId),aggregate(previousMonthMfaRegisteredShare with max as previousShare))`,
      $orderby: "tenantId",
    });
  }

  function toRow(summary, status, previousShare) {
    const total = summary.totalUserCount ?? 0;
    const mfa = share(summary.mfaRegisteredUserCount ?? 0, total);
    const refreshed = summary.lastRefreshedDateTime ? new Date(summary.lastRefreshedDateTime) : null;
    const thisMonth = refreshed !== null && monthOf(refreshed) === monthsBack(1)[0];
    // The change in points is what the cell shows, rounded as shown, so "dropped" and the cell always agree.
    const change = thisMonth && mfa !== null && previousShare !== null && previousShare !== undefined
      ? Math.round((mfa - 100 * previousShare) * 10) / 10
      : null;
    return {
      id: summary.id,
      tenantId: summary.tenantId,
      name: summary.tenantDisplayName ?? "",
      users: total,
      mfa,
      sspr: share(summary.ssprRegisteredUserCount ?? 0, total),
      capable: share(summary.mfaAndSsprCapableUserCount ?? 0, total),
      securityDefaults: summary.securityDefaultsEnabled === true,
      ca: summary.mfaConditionalAccessPolicyState ?? null,
      refreshed,
      stale: refreshed === null || Date.now() - refreshed.getTime() > settings.staleAfterHours * 3600 * 1000,
      collection: collectionLabel(status),
      outcome: status?.lastOutcome ?? null,
      change,
      dropped: change !== null && change < 0,
    };
  }

  async function load() {
    say("");
    $("loading").textContent = "Loading the portfolio…";
    show($("loading"), true);
    try {
      const headline = loadHeadline();
      const [rows, statusRows, previous] = await Promise.all([loadSummaries(), loadStatuses(), loadPreviousShares()]);
      const byTenant = new Map(statusRows.map((s) => [s.tenantId, s]));
      const previousByTenant = new Map(previous.map((p) => [p.tenantId, p.previousShare]));
      state.rows = rows.map((s) => toRow(s, byTenant.get(s.tenantId), previousByTenant.get(s.tenantId) ?? null));
      state.trends.clear();
      state.page = 0;
      await headline;
      renderDropped();
      show($("tenants"), true);
      show($("sign-in"), false);
      render();
      document.body.dataset.state = "loaded";
    } catch (error) {
      fail(error);
    } finally {
      show($("loading"), false);
    }
  }

  function fail(error) {
    if (error instanceof SignInNeeded) {
      for (const id of ["headline", "dropped", "tenants"]) show($(id), false);
      askToSignIn(error.message);
      return;
    }
    say(error instanceof ServiceError ? error.message : `Something went wrong in the page: ${error.message}`);
    document.body.dataset.state = "failed";
  }

  // ---- The table ------------------------------------------------------------------------------------------------

  const compareText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

  const sortKeys = {
    name: (r) => r.name.toLowerCase(),
    users: (r) => r.users,
    mfa: (r) => r.mfa,
    sspr: (r) => r.sspr,
    capable: (r) => r.capable,
    securityDefaults: (r) => (r.securityDefaults ? 1 : 0),
    ca: (r) => (r.ca === null ? null : caRank[r.ca] ?? -1),
    refreshed: (r) => (r.refreshed === null ? null : r.refreshed.getTime()),
    collection: (r) => (r.collection === "—" ? null : r.collection),
    trend: (r) => r.change,
  };

  /** The rows the filters keep, in the chosen order; a missing value sorts last either way, ties by name then id. */
  function visibleRows() {
    const name = $("name-filter").value.trim().toLowerCase();
    const weak = $("weak-filter").checked;
    const dropped = $("dropped-filter").checked;
    const rows = state.rows.filter((r) => (name === "" || r.name.toLowerCase().includes(name))
      && (!weak || (r.mfa !== null && r.mfa < settings.weakBelowPercent))
      && (!dropped || r.dropped));
    const key = sortKeys[state.sort.column];
    const sign = state.sort.direction === "ascending" ? 1 : -1;
    return rows.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (x !== y) {
        if (x === null) return 1;
        if (y === null) return -1;
        const order = typeof x === "string" ? compareText(x, y) : x - y;
        if (order !== 0) return sign * order;
      }
      return compareText(a.name.toLowerCase(), b.name.toLowerCase()) || compareText(a.name, b.name) || compareText(a.tenantId, b.tenantId);
    });
  }

  function cell(row, className, content) {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (content instanceof Node) td.append(content); else td.textContent = content;
    row.append(td);
    return td;
  }

  function render() {
    const rows = visibleRows();
    const pages = Math.max(1, Math.ceil(rows.length / pageSize));
    state.page = Math.min(state.page, pages - 1);
    const shown = rows.slice(state.page * pageSize, (state.page + 1) * pageSize);
    const body = document.querySelector("#tenant-table tbody");
    body.replaceChildren();
    for (const r of shown) {
      const tr = document.createElement("tr");
      tr.dataset.tenantId = r.tenantId;
      const open = document.createElement("button");
      open.type = "button";
      open.textContent = r.name;
      open.setAttribute("aria-label", `${r.name}: open the last ${drillMonths} months`);
      open.addEventListener("click", () => drillDown(r, open));
      cell(tr, "name", open).dataset.column = "name";
      cell(tr, "number", users(r.users)).dataset.column = "users";
      for (const column of ["mfa", "sspr", "capable"]) {
        const td = cell(tr, "number", percent(r[column]));
        td.dataset.column = column;
        if (column === "mfa" && r.mfa !== null && r.mfa < settings.weakBelowPercent) td.classList.add("weak");
      }
      cell(tr, "", r.securityDefaults ? "On" : "Off").dataset.column = "securityDefaults";
      cell(tr, "", r.ca === null ? "—" : caLabels[r.ca] ?? r.ca).dataset.column = "ca";
      const refreshed = cell(tr, "", "");
      refreshed.dataset.column = "refreshed";
      if (r.refreshed === null) {
        refreshed.textContent = "—";
      } else {
        const time = document.createElement("time");
        time.dateTime = r.refreshed.toISOString();
        time.textContent = utc(r.refreshed);
        refreshed.append(time);
      }
      if (r.stale) {
        const badge = document.createElement("span");
        badge.className = "badge stale";
        badge.textContent = "Stale";
        badge.title = `Not refreshed in the last ${settings.staleAfterHours} hours`;
        refreshed.append(badge);
      }
      const collection = cell(tr, r.outcome ? `outcome-${r.outcome}` : "", r.collection);
      collection.dataset.column = "collection";
      const trend = cell(tr, "trend", "");
      trend.dataset.column = "trend";
      const change = document.createElement("span");
      change.className = `change${r.change === null ? "" : r.change < 0 ? " change-down" : r.change > 0 ? " change-up" : ""}`;
      change.textContent = changeLabel(r.change);
      trend.append(change);
      body.append(tr);
    }

    for (const th of document.querySelectorAll("#tenant-table th[data-column]")) {
      if (th.dataset.column === state.sort.column) th.setAttribute("aria-sort", state.sort.direction); else th.removeAttribute("aria-sort");
    }
    const first = rows.length === 0 ? 0 : state.page * pageSize + 1;
    const last = state.page * pageSize + shown.length;
    $("page-label").textContent = `Rows ${users(first)}–${users(last)} of ${users(rows.length)}`;
    $("previous-page").disabled = state.page === 0;
    $("next-page").disabled = state.page >= pages - 1;
    $("table-status").textContent = rows.length === state.rows.length
      ? `${users(rows.length)} tenants.`
      : `${users(rows.length)} of ${users(state.rows.length)} tenants match the filters.`;
    drawTrends(shown);
  }

  function renderDropped() {
    const dropped = state.rows.filter((r) => r.dropped).sort((a, b) => a.change - b.change || compareText(a.name, b.name));
    const list = $("dropped-list");
    list.replaceChildren(...dropped.map((r) => {
      const li = document.createElement("li");
      li.dataset.tenantId = r.tenantId;
      li.textContent = `${r.name}: ${percent(r.mfa)} MFA registered (${changeLabel(r.change)})`;
      return li;
    }));
    $("dropped-summary").textContent = dropped.length === 0
      ? "No tenant's MFA-registered share fell since its last refresh of an earlier month."
      : `${dropped.length} tenant${dropped.length === 1 ? "" : "s"} registered a smaller share of users for MFA than at their last refresh of an earlier month.`;
    show($("dropped"), true);
  }

  // ---- Trends ---------------------------------------------------------------------------------------------------

  /** The monthly points of some tenants: each month's summed counts over its summed users, from the history. */
  async function monthly(tenantIds, months) {
    const filter = tenantIds.length === 1
      ? `tenantId eq ${literal(tenantIds[0])}`
      : `tenantId in (${tenantIds.map(literal).join(",")})`;
    return everyRow(snapshots, {
      $apply: `filter(${filter} and month ge ${literal(months[0])})/groupby((tenantId,month),aggregate(`
        + "mfaRegisteredUserCount with sum as mfaRegistered,ssprRegisteredUserCount with sum as ssprRegistered,"
        + "mfaAndSsprCapableUserCount with sum as capable,totalUserCount with sum as users))",
      $orderby: "tenantId,month",
    });
  }

  async function drawTrends(rows) {
    const months = monthsBack(sparkMonths);
    const missing = rows.filter((r) => !state.trends.has(r.tenantId)).map((r) => r.tenantId);
    try {
      if (missing.length > 0) {
        const points = await monthly(missing, months);
        for (const id of missing) state.trends.set(id, new Map());
        for (const p of points) state.trends.get(p.tenantId)?.set(p.month, p);
      }
    } catch (error) {
      fail(error);
      return;
    }
    for (const r of rows) {
      const td = document.querySelector(`#tenant-table tr[data-tenant-id="${CSS.escape(r.tenantId)}"] td[data-column="trend"]`);
      if (!td || td.querySelector("svg")) continue;
      const series = months.map((m) => {
        const p = state.trends.get(r.tenantId)?.get(m);
        return p ? share(p.mfaRegistered, p.users) : null;
      });
      td.prepend(sparkline(series, `${r.name}: MFA registered, ${months[0]} to ${months[months.length - 1]}`));
    }
  }

  const svgNs = "http://www.w3.org/2000/svg";

  function svg(name, attributes, parent) {
    const element = document.createElementNS(svgNs, name);
    for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, v);
    parent?.append(element);
    return element;
  }

  function sparkline(series, label) {
    const width = 96;
    const height = 24;
    const root = svg("svg", { class: "sparkline", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
    const known = series.filter((v) => v !== null);
    svg("title", {}, root).textContent = known.length === 0
      ? `${label}: no history`
      : `${label}: ${series.map((v) => (v === null ? "—" : `${v.toFixed(1)}%`)).join(", ")}`;
    root.dataset.points = series.map((v) => (v === null ? "" : v.toFixed(1))).join(",");
    const step = width / (series.length - 1);
    const points = series.map((v, i) => (v === null ? null : `${(i * step).toFixed(1)},${(height - 2 - (v / 100) * (height - 4)).toFixed(1)}`)).filter((p) => p !== null);
    if (points.length > 0) svg("polyline", { points: points.join(" ") }, root);
    return root;
  }

  // ---- Drill-down -----------------------------------------------------------------------------------------------

  async function drillDown(row, opener) {
    const dialog = $("drill-down");
    state.opener = opener;
    $("drill-down-title").textContent = `${row.name}: the last ${drillMonths} months`;
    $("drill-down-status").textContent = "Loading the history…";
    $("drill-down-chart").replaceChildren();
    const body = document.querySelector("#drill-down-table tbody");
    body.replaceChildren();
    dialog.dataset.tenantId = row.tenantId;
    delete dialog.dataset.state;
    dialog.showModal();
    try {
      const months = monthsBack(drillMonths);
      const points = new Map((await monthly([row.tenantId], months)).map((p) => [p.month, p]));
      const series = {
        mfa: months.map((m) => (points.has(m) ? share(points.get(m).mfaRegistered, points.get(m).users) : null)),
        sspr: months.map((m) => (points.has(m) ? share(points.get(m).ssprRegistered, points.get(m).users) : null)),
        capable: months.map((m) => (points.has(m) ? share(points.get(m).capable, points.get(m).users) : null)),
      };
      months.forEach((m, i) => {
        const tr = document.createElement("tr");
        tr.dataset.month = m;
        const th = document.createElement("th");
        th.scope = "row";
        th.textContent = m;
        tr.append(th);
        for (const key of ["mfa", "sspr", "capable"]) cell(tr, "number", percent(series[key][i])).dataset.column = key;
        body.append(tr);
      });
      $("drill-down-chart").append(chart(months, series, row.name));
      const withData = months.filter((m) => points.has(m)).length;
      $("drill-down-status").textContent = `${withData} of ${drillMonths} months have refreshes; a month without one is "—".`;
      dialog.dataset.state = "loaded";
    } catch (error) {
      dialog.close();
      fail(error);
    }
  }

  function chart(months, series, name) {
    const width = 720;
    const height = 260;
    const left = 40;
    const bottom = 28;
    const top = 10;
    const plotWidth = width - left - 32; // room for the last month's label, centred on the right edge
    const plotHeight = height - top - bottom;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${name}: MFA registered, SSPR registered and capable percentages per month; the table below has the figures` });
    for (const tick of [0, 25, 50, 75, 100]) {
      const y = top + plotHeight - (tick / 100) * plotHeight;
      svg("line", { class: "axis", x1: left, x2: left + plotWidth, y1: y, y2: y }, root);
      svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, root).textContent = `${tick}%`;
    }
    const step = plotWidth / (months.length - 1);
    months.forEach((m, i) => {
      if (i % 2 === 0 || i === months.length - 1) {
        svg("text", { x: left + i * step, y: height - 8, "text-anchor": "middle" }, root).textContent = m;
      }
    });
    const legend = document.createElement("div");
    legend.className = "legend";
    const names = { mfa: "MFA registered", sspr: "SSPR registered", capable: "MFA and SSPR capable" };
    for (const [key, values] of Object.entries(series)) {
      const xy = values.map((v, i) => (v === null ? null : [left + i * step, top + plotHeight - (v / 100) * plotHeight]));
      const line = xy.filter((p) => p !== null).map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`);
      if (line.length > 1) svg("polyline", { class: `series-${key}`, points: line.join(" ") }, root);
      for (const p of xy) if (p) svg("circle", { class: `series-${key}`, cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 3 }, root);
      const entry = document.createElement("span");
      entry.className = `series-${key}`;
      entry.textContent = names[key];
      legend.append(entry);
    }
    const figure = document.createElement("div");
    figure.append(legend, root);
    return figure;
  }

  // ---- CSV ------------------------------------------------------------------------------------------------------

  function csvField(value) {
    let text = String(value);
    // A spreadsheet runs a cell that starts with one of these as a formula; a leading ' keeps it text. A plain number
    // (a fall of -1.5 points) is no formula and stays a number.
    if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  function exportCsv() {
    const header = ["Tenant", "Tenant ID", "Users", "MFA %", "SSPR %", "Capable %", "Security defaults", "MFA CA policy",
      "Last refreshed", "Stale", "Last collection", "MFA change (pts)"];
    const lines = [header, ...visibleRows().map((r) => [
      r.name, r.tenantId, String(r.users), plain(r.mfa), plain(r.sspr), plain(r.capable), r.securityDefaults ? "On" : "Off",
      r.ca === null ? "" : caLabels[r.ca] ?? r.ca, r.refreshed === null ? "" : r.refreshed.toISOString(), r.stale ? "Yes" : "No",
      r.collection === "—" ? "" : r.collection, r.change === null ? "" : r.change.toFixed(1),
    ])].map((fields) => fields.map(csvField).join(","));
    const blob = new Blob(["\uFEFF", lines.join("\r\n"), "\r\n"], { type: "text/csv;charset=utf-8" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `coverage-${new Date().toISOString().slice(0, 10)}.csv`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }

  // ---- Signing in -----------------------------------------------------------------------------------------------

  function askToSignIn(reason) {
    show($("sign-in"), true);
    const development = settings.signIn === "developmentToken";
    show($("token-form"), development);
    show($("entra-sign-in"), !development);
    say(reason, "sign-in");
    showAccount(null);
    document.body.dataset.state = "signed-out";
    (development ? $("token-input") : $("entra-sign-in-button")).focus();
  }

  function showAccount(who) {
    const account = $("account");
    account.replaceChildren();
    if (!who) return;
    const name = document.createElement("span");
    name.textContent = who;
    const out = document.createElement("button");
    out.type = "button";
    out.id = "sign-out";
    out.textContent = "Sign out";
    out.addEventListener("click", signOut);
    account.append(name, out);
  }

  function signOut() {
    if (settings.signIn === "developmentToken") {
      sessionStorage.removeItem(tokenKey);
      state.rows = [];
      for (const id of ["headline", "dropped", "tenants"]) show($(id), false);
      askToSignIn("You signed out. Paste a development token to see your managed tenants again.");
      return;
    }
    state.msal.logoutRedirect({ account: state.msal.getActiveAccount(), postLogoutRedirectUri: `${location.origin}/dashboard` });
  }

  async function startDevelopment() {
    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token-input").value.trim().replace(/^Bearer\s+/i, "");
      try {
        const claims = checkDevelopmentToken(token);
        sessionStorage.setItem(tokenKey, token);
        $("token-input").value = "";
        showAccount(`Managing tenant ${claims.tid ?? "(no tid claim)"}`);
        load();
      } catch (error) {
        fail(error);
      }
    });
    const token = sessionStorage.getItem(tokenKey);
    if (!token) {
      askToSignIn("You are not signed in: paste a development token to see your managed tenants.");
      return;
    }
    try {
      showAccount(`Managing tenant ${checkDevelopmentToken(token).tid ?? "(no tid claim)"}`);
      await load();
    } catch (error) {
      fail(error);
    }
  }

  async function startEntraId() {
    if (typeof msal === "undefined") {
      say("The sign-in library (msal-browser.min.js) did not load, so the page cannot sign you in.");
      return;
    }
    const entra = settings.entraId;
    state.msal = new msal.PublicClientApplication({
      auth: { clientId: entra.clientId, authority: entra.authority, knownAuthorities: [entra.knownAuthority], redirectUri: `${location.origin}/dashboard` },
      cache: { cacheLocation: "sessionStorage" },
    });
    $("entra-sign-in-button").addEventListener("click", () => {
      state.msal.loginRedirect({ scopes: entra.scopes }).catch((error) => say(`Signing in failed: ${error.message}`));
    });
    try {
      await state.msal.initialize();
      const result = await state.msal.handleRedirectPromise();
      const account = result?.account ?? state.msal.getAllAccounts()[0] ?? null;
      if (!account) {
        askToSignIn("You are not signed in: sign in with your work account to see your managed tenants.");
        return;
      }
      state.msal.setActiveAccount(account);
      showAccount(account.username);
      await load();
    } catch (error) {
      say(`Signing in failed: ${error.message}`);
      show($("sign-in"), true);
      show($("entra-sign-in"), true);
    }
  }

  // ---- Wiring ---------------------------------------------------------------------------------------------------

  for (const th of document.querySelectorAll("#tenant-table th[data-column]")) {
    th.querySelector("button").addEventListener("click", () => {
      const column = th.dataset.column;
      state.sort = {
        column,
        direction: state.sort.column === column && state.sort.direction === "ascending" ? "descending" : "ascending",
      };
      state.page = 0;
      render();
    });
  }
  for (const id of ["name-filter", "weak-filter", "dropped-filter"]) {
    $(id).addEventListener("input", () => { state.page = 0; render(); });
  }
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("weak-label").textContent = `Weak only (MFA below ${settings.weakBelowPercent}%)`;
  $("previous-page").addEventListener("click", () => { state.page--; render(); });
  $("next-page").addEventListener("click", () => { state.page++; render(); });
  $("export-csv").addEventListener("click", exportCsv);
  $("drill-down-close").addEventListener("click", () => $("drill-down").close());
  $("drill-down").addEventListener("close", () => state.opener?.focus());

  (settings.signIn === "developmentToken" ? startDevelopment() : startEntraId()).catch(fail);
})();
