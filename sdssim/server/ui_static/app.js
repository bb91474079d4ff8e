// sdssim live dashboard: polls the /_sdssim control API; no libraries, no network beyond it.
"use strict";
(function () {
  const BASE = "/_sdssim";
  const POLL_MS = 1000;
  const TIMELINE_N = 60;
  const REQUESTS_N = 200;
  const MACHINE_ORDER = ["profile", "sync", "job", "schedule", "quarantine"];

  // the token the page was opened with (?token=T), kept for this tab only
  const params = new URLSearchParams(location.search);
  if (params.has("token")) {
    sessionStorage.setItem("sdssimToken", params.get("token"));
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
  }
  const token = sessionStorage.getItem("sdssimToken");

  const state = {
    since: 0,
    subjects: new Map(),   // subject -> {machines: Map(machine -> {state, path, taken})}
    records: [],           // the last TIMELINE_N events and errors
    labels: {},
    colors: {},
    families: {},
    selected: null,
    machine: null,
    clock: null,
    diagramKey: "",
    busy: false,
  };

  function headers(extra) {
    const h = Object.assign({}, extra || {});
    if (token) h["Authorization"] = "Bearer " + token;
    return h;
  }

  async function call(path, options) {
    const opts = Object.assign({}, options || {});
    opts.headers = headers(opts.headers);
    const response = await fetch(BASE + path, opts);
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function label(subject) {
    if (state.labels[subject]) return state.labels[subject];
    const [kind, id] = subject.split("/");
    return kind + " " + (id || "").split(".").slice(0, 2).join(".").slice(0, 14);
  }

  function textOn(fill) {
    const n = parseInt(fill.slice(1), 16);
    const y = (0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
    return y > 0.5 ? "#000" : "#fff";
  }

  function chip(machine, value, bare) {
    const fill = state.colors[value] || "#BBBBBB";
    const node = el("span", {class: "state", "data-machine": machine, "data-state": value,
                             title: (state.families[value] || "") + " state"},
                    bare ? null : el("span", {class: "m"}, machine), value);
    node.style.background = fill;
    node.style.color = textOn(fill);
    return node;
  }

  function shortTime(iso) {
    return iso ? iso.replace("T", " ").replace(/:00Z$|Z$/, "") : "—";
  }

  // ----------------------------------------------------------------------------- records
  function ingest(record) {
    if (record.type === "event") {
      let subject = state.subjects.get(record.subject);
      if (!subject) {
        subject = {machines: new Map()};
        state.subjects.set(record.subject, subject);
      }
      let m = subject.machines.get(record.machine);
      if (!m) { m = {state: null, path: [], taken: []}; subject.machines.set(record.machine, m); }
      if (record.from !== null && record.from !== undefined) {
        const key = record.from + ">" + (record.to === "deleted" ? "" : record.to);
        if (!m.taken.includes(key)) m.taken.push(key);
      }
      m.state = record.to;
      if (record.to && record.to !== "deleted" && !m.path.includes(record.to)) m.path.push(record.to);
    }
    if (record.type === "event" || record.type === "error") {
      state.records.push(record);
      if (state.records.length > TIMELINE_N) state.records.shift();
    }
    state.since = Math.max(state.since, record.seq);
  }

  async function pollEvents() {
    const text = await (await call("/events?since=" + state.since)).text();
    let fresh = false;
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const record = JSON.parse(line);
      if (record.seq === undefined) continue;  // {"dropped", "limit"}: older records were dropped
      if (!state.subjects.has(record.subject)) fresh = true;
      ingest(record);
    }
    if (fresh || !Object.keys(state.colors).length) {
      const doc = await (await call("/ui/subjects")).json();
      state.colors = doc.colors; state.families = doc.families;
      for (const item of doc.value) state.labels[item.subject] = item.label;
    }
  }

  // ----------------------------------------------------------------------------- render
  function renderClock() {
    const c = state.clock;
    document.getElementById("clock-now").textContent = shortTime(c.now);
    document.getElementById("clock-now").setAttribute("datetime", c.now);
    document.getElementById("clock-next").textContent = c.nextEventTime ? shortTime(c.nextEventTime) : "none";
    document.getElementById("advance-next").disabled = !c.nextEventTime;
  }

  // re-render a panel only when what it shows changed (keeps rows stable under the pointer)
  const drawn = {};
  function changed(panel, signature) {
    if (drawn[panel] === signature) return false;
    drawn[panel] = signature;
    return true;
  }

  function renderSubjects() {
    const body = document.querySelector("#subjects tbody");
    const signature = JSON.stringify([state.selected, state.since, state.labels]);
    if (!changed("subjects", signature)) return;
    const rows = [];
    const sorted = [...state.subjects.keys()].sort((a, b) => label(a).localeCompare(label(b)));
    for (const subject of sorted) {
      const info = state.subjects.get(subject);
      const cells = el("td", {class: "states"});
      for (const machine of MACHINE_ORDER) {
        const m = info.machines.get(machine);
        if (m && m.state) cells.append(chip(machine, m.state));
      }
      const row = el("tr", {"data-subject": subject,
                            class: subject === state.selected ? "selected" : null},
                     el("td", {}, el("span", {class: "label"}, label(subject)),
                        el("span", {class: "id"}, subject)), cells);
      row.addEventListener("click", () => select(subject));
      rows.push(row);
    }
    body.replaceChildren(...rows);
  }

  function renderTimeline() {
    const body = document.querySelector("#timeline tbody");
    if (!changed("timeline", JSON.stringify([state.since, state.labels]))) return;
    const rows = state.records.slice().reverse().map((r) => {
      const what = r.type === "event"
        ? el("span", {}, r.machine + " ", r.from ? chip(r.machine, r.from, true) : "", " → ",
             chip(r.machine, r.to, true))
        : el("span", {}, "error: " + (r.kind || ""));
      return el("tr", {class: r.type, "data-seq": r.seq}, el("td", {class: "time"}, shortTime(r.time)),
                el("td", {}, label(r.subject)), el("td", {}, what),
                el("td", {}, r.type === "event" ? r.cause
                  : [r.data && r.data.code, r.data && (r.data.message || r.data.errorMessage)]
                      .filter(Boolean).join(": ").slice(0, 160)));
    });
    body.replaceChildren(...rows);
  }

  function renderRequests(entries, card) {
    const body = document.querySelector("#requests tbody");
    const last = entries.length ? entries[entries.length - 1].requestId : "";
    if (!changed("requests", JSON.stringify([entries.length, last, card]))) return;
    const rows = entries.slice(-REQUESTS_N).reverse().map((q) => {
      const cls = [q.status === 429 ? "throttled" : null,
                   q.retryAttempt ? "retry" : null,
                   q.status >= 400 ? "failed" : null].filter(Boolean).join(" ");
      const retry = [q.retryAttempt ? "attempt " + q.retryAttempt : null,
                     q.retryAfter !== null && q.retryAfter !== undefined ? "Retry-After " + q.retryAfter + " s" : null]
        .filter(Boolean).join(", ");
      return el("tr", {class: cls || null}, el("td", {class: "time"}, shortTime(q.time)),
                el("td", {}, q.method), el("td", {}, q.path + (q.query ? "?" + q.query : "")),
                el("td", {class: "status"}, q.status), el("td", {}, retry));
    });
    body.replaceChildren(...rows);
    const boxes = Object.entries(card.checks).map(([name, check]) =>
      el("span", {class: "check " + check.result.replace(" ", "-"), "data-check": name},
         name + ": " + check.result));
    document.getElementById("scorecard").replaceChildren(
      el("span", {class: "check"}, card.requests + " requests"), ...boxes);
  }

  async function renderDiagram() {
    const tabs = document.getElementById("machine-tabs");
    const info = state.selected && state.subjects.get(state.selected);
    if (!info) return;
    const machines = MACHINE_ORDER.filter((m) => info.machines.has(m));
    if (!machines.includes(state.machine)) state.machine = machines[0];
    if (changed("tabs", JSON.stringify([state.selected, machines, state.machine]))) tabs.replaceChildren(...machines.map((m) => {
      const b = el("button", {class: m === state.machine ? "on" : null, "data-machine": m}, m);
      b.addEventListener("click", () => { state.machine = m; renderDiagram(); });
      return b;
    }));
    const m = info.machines.get(state.machine);
    document.getElementById("diagram-title").textContent = "— " + label(state.selected) + ", " + state.machine;
    document.getElementById("diagram-path").replaceChildren(
      ...m.path.map((s) => el("li", {}, chip(state.machine, s, true))));
    const current = m.state === "deleted" ? "" : m.state;
    const query = new URLSearchParams({machine: state.machine, current: current || "",
                                       path: m.path.join(","), taken: m.taken.join(",")});
    const key = query.toString();
    if (key === state.diagramKey) return;
    state.diagramKey = key;
    const svg = await (await call("/ui/diagram?" + key)).text();
    if (key === state.diagramKey) {
      document.getElementById("diagram").innerHTML = svg;  // SVG from this server, labels escaped
    }
  }

  function select(subject) {
    state.selected = subject;
    renderSubjects();
    renderDiagram().catch(showError);
  }

  function showError(err) {
    document.getElementById("status").textContent = String(err.message || err);
  }

  // ----------------------------------------------------------------------------- loop
  async function refresh() {
    if (state.busy) return;
    state.busy = true;
    try {
      state.clock = await (await call("/clock")).json();
      await pollEvents();
      const [requests, card] = await Promise.all([
        call("/requests").then((r) => r.json()), call("/scorecard").then((r) => r.json())]);
      renderClock();
      renderSubjects();
      renderTimeline();
      renderRequests(requests.value, card);
      if (state.selected) await renderDiagram();
      document.body.dataset.seq = String(state.since);
      document.getElementById("status").textContent = "";
    } catch (err) {
      showError(err);
    } finally {
      state.busy = false;
    }
  }

  async function advance(body) {
    try {
      await call("/clock/advance", {method: "POST", headers: {"Content-Type": "application/json"},
                                    body: JSON.stringify(body)});
    } catch (err) {
      showError(err);
    }
    while (state.busy) await new Promise((r) => setTimeout(r, 50));
    await refresh();
  }

  for (const button of document.querySelectorAll("button[data-duration]")) {
    button.addEventListener("click", () => advance({duration: button.dataset.duration}));
  }
  document.getElementById("advance-next").addEventListener("click", () => {
    if (state.clock && state.clock.nextEventTime) advance({until: state.clock.nextEventTime});
  });
  document.getElementById("timeline-n").textContent = String(TIMELINE_N);
  refresh();
  setInterval(refresh, POLL_MS);
})();
