// The Volley dashboard page: no framework, no build step. It keeps the records the server
// sends over /events (upserted by key, see src/dashboard/wire.ts) and redraws from them.
/* global document, window, EventSource, requestAnimationFrame, setTimeout */

/** How calls are drawn: CSS class → legend label. */
const LOOKS = {
  ok: "Succeeded",
  error: "Failed",
  timeout: "Timed out",
  cancelled: "Cancelled",
  rejected: "Rejected",
  invalid: "Invalid call",
  running: "Running",
  waiting: "Waiting",
};

/** @param {{status: string, kind: string | null}} call */
function lookOf({ status, kind }) {
  if (status === "ok") return "ok";
  if (status === "running") return "running";
  if (status === "queued" || status === "retrying") return "waiting";
  switch (kind) {
    case "timeout":
      return "timeout";
    case "deadline":
    case "cancelled":
      return "cancelled";
    case "rejected":
      return "rejected";
    case "invalid_call":
    case "unknown_tool":
    case "invalid_args":
      return "invalid";
    default:
      return "error"; // tool_error, crashed
  }
}

/** What a call that never started shows in its row, by error kind. */
const NEVER_STARTED = {
  unknown_tool: "Unknown tool",
  invalid_args: "Invalid arguments",
  invalid_call: "Invalid call",
  rejected: "Rejected",
  cancelled: "Cancelled before it started",
  deadline: "Deadline passed before it started",
};

/**
 * Where the stream is: no snapshot yet, live, or dropped and coming back. Until a snapshot
 * arrives the page cannot tell an idle executor from one it has not heard of, so empty panels
 * say "Connecting…" rather than "No tools registered".
 */
let phase = "connecting";
const PENDING = { connecting: "Connecting…", reconnecting: "Reconnecting…" };

const state = {
  /** Newest last. `drawn` caches a finished batch's element. */
  batches: new Map(),
  totals: null,
  tools: [],
  inFlight: { count: 0, calls: [] },
  incidents: [],
  lastSeq: 0,
  limits: { batches: 20, incidents: 50 },
  /** The server's clock minus ours, so running calls tick in server time. */
  skew: 0,
  /** Set once a call names the worker that ran it (a cluster's dashboard): the worker column. */
  workers: false,
};

function apply(update) {
  if (update.reset) {
    state.batches.clear();
    state.incidents = [];
    state.lastSeq = 0;
    state.workers = false;
  }
  state.skew = update.now - Date.now();
  Object.assign(state, {
    totals: update.totals,
    tools: update.tools,
    inFlight: update.inFlight,
    limits: update.limits,
  });
  for (const record of update.batches) {
    const known = state.batches.get(record.id);
    if (known && known.record.startedAt === record.startedAt) {
      known.record = record;
      known.version++;
    } else {
      state.batches.delete(record.id); // a resumed batch starts afresh
      state.batches.set(record.id, { record, calls: new Map(), version: 0, drawn: null });
    }
  }
  while (state.batches.size > state.limits.batches) {
    state.batches.delete(state.batches.keys().next().value);
  }
  for (const call of update.calls) {
    const batch = state.batches.get(call.batchId);
    if (!batch) continue; // its batch was dropped from the ring
    batch.calls.set(call.id, call);
    batch.version++;
    if (call.worker) state.workers = true;
  }
  if (update.inFlight.calls.some((c) => c.worker)) state.workers = true;
  for (const incident of update.incidents) {
    if (incident.seq > state.lastSeq) state.incidents.push(incident);
  }
  state.lastSeq = state.incidents.at(-1)?.seq ?? state.lastSeq;
  state.incidents = state.incidents.slice(-state.limits.incidents);
  scheduleRender();
}

// ---------------------------------------------------------------- helpers

/** Makes an element. Strings become text nodes, so nothing from the server is parsed as HTML. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === "style") Object.assign(el.style, value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, String(value));
  }
  el.append(...children.flat().filter((c) => c != null && c !== false));
  return el;
}

const $ = (id) => document.getElementById(id);

/** A panel's empty-state text, or the connection's state while there is no live data. */
function empty(tag, text) {
  const pending = PENDING[phase];
  return h(tag, { class: pending ? "empty pending" : "empty" }, pending ?? text);
}

