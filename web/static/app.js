// app.js — proc's page: the script, the machine at any step of its run,
// the controls of time, the trace, the timeline and the statistics, the
// scheduler mode and the explorer.
//
// It talks to the engine only through ProcEngine.call (engine.js), one
// JSON request and one JSON response at a time, and draws the memory and
// the kernel with ProcMemory and ProcKernel (memory.js). It is loaded in
// the head so the theme is set before the first paint; the rest waits for
// the document.
"use strict";

(function () {
  // ---- Theme and font, before anything is painted ----------------------

  const root = document.documentElement;
  const store = {
    get(k) {
      try {
        return localStorage.getItem(k);
      } catch (e) {
        return null; // storage refused (a private window, a file: page)
      }
    },
    set(k, v) {
      try {
        localStorage.setItem(k, v);
      } catch (e) {
        /* the setting then lasts only this visit */
      }
    },
  };
  function systemDark() {
    return !!(window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches);
  }
  {
    const t = store.get("proc.theme");
    root.dataset.theme = t === "dark" || t === "light" ? t : systemDark() ? "dark" : "light";
    if (store.get("proc.large") === "1") root.classList.add("large");
  }

  // ---- Constants -------------------------------------------------------

  // Thread colours: distinct hues that read on both themes; the dark
  // theme gets lighter shades of the same hues. Thread k (in tid order)
  // gets colour k; past the list, hues are spread by the golden angle.
  const PALETTE = {
    light: ["#1c64d6", "#d9480f", "#2b8a3e", "#9c36b5", "#c2255c", "#0b7285", "#a07000", "#5f3dc4", "#5c940d", "#495057"],
    dark: ["#6ea8ff", "#ff8c5a", "#69db7c", "#da77f2", "#ff6b9a", "#3bc9db", "#ffd43b", "#9775fa", "#a9e34b", "#ced4da"],
  };

  // The example shown when the page is opened with no script.
  const DEFAULT_FILE = "race.proc";
  const DEFAULT_SOURCE = `# Two threads add to one counter; each addition is a load, an add
# and a store. Step through it with the arrow keys, or choose the
# Scheduler mode and decide yourself which thread runs next: a switch
# between a thread's load and its store loses an update.
global counter = 0

func add(n) {
    for i in 0..n {
        counter = counter + 1
    }
}

let total = {value: 0}          # an object on the heap
let a = thread add(3)
let b = thread add(3)
join a
join b
total.value = counter
print "counter =", counter, "(expected 6)"
free total
assert counter == 6, "an update was lost"
`;

  // ---- State -----------------------------------------------------------

  const S = {
    file: DEFAULT_FILE,
    mode: "step", // step | sched | explore
    run: null, // the last successful load response
    events: [],
    step: 0,
    ev: -1, // index of the current event: the last one at or before step
    snap: null, // the snapshot drawn
    snapBefore: null, // the snapshot of the step before it, when known
    colors: {}, // tid -> colour
    threads: [], // [{tid, pid, name}] in tid order
    lineTid: 0, // the thread line-stepping follows
    schedule: "", // the schedule of the run shown, when it has one
    schedHistory: [], // scheduler mode: schedules before each choice, for undo
    schedNote: "", // why the scheduler shows a finished run
    outcomes: null, // explore's response
    outcome: -1, // the outcome shown
    dirty: false, // the script changed since its run
    loadGen: 0, // counts loads, so the answer of a load overtaken by another is dropped
    runGen: 0, // counts the runs shown, so a late answer about an old run is dropped
    printIdx: [], // indexes of the output events
    busy: 0, // requests in flight
    snapGen: 0, // the run of the snapshot drawn
    revealed: "", // "tid:line" the editor last scrolled to
  };

  let editor = null;
  const $ = (id) => document.getElementById(id);

  // ---- Small helpers ---------------------------------------------------

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }
  function clamp(n, lo, hi) {
    return Math.max(lo, Math.min(hi, n));
  }
  function num(n) {
    return typeof n === "number" ? n.toLocaleString("en-US") : String(n ?? "");
  }
  function setStatus(text, kind) {
    const s = $("status");
    s.textContent = text;
    s.title = text; // the line may be cut short: the whole of it on hover
    s.dataset.kind = kind || "";
  }
  function colorOf(tid) {
    return S.colors[tid] || "var(--fg-dim)";
  }
  function threadLabel(tid) {
    const t = S.threads.find((x) => x.tid === tid);
    return t ? t.pid + "/" + t.tid + " " + t.name : "thread " + tid;
  }

  async function copyText(text, button) {
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch (e) {
      // No clipboard API (an insecure origin): copy through a selection.
      const ta = el("textarea");
      ta.value = text;
      ta.style.position = "fixed";
      ta.style.opacity = "0";
      document.body.append(ta);
      ta.select();
      try {
        ok = document.execCommand("copy");
      } catch (e2) {
        ok = false;
      }
      ta.remove();
    }
    if (button) {
      const old = button.dataset.label || button.textContent;
      button.dataset.label = old;
      button.textContent = ok ? "Copied" : "Select and copy";
      setTimeout(() => (button.textContent = old), 1500);
    }
    return ok;
  }

  // ---- The engine ------------------------------------------------------

  function engine() {
    if (!window.ProcEngine) throw new Error("the engine (engine.js) did not load");
    return window.ProcEngine;
  }

  // call sends one request and counts it, so a test (or a person) can
  // see when the page has settled: body[data-busy].
  async function call(req) {
    S.busy++;
    document.body.dataset.busy = "1";
    try {
      const resp = await engine().call(req);
      if (!resp || typeof resp !== "object") throw new Error("the engine gave no answer");
      return resp;
    } finally {
      S.busy--;
      if (S.busy === 0) {
        document.body.dataset.busy = "";
        notifyIdle();
      }
    }
  }
  const idleWaiters = [];
  function idleNow() {
    return S.busy === 0 && !snapPumping && !paintFrame;
  }
  // idle resolves once no request is in flight and the last move is
  // drawn.
  function idle() {
    return idleNow() ? Promise.resolve() : new Promise((r) => idleWaiters.push(r));
  }
  // notifyIdle tells the waiters, after a task: an answer often leads to
  // the next request (an explore to the load of its outcome) only once
  // the code awaiting it has run, and that is not idle.
  function notifyIdle() {
    setTimeout(() => {
      if (idleNow()) idleWaiters.splice(0).forEach((f) => f());
    }, 0);
  }

  // load runs the editor's script and shows the run. A load overtaken by
  // a later one is dropped when it answers (loadGen); what was asked about
  // the run it replaces is dropped too (runGen).
  let loading = null;
  async function load(opts) {
    opts = opts || {};
    const source = editor.getValue();
    const req = {
      op: "load",
      file: S.file,
      source,
      sets: [],
      schedule: opts.schedule || "",
      choose: !!opts.choose,
    };
    const gen = ++S.loadGen;
    setStatus(opts.choose ? "Running up to the next choice…" : "Running…", "busy");
    document.body.dataset.state = "loading";
    let resp;
    const p = call(req);
    loading = p;
    try {
      resp = await p;
    } catch (e) {
      if (gen === S.loadGen) {
        setStatus("The engine failed: " + e.message, "error");
        document.body.dataset.state = "error";
      }
      return null;
    } finally {
      if (loading === p) loading = null;
    }
    if (gen !== S.loadGen) return null;
    if (!resp.ok) {
      showError(resp.error);
      document.body.dataset.state = "error";
      return null;
    }
    showError(null);
    S.dirty = false;
    $("dirty").hidden = true;
    applyRun(resp);
    document.body.dataset.state = "ready";
    return resp;
  }

  function showError(err) {
    const box = $("error");
    if (!err) {
      box.hidden = true;
      box.textContent = "";
      editor.setError(null);
      return;
    }
    box.hidden = false;
    box.textContent = err.text || err.message || "error";
    box.dataset.line = String(err.line || "");
    box.dataset.col = String(err.col || "");
    box.title = err.line ? "Click to go to line " + err.line : "";
    editor.setError({ line: err.line, col: err.col, message: err.message || err.text });
    setStatus(err.line ? "Error at line " + err.line + ": " + (err.message || "") : "Error: " + (err.message || err.text), "error");
  }

  // ---- A run arrives ---------------------------------------------------

  function applyRun(r) {
    S.run = r;
    S.runGen++;
    S.events = Array.isArray(r.events) ? r.events : [];
    S.snap = null;
    S.printIdx = [];
    outShown = -1;
    for (let i = 0; i < S.events.length; i++) if (S.events[i].ev === "print") S.printIdx.push(i);
    collectThreads(r);
    assignColors();

    const slider = $("slider");
    slider.max = String(r.steps || 0);
    $("trace-count").textContent = num(S.events.length) + " events";
    traceReset();
    drawGantt();
    drawStats(r.stats);
    fillLineTid();
    S.schedule = r.choice ? r.choice.schedule || "" : r.schedule || "";
    drawModePanel();

    let status = num(r.steps) + " instructions, " + num(r.ticks) + " ticks";
    if (r.stopped) status += " — stopped: " + r.stopped;
    if (r.truncated) status += " (the trace kept is only the run's beginning)";
    if (r.choice) status += " so far — your turn: choose a thread";
    else if (r.exit !== undefined && r.exit !== null) status += " — exit status " + r.exit;
    if (!r.choice && r.steps > 0) status += ". Step through it with → or the slider.";
    setStatus(status, r.stopped ? "warn" : "");

    // In scheduler mode the machine is shown where the choice is to be
    // made; otherwise at the start, ready to be stepped through.
    const at = r.choice ? r.choice.step : 0;
    setStep(at, { ev: r.choice ? lastEventAt(at) : undefined, reveal: true });
  }

  function collectThreads(r) {
    const byTid = new Map();
    const add = (tid, pid, name) => {
      if (!(tid > 0)) return;
      const t = byTid.get(tid) || { tid, pid: pid || 0, name: name || "" };
      if (!t.pid && pid) t.pid = pid;
      if (!t.name && name) t.name = name;
      byTid.set(tid, t);
    };
    for (const row of ganttRows(r.gantt)) add(row.tid, row.pid, row.name);
    for (const t of (r.stats && r.stats.threads) || []) add(t.tid, t.pid, t.name);
    for (const e of S.events) add(e.tid, e.pid, "");
    S.threads = [...byTid.values()].sort((a, b) => a.tid - b.tid);
  }

  function assignColors() {
    const pal = PALETTE[root.dataset.theme === "dark" ? "dark" : "light"];
    S.colors = {};
    S.threads.forEach((t, i) => {
      S.colors[t.tid] = i < pal.length ? pal[i] : "hsl(" + ((i * 137.5) % 360).toFixed(0) + " 65% " + (root.dataset.theme === "dark" ? "68%" : "42%") + ")";
    });
  }

  // ---- Moving in time --------------------------------------------------

  // lastEventAt is the index of the last event at or before step (-1 if
  // none): events come in step order.
  function lastEventAt(step) {
    const ev = S.events;
    let lo = 0,
      hi = ev.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ev[mid].step <= step) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  // setStep shows the machine after `step` instructions. opts.ev picks
  // the current event when several share the step; opts.reveal scrolls
  // the trace to it.
  function setStep(step, opts) {
    if (!S.run) return;
    opts = opts || {};
    step = clamp(Math.round(step), 0, S.run.steps || 0);
    S.step = step;
    S.ev = opts.ev !== undefined && opts.ev >= 0 && S.events[opts.ev] && S.events[opts.ev].step === step ? opts.ev : lastEventAt(step);
    const slider = $("slider");
    if (String(step) !== slider.value) slider.value = String(step);
    slider.setAttribute("aria-valuetext", "step " + step + " of " + (S.run.steps || 0));
    $("step-label").textContent = "step " + num(step) + " / " + num(S.run.steps || 0);
    updateButtons();
    // The trace, the output and the timeline's cursor are drawn once per
    // frame however many moves came in it (a drag of the slider, a held
    // key): they read layout, which costs a reflow each time.
    paintReveal = paintReveal || opts.reveal !== false;
    if (!paintFrame) paintFrame = requestAnimationFrame(paint);
    requestSnapshot(step);
  }

  let paintFrame = 0;
  let paintReveal = false;
  function paint() {
    paintFrame = 0;
    traceFollow(paintReveal);
    paintReveal = false;
    drawEventDetail();
    drawOutput();
    moveGanttCursor();
    notifyIdle();
  }

  function updateButtons() {
    const n = S.run ? S.run.steps || 0 : 0;
    const atStart = S.step <= 0,
      atEnd = S.step >= n;
    $("to-start").disabled = atStart && S.ev <= 0;
    $("step-back").disabled = atStart;
    $("event-back").disabled = S.ev <= 0 && atStart;
    $("line-back").disabled = atStart || !S.lineTid;
    $("to-end").disabled = atEnd && S.ev >= S.events.length - 1;
    $("step-fwd").disabled = atEnd;
    $("event-fwd").disabled = S.ev >= S.events.length - 1 && atEnd;
    $("line-fwd").disabled = atEnd || !S.lineTid;
  }

  function stepBy(d) {
    setStep(S.step + d);
  }
  function eventBy(d) {
    if (!S.run) return;
    let i = S.ev + d;
    if (i < 0) return setStep(0);
    if (i >= S.events.length) return setStep(S.run.steps);
    setStep(S.events[i].step, { ev: i });
  }
  async function lineBy(dir) {
    if (!S.run || !S.lineTid) return;
    const gen = S.runGen;
    let resp;
    try {
      resp = await call({ op: "seek", step: S.step, by: "line", tid: S.lineTid, dir });
    } catch (e) {
      setStatus("The engine failed: " + e.message, "error");
      return;
    }
    if (gen !== S.runGen) return;
    if (!resp.ok) {
      setStatus((resp.error && resp.error.message) || "cannot step by line", "warn");
      return;
    }
    if (resp.step === S.step) {
      setStatus(threadLabel(S.lineTid) + " reaches no other line " + (dir > 0 ? "after" : "before") + " this step", "warn");
      return;
    }
    setStep(resp.step);
  }

  // ---- Snapshots: only the latest wanted step matters ------------------

  let snapWant = null;
  let snapPumping = false;
  function requestSnapshot(step) {
    snapWant = { step, gen: S.runGen };
    if (!snapPumping) pumpSnapshots();
  }
  async function pumpSnapshots() {
    snapPumping = true;
    try {
      while (snapWant !== null) {
        // The engine holds one run: while another loads, wait, and ask
        // nothing about the run that is going away.
        if (loading) await loading.catch(() => {});
        const { step, gen } = snapWant;
        snapWant = null;
        if (gen !== S.runGen) continue;
        let resp;
        try {
          resp = await call({ op: "snapshot", step });
        } catch (e) {
          setStatus("The engine failed: " + e.message, "error");
          continue;
        }
        if (gen !== S.runGen) continue;
        if (!resp.ok) {
          setStatus("No snapshot at step " + step + ": " + ((resp.error && resp.error.message) || "error"), "error");
          continue;
        }
        // The values that changed are those the step's last instruction
        // changed: compared with the step before it, whichever way the
        // reader came, so that a step shows the same going back as going
        // forward. The step before is most often the one just drawn; when
        // a newer step is already wanted (a drag), it is not fetched.
        let before = null;
        if (step > 0) {
          if (S.snap && S.snapGen === gen && S.snap.step === step - 1) before = S.snap;
          else if (snapWant === null) {
            let pr = null;
            try {
              pr = await call({ op: "snapshot", step: step - 1 });
            } catch (e) {
              pr = null; // drawn without the changes marked
            }
            if (gen !== S.runGen) continue;
            if (pr && pr.ok) before = pr.snapshot;
          }
        }
        // A newer step is wanted: draw this one anyway, so a drag of the
        // slider shows something, and fetch the newer next.
        drawSnapshot(resp.snapshot, before);
      }
    } finally {
      snapPumping = false;
      notifyIdle();
    }
  }

  // drawSnapshot draws the machine at a step; before, the machine at the
  // step before it (or null), lets the picture flash what changed.
  function drawSnapshot(snap, before) {
    if (!snap) return;
    const previous = before && before.step === snap.step - 1 ? before : null;
    S.snap = snap;
    S.snapBefore = previous;
    S.snapGen = S.runGen;
    const opts = { colors: S.colors, previous, exits: S.events.filter((e) => e.ev === "leak") };
    drawPart("memory", window.ProcMemory, snap, opts);
    drawPart("kernel", window.ProcKernel, snap, opts);
    const running = new Set(snap.running || []);
    const marks = [];
    for (const t of snap.threads || []) {
      if (t.state === "done" || !(t.line >= 1)) continue;
      const run = running.has(t.tid) || t.state === "running";
      marks.push({
        tid: t.tid,
        line: t.line,
        color: colorOf(t.tid),
        running: run,
        state: t.state,
        label: (t.pid ? t.pid + "/" : "") + t.tid + " " + (t.name || threadLabel(t.tid)) + ": " + (t.state || "") + (t.waiting_for ? " (" + t.waiting_for + ")" : "") + ", line " + t.line,
      });
    }
    editor.setThreads(marks);
    // The editor follows the chosen thread (or the one running) when its
    // line changes, and leaves alone a reader who scrolled it meanwhile.
    const followed = marks.find((m) => m.tid === S.lineTid) || marks.find((m) => m.running);
    const at = followed ? followed.tid + ":" + followed.line : "";
    if (followed && !S.dirty && at !== S.revealed) editor.revealLine(followed.line);
    S.revealed = at;
    moveGanttCursor();
  }

  function drawPart(id, part, snap, opts) {
    const box = $(id);
    if (!part || typeof part.draw !== "function") {
      box.textContent = "This view is not available (memory.js did not load).";
      return;
    }
    try {
      part.draw(box, snap, opts);
    } catch (e) {
      box.textContent = "This view failed to draw: " + e.message;
      console.error(e);
    }
  }

  // ---- The trace list: only the rows in view exist ---------------------

  const TR = { rowH: 20, first: -1, last: -1, win: null, spacer: null };

  function traceReset() {
    const box = $("trace");
    box.replaceChildren();
    TR.spacer = el("div", "trace-spacer");
    TR.win = el("div", "trace-window");
    TR.spacer.append(TR.win);
    box.append(TR.spacer);
    // The row height is the CSS's, measured once per font size.
    const probe = el("div", "trace-row");
    probe.textContent = "0";
    TR.win.append(probe);
    TR.rowH = probe.getBoundingClientRect().height || 20;
    probe.remove();
    TR.spacer.style.height = S.events.length * TR.rowH + "px";
    TR.first = TR.last = -1;
    box.scrollTop = 0;
    traceRender(true);
  }

  function traceRender(force) {
    const box = $("trace");
    if (!TR.win) return;
    const n = S.events.length;
    const top = box.scrollTop;
    const h = box.clientHeight || 400;
    const first = clamp(Math.floor(top / TR.rowH) - 8, 0, n);
    const last = clamp(Math.ceil((top + h) / TR.rowH) + 8, 0, n);
    if (!force && first === TR.first && last === TR.last) return traceMarkCurrent();
    TR.first = first;
    TR.last = last;
    TR.win.style.transform = "translateY(" + first * TR.rowH + "px)";
    let html = "";
    for (let i = first; i < last; i++) html += traceRowHTML(i);
    TR.win.innerHTML = html;
    traceMarkCurrent();
  }

  function traceRowHTML(i) {
    const e = S.events[i];
    const actor = (e.cpu !== undefined ? "cpu" + e.cpu + " " : "") + (e.pid ? "[" + e.pid + "/" + e.tid + "]" : "-----");
    const text = e.ev === "print" ? "| " + e.text : e.text;
    const more = e.more && e.more.length ? e.more : null;
    const title = more ? ' title="' + esc(text + "\n" + more.join("\n")) + '"' : "";
    const c = e.pid ? ' style="--c:' + colorOf(e.tid) + '"' : "";
    return (
      '<div class="trace-row ev-' + esc(e.ev || "") + (e.cat ? " cat-" + esc(e.cat) : "") + '" role="listitem" data-i="' + i + '"' + c + title + ">" +
      '<span class="tr-t">' + e.t + "</span>" +
      '<span class="tr-a">' + actor + "</span>" +
      '<span class="tr-x">' + esc(text) + (more ? ' <span class="tr-more">+' + more.length + "</span>" : "") + "</span></div>"
    );
  }

  function traceMarkCurrent() {
    for (const row of TR.win.children) {
      const i = +row.dataset.i;
      row.classList.toggle("current", i === S.ev);
      row.classList.toggle("future", i > S.ev);
      if (i === S.ev) row.setAttribute("aria-current", "step");
      else row.removeAttribute("aria-current");
    }
  }

  function traceFollow(reveal) {
    const box = $("trace");
    if (reveal && S.ev >= 0) {
      const y = S.ev * TR.rowH;
      const h = box.clientHeight;
      if (y < box.scrollTop || y + TR.rowH > box.scrollTop + h) box.scrollTop = Math.max(0, y - h / 3);
    }
    traceRender(false);
  }

  function drawEventDetail() {
    const box = $("event-detail");
    const e = S.events[S.ev];
    if (!e) {
      box.textContent = S.run ? "step " + S.step + ": no event yet" : "";
      return;
    }
    const actor = (e.cpu !== undefined ? "cpu" + e.cpu + " " : "") + (e.pid ? "[" + e.pid + "/" + e.tid + "]" : "-----");
    box.replaceChildren();
    const head = el("div", "ed-head");
    head.append(el("span", "tr-t", "tick " + e.t), " ", el("span", "tr-a", actor), " ", el("span", "tr-x", e.ev === "print" ? "| " + e.text : e.text));
    box.append(head);
    if (e.more && e.more.length) box.append(el("pre", "ed-more", e.more.join("\n")));
  }

  function drawOutput() {
    // The output events up to the current one, found by binary search.
    const idx = S.printIdx;
    let lo = 0,
      hi = idx.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (idx[m] <= S.ev) lo = m + 1;
      else hi = m;
    }
    if (lo === outShown) return;
    outShown = lo;
    const out = $("output");
    if (!lo) {
      out.textContent = "(nothing printed yet)";
      return;
    }
    // The last 500 lines at most: a long run's output would make every
    // move slow to draw.
    const shown = idx.slice(Math.max(0, lo - 500), lo).map((i) => S.events[i].text);
    out.textContent = (lo > 500 ? "… " + (lo - 500) + " earlier lines\n" : "") + shown.join("\n");
    out.scrollTop = out.scrollHeight;
  }
  let outShown = -1;

  // ---- The timeline ----------------------------------------------------

  // ganttRows reads the timeline's rows: [{tid, pid, name, spans: [{from,
  // to, state}]}].
  function ganttRows(g) {
    if (!g) return [];
    const rows = Array.isArray(g) ? g : g.rows || g.threads || [];
    return rows.filter((r) => r && r.tid > 0);
  }

  const G = { labelW: 0, plotW: 0, ticks: 0, svg: null, cursor: null, cursorLabel: null, h: 0 };
  const SVGNS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  function drawGantt() {
    const box = $("gantt");
    box.replaceChildren();
    if (!S.run) return;
    const rows = ganttRows(S.run.gantt);
    const ticks = Math.max(1, S.run.ticks || (S.run.gantt && S.run.gantt.ticks) || 1);
    G.ticks = ticks;

    const legend = el("div", "gantt-legend");
    legend.innerHTML =
      '<span class="lg"><svg width="22" height="12" aria-hidden="true"><rect x="1" y="1" width="20" height="10" class="g-running" style="--c:var(--fg-dim)"/></svg>running</span>' +
      '<span class="lg"><svg width="22" height="12" aria-hidden="true"><rect x="1" y="3" width="20" height="6" class="g-ready" style="--c:var(--fg-dim)"/></svg>ready (waits for the CPU)</span>' +
      '<span class="lg"><svg width="22" height="12" aria-hidden="true"><line x1="1" x2="21" y1="6" y2="6" class="g-blocked" style="--c:var(--fg-dim)"/></svg>blocked</span>' +
      '<span class="lg"><svg width="22" height="12" aria-hidden="true"><line x1="1" x2="21" y1="6" y2="6" class="g-sleeping" style="--c:var(--fg-dim)"/></svg>sleeping</span>' +
      '<span class="lg"><svg width="22" height="12" aria-hidden="true"><line x1="11" x2="11" y1="0" y2="12" class="g-cursor"/></svg>now</span>';
    const bucket = S.run.gantt && S.run.gantt.bucket > 1 ? S.run.gantt.bucket : 0;
    if (bucket) legend.append(el("span", "lg", "each mark is at least " + num(bucket) + " ticks: what the thread did most of them"));
    box.append(legend);
    if (!rows.length) {
      box.append(el("p", "hint", "No timeline for this run."));
      return;
    }

    const fontPx = parseFloat(getComputedStyle(box).fontSize) || 13;
    const rowH = Math.round(fontPx * 1.35);
    const axisH = Math.round(fontPx * 1.4);
    const width = Math.max(200, box.clientWidth - 2);
    const longest = Math.max(...rows.map((r) => labelOf(r).length));
    const labelW = Math.round(Math.min(longest, 18) * fontPx * 0.62 + 10);
    const plotW = Math.max(50, width - labelW - 10);
    // With several CPUs, a row per CPU below the threads': who ran on it.
    const cpus = cpuRows(rows, ticks, plotW);
    const cpuGap = cpus.length ? Math.round(rowH / 2) : 0;
    // Below the rows, a strip for the cursor's label, so it covers no row.
    const height = axisH + (rows.length + cpus.length) * rowH + cpuGap + Math.round(fontPx * 1.2) + 2;
    G.labelW = labelW;
    G.plotW = plotW;
    G.h = height;

    const s = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, class: "gantt-svg" });
    s.setAttribute("role", "img");
    s.setAttribute("aria-label", "Timeline of " + rows.length + " threads over " + ticks + " ticks");
    const x = (t) => labelW + (t / ticks) * plotW;

    // The axis: round numbers of ticks, about one label per 90 pixels.
    const axis = svg("g", { class: "g-axis" });
    const stepT = niceStep(ticks / Math.max(1, plotW / 90));
    for (let t = 0; t <= ticks; t += stepT) {
      const xx = x(t);
      axis.append(svg("line", { x1: xx, x2: xx, y1: axisH - 4, y2: height, class: "g-grid" }));
      const lab = svg("text", { x: xx + 2, y: axisH - 6, class: "g-tick" });
      lab.textContent = String(t);
      axis.append(lab);
    }
    s.append(axis);

    rows.forEach((row, ri) => {
      const y0 = axisH + ri * rowH;
      const g = svg("g", { class: "g-row", style: "--c:" + colorOf(row.tid) });
      const title = svg("title", {});
      title.textContent = labelOf(row);
      g.append(title);
      const lab = svg("text", { x: 4, y: y0 + rowH * 0.72, class: "g-label" });
      lab.textContent = labelOf(row).slice(0, 18);
      g.append(lab);
      for (const sp of rowRuns(row.spans || [], ticks, plotW)) {
        const x1 = x(sp.from),
          x2 = Math.max(x(sp.to), x1 + 1);
        const w = x2 - x1;
        let mark;
        if (sp.state === "running") mark = svg("rect", { x: x1, y: y0 + 2, width: w, height: rowH - 4, class: "g-running" });
        else if (sp.state === "ready") mark = svg("rect", { x: x1 + 0.5, y: y0 + rowH * 0.3, width: Math.max(0.5, w - 1), height: rowH * 0.4, class: "g-ready" });
        else if (sp.state === "blocked") mark = svg("line", { x1, x2, y1: y0 + rowH / 2, y2: y0 + rowH / 2, class: "g-blocked" });
        else if (sp.state === "sleeping") mark = svg("line", { x1, x2, y1: y0 + rowH / 2, y2: y0 + rowH / 2, class: "g-sleeping" });
        else continue;
        if (sp.exact) {
          const t = svg("title", {});
          t.textContent = labelOf(row) + ": " + sp.state + (sp.cpu !== undefined ? " on cpu" + sp.cpu : "") + ", ticks " + sp.from + "–" + sp.to;
          mark.append(t);
        }
        g.append(mark);
        if (sp.state === "running" && sp.exact && sp.cpu !== undefined && w >= fontPx * 2.4) {
          // Several CPUs: the CPU it ran on, inside its bar.
          const c = svg("text", { x: x1 + 3, y: y0 + rowH * 0.72, class: "g-cpu" });
          c.textContent = "cpu" + sp.cpu;
          g.append(c);
        }
      }
      s.append(g);
    });

    cpus.forEach((runs, ci) => {
      const y0 = axisH + (rows.length + ci) * rowH + cpuGap;
      const g = svg("g", { class: "g-row g-cpu-row" });
      const lab = svg("text", { x: 4, y: y0 + rowH * 0.72, class: "g-label" });
      lab.textContent = "cpu" + ci;
      g.append(lab);
      for (const r of runs) {
        const x1 = x(r.from),
          x2 = Math.max(x(r.to), x1 + 1);
        const mark = svg("rect", { x: x1, y: y0 + 2, width: x2 - x1, height: rowH - 4, class: "g-running", style: "--c:" + colorOf(r.row.tid) });
        const t = svg("title", {});
        t.textContent = "cpu" + ci + ": " + labelOf(r.row) + (r.exact ? ", ticks " + r.from + "–" + r.to : ", most of ticks " + Math.round(r.from) + "–" + Math.round(r.to));
        mark.append(t);
        g.append(mark);
      }
      s.append(g);
    });

    // Past the cut the machine kept no more stretches: the rows are
    // partial there, and the timeline says so rather than show them idle.
    const cut = S.run.gantt && typeof S.run.gantt.cut === "number" ? S.run.gantt.cut : -1;
    if (cut >= 0 && cut < ticks) {
      const r = svg("rect", { x: x(cut), y: axisH, width: Math.max(1, x(ticks) - x(cut)), height: rows.length * rowH, class: "g-cut" });
      const t = svg("title", {});
      t.textContent = "from tick " + cut + " on, the timeline was not recorded: the run had too many stretches to keep";
      r.append(t);
      s.append(r);
    }
    G.cursor = svg("line", { x1: labelW, x2: labelW, y1: 0, y2: height, class: "g-cursor" });
    G.cursorLabel = svg("text", { x: labelW + 3, y: height - 4, class: "g-cursor-label" });
    s.append(G.cursor, G.cursorLabel);
    s.addEventListener("click", (e) => {
      const r = s.getBoundingClientRect();
      const px = e.clientX - r.left;
      if (px < labelW - 4) return;
      const t = clamp(((px - labelW) / plotW) * ticks, 0, ticks);
      gotoTick(t);
    });
    G.svg = s;
    box.append(s);
    moveGanttCursor();
  }

  // cpuRows returns, when the run had several CPUs (its running spans
  // name one), a list per CPU of what ran on it: [{from, to, row, exact}].
  // A CPU with far more runs than pixels is drawn per pixel column, each
  // in the thread that ran most of it.
  function cpuRows(rows, ticks, plotW) {
    const per = [];
    for (const row of rows) {
      for (const sp of row.spans || []) {
        if (sp && sp.state === "running" && typeof sp.cpu === "number" && sp.to > sp.from) {
          while (per.length <= sp.cpu) per.push([]);
          per[sp.cpu].push({ from: sp.from, to: sp.to, row });
        }
      }
    }
    return per.map((runs) => {
      runs.sort((a, b) => a.from - b.from);
      if (runs.length <= plotW * 1.5) return runs.map((r) => ({ ...r, exact: true }));
      const cols = Math.max(1, Math.floor(plotW));
      const w = ticks / cols;
      const out = [];
      let i = 0;
      for (let c = 0; c < cols; c++) {
        const a = c * w,
          b = (c + 1) * w;
        const by = new Map();
        while (i < runs.length && runs[i].to <= a) i++;
        for (let j = i; j < runs.length && runs[j].from < b; j++) {
          const r = runs[j];
          by.set(r.row, (by.get(r.row) || 0) + Math.min(b, r.to) - Math.max(a, r.from));
        }
        let best = null,
          bw = 0;
        for (const [row, n] of by) if (n > bw) (best = row), (bw = n);
        if (!best || bw < w / 2) continue;
        const last = out[out.length - 1];
        if (last && last.row === best && last.to === a) last.to = b;
        else out.push({ from: a, to: b, row: best, exact: false });
      }
      return out;
    });
  }

  function labelOf(row) {
    return (row.pid ? row.pid + "/" : "") + row.tid + (row.name ? " " + row.name : "");
  }

  function niceStep(raw) {
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(1, raw))));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  // rowRuns merges a row's spans into marks. A run with far more spans
  // than pixels is drawn per pixel column, each column in the state the
  // thread spent most of its ticks in, so the timeline stays light.
  function rowRuns(spans, ticks, plotW) {
    const ok = spans.filter((s) => s && s.to >= s.from);
    if (ok.length <= plotW * 1.5) {
      const out = [];
      for (const s of ok) {
        const last = out[out.length - 1];
        if (last && last.state === s.state && last.cpu === s.cpu && last.to === s.from) last.to = s.to;
        else out.push({ from: s.from, to: s.to, state: s.state, cpu: s.cpu, exact: true });
      }
      return out;
    }
    const cols = Math.max(1, Math.floor(plotW));
    const per = ticks / cols;
    const states = ["running", "ready", "blocked", "sleeping"];
    const weight = new Float64Array(cols * states.length);
    for (const s of ok) {
      const k = states.indexOf(s.state);
      if (k < 0) continue;
      let c = Math.floor(s.from / per);
      const cEnd = Math.min(cols - 1, Math.floor(Math.max(s.from, s.to - 1e-9) / per));
      for (; c <= cEnd; c++) {
        const a = Math.max(s.from, c * per),
          b = Math.min(s.to, (c + 1) * per);
        weight[c * states.length + k] += Math.max(b - a, 1e-6);
      }
    }
    const out = [];
    for (let c = 0; c < cols; c++) {
      let best = -1,
        bw = 0;
      for (let k = 0; k < states.length; k++) {
        const w = weight[c * states.length + k];
        if (w > bw) {
          bw = w;
          best = k;
        }
      }
      if (best < 0) continue;
      const last = out[out.length - 1];
      const from = c * per,
        to = (c + 1) * per;
      if (last && last.state === states[best] && Math.abs(last.to - from) < 1e-6) last.to = to;
      else out.push({ from, to, state: states[best], exact: false });
    }
    return out;
  }

  // currentTick is the machine's clock now: the snapshot's when it is of
  // this step, else the current event's.
  function currentTick() {
    if (S.snap && S.snap.step === S.step && typeof S.snap.tick === "number") return S.snap.tick;
    const t = tickAtStep(S.step);
    if (t !== null) return t;
    const e = S.events[S.ev];
    return e ? e.t : 0;
  }

  function moveGanttCursor() {
    if (!G.cursor || !S.run) return;
    const t = currentTick();
    const xx = G.labelW + (clamp(t, 0, G.ticks) / G.ticks) * G.plotW;
    G.cursor.setAttribute("x1", xx);
    G.cursor.setAttribute("x2", xx);
    const right = xx > G.labelW + G.plotW * 0.85;
    G.cursorLabel.setAttribute("x", right ? xx - 3 : xx + 3);
    G.cursorLabel.setAttribute("text-anchor", right ? "end" : "start");
    G.cursorLabel.textContent = "tick " + t;
  }

  // marks are the timeline's [step, tick] pairs, both increasing: between
  // two, steps and ticks go on together closely enough for a cursor.
  function marks() {
    const m = S.run && S.run.gantt && S.run.gantt.marks;
    return Array.isArray(m) && m.length ? m : null;
  }

  // tickAtStep reads the clock at a step off the marks (the snapshot's
  // own tick replaces it once it comes).
  function tickAtStep(step) {
    const m = marks();
    if (!m) return null;
    let lo = 0,
      hi = m.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (m[mid][0] <= step) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return Math.min(step, m[0][1]);
    const [s0, t0] = m[lo - 1];
    const next = m[lo];
    return next ? Math.min(t0 + (step - s0), next[1]) : t0;
  }

  // gotoTick goes to the step the clock was at at tick t: off the marks,
  // or the events' when the run has none.
  function gotoTick(t) {
    const m = marks();
    if (m) {
      let lo = 0,
        hi = m.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (m[mid][1] <= t) lo = mid + 1;
        else hi = mid;
      }
      if (lo === 0) return setStep(0);
      const [s0, t0] = m[lo - 1];
      const next = m[lo];
      return setStep(next ? Math.min(s0 + Math.floor(t - t0), next[0]) : s0);
    }
    const ev = S.events;
    let lo = 0,
      hi = ev.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ev[mid].t <= t) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return setStep(0);
    setStep(ev[lo - 1].step, { ev: lo - 1 });
  }

  // ---- Statistics ------------------------------------------------------

  function drawStats(st) {
    const box = $("stats");
    box.replaceChildren();
    if (!st) {
      box.append(el("p", "hint", "No statistics for this run."));
      return;
    }
    // With several CPUs the busy ticks are out of ticks x CPUs.
    const cpus = Array.isArray(st.cpus) && st.cpus.length > 1 ? st.cpus.length : 1;
    const util = st.ticks ? ((100 * (st.busy || 0)) / (st.ticks * cpus)).toFixed(1) + (cpus > 1 ? "% of " + cpus + " CPUs" : "% CPU") : "";
    const sw = st.switches || {};
    const sum = table("The run", null, [
      ["ticks", num(st.ticks) + (cpus > 1 ? " on " + cpus + " CPUs" : "")],
      ["busy", num(st.busy) + (util ? " (" + util + ")" : "")],
      ["idle", num(st.idle)],
      ["switching", num(st.switch_ticks)],
      ["instructions", num(st.steps)],
      ["switches", num(sw.process || 0) + " process, " + num(sw.thread || 0) + " thread"],
    ]
      .concat(Array.isArray(st.warm_ticks) ? [["computed warm", st.warm_ticks.length > 1 ? st.warm_ticks.map((n, i) => "cpu" + i + " " + num(n)).join(", ") : num(st.warm_ticks[0])]] : [])
      .concat(st.deadlock ? [["deadlock", "yes"]] : []), true);
    box.append(sum);
    if (Array.isArray(st.threads) && st.threads.length) {
      // A column that is zero for every thread says nothing: left out,
      // so the table fits beside the trace.
      const cols = [["cpu", "cpu"], ["ready", "ready"], ["blocked", "blocked"], ["sleeping", "asleep"], ["switches", "switches"]]
        .filter(([k], i) => i === 0 || st.threads.some((t) => t[k]));
      box.append(
        table("Threads (ticks)", ["thread"].concat(cols.map((c) => c[1])),
          st.threads.map((t) => [{ text: t.pid + "/" + t.tid + " " + t.name, tid: t.tid }].concat(cols.map(([k]) => num(t[k]))))),
      );
    }
    if (Array.isArray(st.procs) && st.procs.length) {
      const cols = [["turnaround", "turnaround"], ["cpu", "cpu"], ["heap_peak", "heap peak"], ["leaked", "leaked"], ["copied_bytes", "copied"], ["cow_copies", "cow"]]
        .filter(([k], i) => i < 2 || st.procs.some((p) => p[k]));
      box.append(
        table("Processes", ["process", "exit"].concat(cols.map((c) => c[1])),
          st.procs.map((p) => [p.pid + " " + p.name, p.signal ? p.signal : p.exit].concat(cols.map(([k]) => num(p[k]))))),
      );
    }
  }

  function table(caption, head, rows, keyed) {
    const t = el("table", keyed ? "kv" : "grid");
    t.append(el("caption", "", caption));
    if (head) {
      const tr = el("tr");
      for (const h of head) {
        const th = el("th", "", h);
        th.scope = "col";
        tr.append(th);
      }
      const thead = el("thead");
      thead.append(tr);
      t.append(thead);
    }
    const tb = el("tbody");
    for (const r of rows) {
      const tr = el("tr");
      r.forEach((c, i) => {
        const cell = el(keyed && i === 0 ? "th" : "td");
        if (keyed && i === 0) cell.scope = "row";
        if (c && typeof c === "object") {
          cell.textContent = c.text;
          if (c.tid) {
            const dot = el("span", "dot");
            dot.style.setProperty("--c", colorOf(c.tid));
            cell.prepend(dot);
          }
        } else cell.textContent = String(c ?? "");
        if (!keyed && i > 0 && /^[\d,.\-]+$/.test(cell.textContent)) cell.className = "n";
        tr.append(cell);
      });
      tb.append(tr);
    }
    t.append(tb);
    return t;
  }

  // ---- The thread line-stepping follows ---------------------------------

  function fillLineTid() {
    const sel = $("line-tid");
    const keep = S.lineTid;
    sel.replaceChildren();
    for (const t of S.threads) {
      const o = el("option", "", t.pid + "/" + t.tid + " " + t.name);
      o.value = String(t.tid);
      sel.append(o);
    }
    S.lineTid = S.threads.some((t) => t.tid === keep) ? keep : S.threads.length ? S.threads[0].tid : 0;
    sel.value = String(S.lineTid);
    sel.style.setProperty("--c", colorOf(S.lineTid));
  }

  // ---- Modes -----------------------------------------------------------

  function setMode(mode) {
    if (mode === S.mode) return;
    const was = S.mode;
    S.mode = mode;
    for (const b of document.querySelectorAll(".modes [data-mode]")) b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    document.body.dataset.mode = mode;
    if (mode === "sched") {
      S.schedHistory = [];
      S.schedNote = "";
      drawModePanel();
      load({ choose: true, schedule: "" });
      return;
    }
    if (was === "sched" && S.run && S.run.choice) {
      // Leaving the scheduler midway: run on from the choices made, under
      // the scheduling policy.
      load({ schedule: S.run.choice.schedule || "" });
    }
    if (mode === "explore" && !S.outcomes) {
      drawModePanel();
      runExplore();
      return;
    }
    drawModePanel();
  }

  function drawModePanel() {
    const mode = S.mode;
    $("mode-panel").hidden = mode === "step";
    $("sched-panel").hidden = mode !== "sched";
    $("explore-panel").hidden = mode !== "explore";
    if (mode === "sched") drawChoices();
    if (mode === "explore") drawOutcomes();
    drawScheduleBox();
  }

  function drawScheduleBox() {
    const box = $("schedule-box");
    const show = S.mode !== "step" && !!S.run && (S.mode === "sched" || S.outcome >= 0);
    box.hidden = !show;
    const s = noChoices(S.schedule) ? "" : S.schedule;
    $("schedule").textContent = s || "(no choice made yet)";
    $("schedule-copy").disabled = !s;
    $("schedule-cmd").textContent = "proc run --schedule=" + (s || "S") + " " + shellWord(S.file);
    $("schedule-cmd-copy").disabled = !s;
  }

  function shellWord(s) {
    return /^[A-Za-z0-9._\/+-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'";
  }

  // ---- Scheduler mode --------------------------------------------------

  function drawChoices() {
    const box = $("sched-choices");
    box.replaceChildren();
    const r = S.run;
    const prompt = $("sched-prompt");
    $("sched-undo").disabled = !S.schedHistory.length;
    if (!r) {
      prompt.textContent = "Running…";
      return;
    }
    const c = r.choice;
    if (!c || !Array.isArray(c.options) || !c.options.length) {
      prompt.textContent = S.schedNote || "The run is over: no more choices. Step through it with the time controls, or Start over.";
      return;
    }
    prompt.textContent = "Step " + num(c.step) + ": more than one thread can run. Which one runs next?";
    c.options.forEach((o, i) => {
      const b = el("button", "sched-choice");
      b.type = "button";
      b.dataset.tid = String(o.tid);
      b.style.setProperty("--c", colorOf(o.tid));
      const name = (o.pid ? o.pid + "/" : "") + o.tid + " " + (o.name || "");
      const head = el("span", "sc-name");
      const dot = el("span", "dot");
      head.append(dot, name);
      // The thread that ran last goes on with no switch; any other is a
      // preemption or a switch.
      const goesOn = c.last && o.tid === c.last;
      b.append(head, el("span", "sc-line", "line " + o.line), el("code", "sc-next", o.next || ""));
      b.append(el("span", "sc-kind", goesOn ? "goes on: no switch" : c.last ? "switch to it (a preemption)" : "switch to it"));
      b.setAttribute("aria-label", "Run thread " + name + " next: line " + o.line + ", " + (o.next || "") + (goesOn ? "; it goes on, no switch" : "; a switch"));
      b.title = "Keyboard: " + (i + 1);
      b.addEventListener("click", () => choose(o.tid));
      box.append(b);
    });
  }

  // noChoices: the schedule is empty ("-" as explore writes it).
  function noChoices(s) {
    return !s || s === "-";
  }

  // nextSchedule is the schedule that picks tid at this choice: the
  // engine's own word for it, which each option carries.
  function nextSchedule(choice, tid) {
    const o = (choice.options || []).find((x) => x.tid === tid);
    if (o && typeof o.schedule === "string" && o.schedule) return o.schedule;
    const s = choice.schedule || "";
    return noChoices(s) ? String(tid) : s + "." + tid;
  }

  async function choose(tid) {
    const r = S.run;
    if (!r || !r.choice) return;
    const before = r.choice.schedule || "";
    S.schedHistory.push(before);
    S.schedNote = "";
    for (const b of document.querySelectorAll(".sched-choice")) b.disabled = true;
    const resp = await load({ choose: true, schedule: nextSchedule(r.choice, tid) });
    if (!resp) S.schedHistory.pop();
    drawModePanel();
  }

  async function schedUndo() {
    if (!S.schedHistory.length) return;
    const prev = S.schedHistory.pop();
    S.schedNote = "";
    await load({ choose: true, schedule: prev });
    drawModePanel();
  }

  async function schedRestart() {
    S.schedHistory = [];
    S.schedNote = "";
    await load({ choose: true, schedule: "" });
    drawModePanel();
  }

  // findFailing explores the script and shows the first outcome that
  // failed (a fault, a deadlock, a non-zero exit) under its schedule.
  async function findFailing() {
    const btn = $("sched-failing");
    btn.disabled = true;
    const resp = await explore();
    btn.disabled = false;
    if (!resp) return;
    const i = (resp.outcomes || []).findIndex((o) => o.failed);
    if (i < 0) {
      S.schedNote = "Explore ran " + num(resp.schedules) + " schedules" + (resp.complete ? " (all of them)" : " (not all)") + " and none failed.";
      setStatus(S.schedNote, "warn");
      drawModePanel();
      return;
    }
    const o = resp.outcomes[i];
    S.schedHistory = [];
    S.schedNote = "A failing schedule, found by exploring " + num(resp.schedules) + " schedules: " + outcomeSummary(o) + ". Step through it with the time controls.";
    await load({ schedule: o.schedule });
    drawModePanel();
  }

  // ---- Explore ---------------------------------------------------------

  async function explore() {
    const pre = $("explore-preemptions").value.trim();
    const max = $("explore-max").value.trim();
    const req = { op: "explore", file: S.file, source: editor.getValue(), sets: [] };
    if (pre !== "" && +pre >= 0) req.preemptions = Math.floor(+pre);
    if (max !== "" && +max >= 1) req.max_schedules = Math.floor(+max);
    const st = $("explore-status");
    st.textContent = "Exploring…";
    setStatus("Exploring every schedule…", "busy");
    $("explore-run").disabled = true;
    let resp;
    try {
      resp = await call(req);
    } catch (e) {
      st.textContent = "";
      setStatus("The engine failed: " + e.message, "error");
      return null;
    } finally {
      $("explore-run").disabled = false;
    }
    if (!resp.ok) {
      st.textContent = "";
      showError(resp.error);
      return null;
    }
    showError(null);
    S.outcomes = resp;
    S.outcome = -1;
    const n = (resp.outcomes || []).length;
    st.textContent =
      num(resp.states || 0) + " states, " + num(resp.schedules) + " schedules, " + n + " outcome" + (n === 1 ? "" : "s") +
      (resp.complete
        ? "; every schedule" + (req.preemptions !== undefined ? " with at most " + req.preemptions + " preemptions" : "") + " was covered."
        : "; the search stopped" + (resp.stop ? " at " + resp.stop : "") + ": not every schedule was covered" + (resp.stop === "max_schedules" ? " (raise “schedules at most”)." : "."));
    setStatus("Explored " + num(resp.schedules) + " schedules: " + n + " outcome" + (n === 1 ? "" : "s"), "");
    return resp;
  }

  async function runExplore() {
    await explore();
    drawModePanel();
  }

  function outcomeSummary(o) {
    const parts = [];
    if (o.deadlock) parts.push("deadlock");
    if (o.faults && o.faults.length) parts.push(o.faults.join("; "));
    if (o.stopped) parts.push("stopped: " + o.stopped);
    const out = (o.output || "").trim().split("\n").pop();
    if (out) parts.push('"' + out + '"');
    return parts.join(", ") || "no output";
  }

  function drawOutcomes() {
    const list = $("outcomes");
    list.replaceChildren();
    const r = S.outcomes;
    if (!r) return;
    (r.outcomes || []).forEach((o, i) => {
      const li = el("li");
      const b = el("button", "outcome" + (o.failed ? " failed" : ""));
      b.type = "button";
      b.dataset.i = String(i);
      b.setAttribute("aria-pressed", String(i === S.outcome));
      const head = el("div", "oc-head");
      head.append(el("span", "oc-n", "outcome " + (i + 1)), el("span", "oc-count", num(o.schedules) + " schedule" + (o.schedules === 1 ? "" : "s")));
      if (o.failed) head.append(el("span", "badge bad", "failed"));
      if (o.deadlock) head.append(el("span", "badge bad", "deadlock"));
      b.append(head);
      b.append(el("pre", "oc-out", (o.output || "").replace(/\n$/, "") || "(no output)"));
      const info = [];
      if (o.exits && o.exits.length) info.push("exit: " + o.exits.join(" "));
      if (o.faults && o.faults.length) info.push(o.faults.join("; "));
      if (o.stopped) info.push("stopped: " + o.stopped);
      if (info.length) b.append(el("div", "oc-info", info.join(" · ")));
      b.addEventListener("click", () => showOutcome(i));
      li.append(b);
      list.append(li);
    });
    const races = Array.isArray(r.races) ? r.races : [];
    const raceList = $("races-list");
    raceList.replaceChildren();
    $("races").hidden = !races.length;
    $("races-title").textContent = races.length === 1 ? "1 data race" : races.length + " data races";
    for (const rc of races) {
      raceList.append(el("pre", "race", Array.isArray(rc.text) ? rc.text.join("\n") : String(rc.text || rc)));
    }
  }

  async function showOutcome(i) {
    const o = S.outcomes && S.outcomes.outcomes[i];
    if (!o) return;
    S.outcome = i;
    drawOutcomes();
    await load({ schedule: o.schedule });
    S.schedule = o.schedule || S.schedule;
    drawScheduleBox();
  }

  // ---- Run -------------------------------------------------------------

  async function run() {
    S.outcome = -1;
    if (S.mode === "sched") return schedRestart();
    if (S.mode === "explore") {
      S.outcomes = null;
      drawModePanel();
      const r = await load({});
      if (r) await runExplore();
      return;
    }
    await load({});
  }

  // ---- The script to open ----------------------------------------------

  // initialScript finds what to open: what engine.js finds (a #src= link,
  // a ?script= file, the script the server was started with), else the
  // default example. A script named but not found is an error to show,
  // not a reason to run something else.
  async function initialScript() {
    const eng = window.ProcEngine;
    if (eng && typeof eng.initialScript === "function") {
      const s = await eng.initialScript();
      if (s && typeof s.source === "string") return { file: s.file || "script.proc", source: s.source };
    }
    return { file: DEFAULT_FILE, source: DEFAULT_SOURCE };
  }

  // openScript puts a script in the editor under the name file and runs
  // it in the mode chosen, as the page does with the script it opens
  // with: the tour's "Load the script" comes here.
  async function openScript(file, source) {
    if (!editor) throw new Error("the page has not started yet");
    setFile(file);
    editor.setValue(String(source));
    editor.revealLine(1);
    S.outcome = -1;
    S.dirty = false;
    $("dirty").hidden = true;
    try {
      await engine().ready;
    } catch (e) {
      return null; // the status line says why already
    }
    return run();
  }

  function setFile(name) {
    S.file = name || "script.proc";
    $("file-name").textContent = S.file;
    document.title = S.file + " — proc";
  }

  // ---- Keyboard --------------------------------------------------------

  function onKey(e) {
    const t = e.target;
    const tag = t && t.tagName;
    const typing = tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && t.type !== "range") || (t && t.isContentEditable);
    if (typing || e.ctrlKey || e.metaKey || document.querySelector("dialog[open]")) return;
    if (!S.run) return;
    let handled = true;
    switch (e.key) {
      case "ArrowLeft":
        if (e.altKey) lineBy(-1);
        else if (e.shiftKey) eventBy(-1);
        else stepBy(-1);
        break;
      case "ArrowRight":
        if (e.altKey) lineBy(1);
        else if (e.shiftKey) eventBy(1);
        else stepBy(1);
        break;
      case "ArrowUp":
      case "ArrowDown":
        // In the trace list, up and down go from event to event.
        if (t && t.id === "trace") eventBy(e.key === "ArrowUp" ? -1 : 1);
        else handled = false;
        break;
      case "Home":
        setStep(0, { ev: 0 });
        break;
      case "End":
        setStep(S.run.steps, { ev: S.events.length - 1 });
        break;
      default:
        handled = false;
        // In scheduler mode, digit k picks the k-th ready thread.
        if (S.mode === "sched" && /^[1-9]$/.test(e.key) && !e.altKey && S.run.choice) {
          const o = S.run.choice.options[+e.key - 1];
          if (o) {
            choose(o.tid);
            handled = true;
          }
        }
    }
    if (handled) e.preventDefault();
  }

  // ---- Theme and font toggles ------------------------------------------

  function syncToggles() {
    const dark = root.dataset.theme === "dark";
    // memory.css restyles the picture by classes of the body.
    document.body.classList.toggle("dark", dark);
    document.body.classList.toggle("large", root.classList.contains("large"));
    $("theme").setAttribute("aria-pressed", String(dark));
    $("theme").textContent = dark ? "◑ Light" : "◐ Dark";
    $("theme").title = dark ? "Light theme" : "Dark theme";
    $("theme").setAttribute("aria-label", "Dark theme");
    const large = root.classList.contains("large");
    $("font").setAttribute("aria-pressed", String(large));
    $("font").textContent = large ? "A−" : "A+";
  }

  function redrawAll() {
    // Colours or sizes changed: everything drawn with them again.
    if (!S.run) return;
    assignColors();
    traceReset();
    traceFollow(true);
    drawGantt();
    drawStats(S.run.stats);
    fillLineTid();
    drawModePanel();
    if (S.snap) drawSnapshot(S.snap, S.snapBefore);
  }

  // ---- Start -----------------------------------------------------------

  async function start() {
    document.body.dataset.mode = S.mode;
    editor = window.ProcEditor.create($("editor"), {
      label: "Script",
      onRun: () => run(),
      onChange: () => {
        if (!S.dirty) {
          S.dirty = true;
          $("dirty").hidden = !S.run;
        }
      },
    });
    syncToggles();
    updateButtons();

    $("run").addEventListener("click", () => run());
    for (const b of document.querySelectorAll(".modes [data-mode]")) b.addEventListener("click", () => setMode(b.dataset.mode));
    $("to-start").addEventListener("click", () => setStep(0, { ev: 0 }));
    $("to-end").addEventListener("click", () => S.run && setStep(S.run.steps, { ev: S.events.length - 1 }));
    $("step-back").addEventListener("click", () => stepBy(-1));
    $("step-fwd").addEventListener("click", () => stepBy(1));
    $("event-back").addEventListener("click", () => eventBy(-1));
    $("event-fwd").addEventListener("click", () => eventBy(1));
    $("line-back").addEventListener("click", () => lineBy(-1));
    $("line-fwd").addEventListener("click", () => lineBy(1));
    $("slider").addEventListener("input", (e) => setStep(+e.target.value));
    $("slider").addEventListener("keydown", (e) => {
      // The slider's own keys would move by one; ours know events and lines.
      if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(e.key)) {
        onKey(e);
        e.preventDefault();
        e.stopPropagation();
      }
    });
    $("line-tid").addEventListener("change", (e) => {
      S.lineTid = +e.target.value;
      e.target.style.setProperty("--c", colorOf(S.lineTid));
      updateButtons();
    });
    $("trace").addEventListener("scroll", () => traceRender(false), { passive: true });
    $("trace").addEventListener("click", (e) => {
      const row = e.target.closest(".trace-row");
      if (!row) return;
      const i = +row.dataset.i;
      const ev = S.events[i];
      if (ev) setStep(ev.step, { ev: i, reveal: false });
    });
    $("sched-undo").addEventListener("click", schedUndo);
    $("sched-restart").addEventListener("click", schedRestart);
    $("sched-failing").addEventListener("click", findFailing);
    $("explore-run").addEventListener("click", () => {
      S.outcome = -1;
      runExplore();
    });
    $("schedule-copy").addEventListener("click", (e) => copyText(S.schedule, e.currentTarget));
    $("schedule-cmd-copy").addEventListener("click", (e) => copyText($("schedule-cmd").textContent, e.currentTarget));
    $("share").addEventListener("click", (e) => {
      const eng = window.ProcEngine;
      if (!eng || typeof eng.link !== "function") return;
      const link = eng.link(S.file, editor.getValue());
      history.replaceState(null, "", link);
      copyText(link, e.currentTarget);
    });
    $("help-btn").addEventListener("click", () => {
      const d = $("help");
      if (typeof d.showModal === "function") d.showModal();
      else d.setAttribute("open", "");
    });
    $("error").addEventListener("click", () => {
      // The error's line, with the caret at its column, to fix it.
      const d = $("error").dataset;
      if (+d.line >= 1) editor.goTo(+d.line, +d.col || 1);
    });
    $("theme").addEventListener("click", () => {
      root.dataset.theme = root.dataset.theme === "dark" ? "light" : "dark";
      store.set("proc.theme", root.dataset.theme);
      syncToggles();
      redrawAll();
    });
    $("font").addEventListener("click", () => {
      root.classList.toggle("large");
      store.set("proc.large", root.classList.contains("large") ? "1" : "0");
      syncToggles();
      redrawAll();
    });
    if (window.matchMedia) {
      matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
        // Follow the system only while the reader has not chosen.
        if (store.get("proc.theme")) return;
        root.dataset.theme = systemDark() ? "dark" : "light";
        syncToggles();
        redrawAll();
      });
    }
    document.addEventListener("keydown", onKey);
    let resizeTimer = 0;
    new ResizeObserver(() => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        if (S.run) {
          drawGantt();
          traceRender(true);
        }
      }, 100);
    }).observe($("gantt"));

    let init;
    try {
      init = await initialScript();
    } catch (e) {
      setStatus("Cannot open the script: " + e.message, "error");
      showError({ text: "Cannot open the script: " + e.message });
      document.body.dataset.state = "error";
      return;
    }
    setFile(init.file);
    editor.setValue(init.source);

    try {
      setStatus("Loading the engine…", "busy");
      await engine().ready;
    } catch (e) {
      setStatus("The engine did not start: " + (e && e.message ? e.message : e), "error");
      document.body.dataset.state = "error";
      return;
    }
    await load({});
  }

  // What a browser test (or the console) can drive.
  window.ProcApp = {
    get state() {
      return {
        mode: S.mode,
        step: S.step,
        steps: S.run ? S.run.steps : 0,
        event: S.ev,
        events: S.events.length,
        schedule: S.schedule,
        file: S.file,
        lineTid: S.lineTid,
        snapshotStep: S.snap ? S.snap.step : null,
      };
    },
    run,
    openScript,
    setStep,
    setMode,
    choose,
    idle,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