/** Makes `nodes` the children of `parent`, leaving those already in place untouched. */
function setChildren(parent, nodes) {
  const keep = new Set(nodes);
  for (const child of [...parent.children]) if (!keep.has(child)) child.remove();
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] ?? null);
  });
}

const count = new Intl.NumberFormat();

function ms(value) {
  if (value == null) return "–";
  if (value === 0) return "0";
  // Each cut-off is where rounding would carry into the next unit ("1000 ms" reads as "1.00 s").
  if (value < 0.995) return `${value.toFixed(2)} ms`;
  if (value < 999.5) return `${Math.round(value)} ms`;
  if (value < 9_995) return `${(value / 1000).toFixed(2)} s`;
  if (value < 59_950) return `${(value / 1000).toFixed(1)} s`;
  const s = Math.round(value / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

function clock(epochMs) {
  return new Date(epochMs).toLocaleTimeString([], { hour12: false });
}

const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
function pct(part, whole) {
  return whole === 0 ? "–" : percent.format(part / whole);
}

/** A step of 1, 2 or 5 × 10ⁿ that cuts `span` into at most `most` parts. */
function niceStep(span, most) {
  const raw = span / most;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}

// ---------------------------------------------------------------- rendering

let renderQueued = false;
let tick = null;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  const now = Date.now() + state.skew;
  renderCards();
  renderTimeline(now);
  renderInFlight(now);
  renderTools();
  renderIncidents();
  // While something runs, keep the bars and the elapsed times moving (not while the stream is
  // down: the page cannot know whether those calls still run).
  const live = [...state.batches.values()].some((b) => b.record.endedAt === null);
  if (phase === "live" && (live || state.inFlight.count > 0) && tick === null) {
    tick = setTimeout(() => {
      tick = null;
      scheduleRender();
    }, 250);
  }
}

function card(label, value, sub, look) {
  return h(
    "div",
    { class: `card ${look ?? ""}` },
    h("div", { class: "label" }, label),
    h("div", { class: "value" }, value == null ? "–" : count.format(value)),
    h("div", { class: "sub" }, sub),
  );
}

function renderCards() {
  const t = state.totals;
  if (!t) {
    // The same six cards, so the layout does not jump when the snapshot arrives.
    const labels = ["Running", "Queued", "Succeeded", "Failed", "Retries", "Timeouts"];
    const looks = ["running", "waiting", "ok", "error", "retry", "timeout"];
    $("cards").replaceChildren(...labels.map((l, i) => card(l, null, "\u00a0", looks[i])));
    return;
  }
  document.title = t.running ? `(${t.running} running) Volley dashboard` : "Volley dashboard";
  $("cards").replaceChildren(
    card(
      "Running",
      t.running,
      `${count.format(t.batches)} batch${t.batches === 1 ? "" : "es"} open`,
      "running",
    ),
    card("Queued", t.queued, `${count.format(t.retrying)} waiting to retry`, "waiting"),
    card("Succeeded", t.ok, `${pct(t.ok, t.finished)} of ${count.format(t.finished)}`, "ok"),
    card(
      "Failed",
      t.failed,
      `${pct(t.failed, t.finished)} of ${count.format(t.finished)}`,
      "error",
    ),
    card("Retries", t.retries, "failed attempts retried", "retry"),
    card("Timeouts", t.timeouts, `${count.format(t.abandoned)} abandoned`, "timeout"),
  );
}

function renderLegend() {
  $("legend").replaceChildren(
    ...Object.entries(LOOKS).map(([look, label]) =>
      h("li", {}, h("span", { class: `swatch ${look}` }), label),
    ),
    h(
      "li",
      {},
      h("span", { class: "swatch tried" }),
      h("span", { class: "swatch tick" }),
      "Retried attempt",
    ),
  );
}

function renderTimeline(now) {
  const batches = [...state.batches.values()].reverse();
  const sub = $("timeline-sub");
  if (batches.length === 0) {
    sub.textContent = "";
    $("timeline").replaceChildren(
      empty("p", "No batches yet. They appear here as soon as one starts."),
    );
    return;
  }
  // One scale for every batch, from each batch's start, so bars compare across batches.
  const span = Math.max(1, ...batches.map((b) => (b.record.endedAt ?? now) - b.record.startedAt));
  // About one tick per 80 px of track (measured on the last drawing; the first guesses).
  const track = document.querySelector("#timeline .axis .track");
  const width = track?.clientWidth ?? $("timeline").clientWidth * 0.6;
  const step = niceStep(span, Math.max(2, Math.min(6, Math.floor(width / 80))));
  const x = (t) => `${(100 * t) / span}%`;
  const ticks = Array.from({ length: Math.floor(span / step) + 1 }, (_, i) => i * step);
  sub.textContent = `${batches.length} recent batch${batches.length === 1 ? "" : "es"}, newest first`;

  // A cluster's calls name the worker that ran them, in a column of their own.
  $("timeline").classList.toggle("workers", state.workers);
  const axis = h(
    "div",
    { class: "row axis" },
    h("div", { class: "label" }),
    state.workers ? h("div", { class: "worker" }, "Worker") : null,
    h(
      "div",
      { class: "track" },
      ticks.map((t) =>
        h("span", { class: t > 0.92 * span ? "tick end" : "tick", style: { left: x(t) } }, ms(t)),
      ),
    ),
    h("div", { class: "dur" }),
  );
  const grid = { backgroundSize: `${(100 * step) / span}% 100%` };

  const blocks = batches.map((batch) => {
    // A finished batch is redrawn only when it or the scale changes, so its tooltips stay put.
    const key = `${batch.version}/${span}/${step}/${state.workers}`;
    if (batch.record.endedAt !== null && batch.drawn?.key === key) return batch.drawn.node;
    const node = batchBlock(batch, now, x, grid, span);
    batch.drawn = { key, node };
    return node;
  });
  setChildren($("timeline"), [axis, ...blocks]);
}

function batchBlock({ record: b, calls }, now, x, grid, span) {
  const running = b.endedAt === null;
  const head = h(
    "div",
    { class: "batch-head" },
    h("span", { class: "batch-id", title: b.id }, b.id.slice(0, 8)),
    h(
      "span",
      { class: `chip ${running ? "running" : b.failed ? "error" : "ok"}` },
      running ? "running" : b.failed ? `${b.failed} failed` : "all ok",
    ),
    h(
      "span",
      { class: "muted" },
      `${count.format(b.size)} call${b.size === 1 ? "" : "s"} · ` +
        `${ms((b.endedAt ?? now) - b.startedAt)} · started ${clock(b.startedAt)}`,
    ),
  );
  const rows = [...calls.values()]
    .sort((a, b) => a.index - b.index)
    .map((call) => callRow(call, b.startedAt, now, x, grid, span));
  const more = b.hidden
    ? h("p", { class: "more" }, `+ ${count.format(b.hidden)} more calls, counted but not drawn`)
    : null;
  return h("div", { class: "batch" }, head, rows, more);
}

function callRow(call, origin, now, x, grid, scale) {
  const look = lookOf(call);
  const end = call.endedAt ?? now;
  const first = call.startedAt;
  const title = [
    `${call.id} · ${call.tool}`,
    call.status === "ok" || call.status === "error" ? LOOKS[look] : call.status,
    call.kind && call.status !== "ok" ? `${call.kind}: ${call.message ?? ""}` : null,
    `${call.attempts} attempt${call.attempts === 1 ? "" : "s"}`,
    first != null ? ms(end - first) : "never started",
    call.worker ? `worker ${call.worker}` : null,
  ]
    .filter(Boolean)
    .join("\n");
  // A cluster's batch starts when its first call is seen: another may have been sent a little
  // before, so nothing is drawn left of the batch's start.
  const span = (from, to) => {
    const start = Math.max(from, origin);
    return { left: x(start - origin), width: x(Math.max(0, to - start)) };
  };
  const wait = (from, to) =>
    from < to ? h("div", { class: "wait", style: span(from, to) }) : null;

  // Waiting (dotted), each retried attempt (faded, with a tick where it failed), the last attempt.
  const parts = [];
  let since = call.queuedAt;
  for (const tried of call.retried) {
    if (since != null) parts.push(wait(since, tried.startedAt));
    parts.push(
      h("div", {
        class: `bar tried ${lookOf({ status: "error", kind: tried.kind })}`,
        style: span(tried.startedAt, tried.endedAt),
        title: `attempt failed: ${tried.kind}`,
      }),
      h("div", { class: "retry-tick", style: { left: x(tried.endedAt - origin) } }),
    );
    since = tried.endedAt;
  }
  const last = call.status === "retrying" ? null : (call.attemptStartedAt ?? first);
  if (since != null) parts.push(wait(since, last ?? end));
  if (last != null) parts.push(h("div", { class: `bar ${look}`, style: span(last, end), title }));
  else if (call.endedAt != null) {
    // It never ran, so it has no bar to speak of: say why in words, where it ended, on the side
    // of that point that has room.
    const at = (end - origin) / scale;
    parts.push(
      h(
        "span",
        {
          class: `badge ${look}`,
          style: at <= 0.5 ? { left: x(end - origin) } : { right: `${100 * (1 - at)}%` },
          title,
        },
        NEVER_STARTED[call.kind] ?? call.kind ?? "Never started",
      ),
    );
  }

  return h(
    "div",
    { class: "row call", "data-call-id": call.id, "data-status": call.status, "data-look": look },
    h(
      "div",
      { class: "label", title },
      h("span", { class: "id" }, call.id),
      h("span", { class: "tool" }, call.tool),
    ),
    state.workers
      ? h(
          "div",
          { class: "worker", title: call.worker ? `worker ${call.worker}` : "no worker yet" },
          call.worker ?? "–",
        )
      : null,
    h("div", { class: "track", style: grid }, parts),
    h(
      "div",
      { class: `dur ${look}` },
      call.attempts > 1 ? h("span", { class: "attempts" }, `×${call.attempts}`) : null,
      first != null ? ms(end - first) : "–",
    ),
  );
}

function renderInFlight(now) {
  const { count: n, calls } = state.inFlight;
  const t = state.totals;
  $("inflight-sub").textContent = t
    ? [
        `${count.format(n)} running`,
        `${count.format(t.queued)} queued`,
        // Attempts that outlived their limit and ignore their abort signal: leaks, made visible.
        t.detached ? `${count.format(t.detached)} past their limit, still running` : null,
      ]
        .filter(Boolean)
        .join(" · ")
    : "";
  if (n === 0) {
    $("inflight").replaceChildren(empty("p", "Nothing running right now."));
    return;
  }
  const rows = calls.map((c) =>
    h(
      "div",
      { class: "flight" },
      h("span", { class: "pulse" }),
      h("span", { class: "tool" }, c.tool),
      h("span", { class: "id", title: `batch ${c.batchId}` }, c.id),
      c.worker ? h("span", { class: "worker", title: `worker ${c.worker}` }, c.worker) : null,
      c.attempt > 1 ? h("span", { class: "chip retry" }, `attempt ${c.attempt}`) : null,
      c.progress ? progressOf(c.progress, now) : null,
      h("span", { class: "elapsed" }, ms(Math.max(0, now - c.startedAt))),
    ),
  );
  const more =
    n > calls.length ? h("p", { class: "more" }, `+ ${count.format(n - calls.length)} more`) : null;
  $("inflight").replaceChildren(...rows, more ?? "");
}

/** A running attempt's last progress report: "3/10 · parsing", and how long ago it came. */
function progressOf(p, now) {
  const done =
    p.progress == null
      ? null
      : p.total == null
        ? count.format(p.progress)
        : `${count.format(p.progress)}/${count.format(p.total)}`;
  const text = [done, p.message].filter((x) => x != null && x !== "").join(" · ");
  return h(
    "span",
    { class: "progress", title: `last progress ${ms(Math.max(0, now - p.at))} ago` },
    text || "progress",
  );
}

/** The row that counts calls to names no tool has (the server's and volley/metrics' label). */
const UNKNOWN_TOOL = "(unknown)";

function renderTools() {
  const head = ["Tool", "Calls", "Running", "p50", "p95", "Max", "Errors", "Retries", "Timeouts"];
  const rows = state.tools.map((t) =>
    h(
      "tr",
      {},
      h(
        "th",
        t.tool === UNKNOWN_TOOL
          ? { scope: "row", class: "unknown", title: "Calls naming a tool the executor lacks" }
          : { scope: "row" },
        t.tool,
      ),
      h("td", {}, count.format(t.calls)),
      h("td", { class: t.running ? "live" : "" }, count.format(t.running)),
      h("td", {}, ms(t.p50)),
      h("td", {}, ms(t.p95)),
      h("td", {}, ms(t.max)),
      h(
        "td",
        { class: "rate", title: `${t.failed} of ${t.calls} failed` },
        h("span", { class: "meter" }, h("span", { style: { width: `${100 * t.errorRate}%` } })),
        pct(t.failed, t.calls),
      ),
      h("td", { class: t.retries ? "warn" : "" }, count.format(t.retries)),
      h(
        "td",
        { class: t.timeouts ? "warn" : "", title: `${t.abandoned} abandoned` },
        count.format(t.timeouts),
      ),
    ),
  );
  $("tools").replaceChildren(
    rows.length === 0
      ? empty("p", "No tools registered.")
      : h(
          "table",
          {},
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              head.map((name) => h("th", { scope: "col" }, name)),
            ),
          ),
          h("tbody", {}, rows),
        ),
  );
}

const INCIDENT_LABELS = { retry: "Retry", timeout: "Timeout", abandoned: "Abandoned" };

function renderIncidents() {
  const list = [...state.incidents].reverse();
  $("incidents-sub").textContent = list.length ? `last ${list.length}` : "";
  if (list.length === 0) {
    $("incidents").replaceChildren(empty("li", "No retries or timeouts so far."));
    return;
  }
  $("incidents").replaceChildren(
    ...list.map((i) =>
      h(
        "li",
        { class: "incident" },
        h("span", { class: `chip ${i.type}` }, INCIDENT_LABELS[i.type]),
        h(
          "div",
          { class: "head", title: `${i.callId} · ${i.tool}` },
          h("span", { class: "id" }, i.callId),
          ` ${i.tool}`,
        ),
        h("time", { class: "muted" }, clock(i.at)),
        h("div", { class: "message", title: i.message }, i.message),
        h("span", { class: "attempt muted" }, `attempt ${i.attempt}`),
      ),
    ),
  );
}

// ---------------------------------------------------------------- the stream

function setPhase(next, connection, text) {
  phase = next;
  $("main").dataset.phase = next;
  $("conn").dataset.state = connection;
  $("conn-text").textContent = text;
  scheduleRender();
}

function connect() {
  const events = new EventSource("events");
  events.addEventListener("error", () => {
    const next = phase === "connecting" ? "connecting" : "reconnecting";
    // EventSource retries by itself after a network error, but gives up on an HTTP error (a
    // restarted server with a new token, say): then start over, less eagerly.
    if (events.readyState === EventSource.CLOSED) {
      setPhase(next, "down", "Disconnected · retrying");
      setTimeout(connect, 5_000);
    } else setPhase(next, "down", "Reconnecting…");
  });
  // Live once the snapshot is in, not when the socket opens: until then there is nothing to show.
  events.addEventListener("snapshot", (e) => {
    apply(JSON.parse(e.data));
    setPhase("live", "live", "Live");
  });
  events.addEventListener("update", (e) => apply(JSON.parse(e.data)));
}

renderLegend();
render();
connect();
window.addEventListener("resize", scheduleRender);
