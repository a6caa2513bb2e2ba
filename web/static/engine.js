// ProcEngine: the page's side of proc's engine, which runs in a Web
// Worker (worker.js) as WebAssembly. Load this file with a plain
// <script src="engine.js"> before the scripts that use it.
//
//   ProcEngine.ready            a Promise, settled once the engine runs
//                               (rejected with the reason it cannot)
//   ProcEngine.call(req)        send one request object of the wire
//                               protocol; a Promise of the response object
//   ProcEngine.initialScript()  a Promise of the script the page opens
//                               with, {file, source, from}, or null
//   ProcEngine.link(file, src)  a link to this page that opens with the
//                               script src in it
//
// A failure to answer at all (the engine could not start, or stopped)
// rejects the Promise with an Error; a request the engine refuses is an
// answer, {"ok": false, "error": {...}}, as the protocol says.
"use strict";

window.ProcEngine = (() => {
  // The worker and initial.json sit beside this file, wherever the page is.
  const here = (document.currentScript && document.currentScript.src) || location.href;

  // As `proc run` reads at most 1 MiB of a script.
  const maxScriptBytes = 1 << 20;

  const pending = new Map();
  let nextID = 1;
  let failure = null;
  let started, notStarted;
  const ready = new Promise((resolve, reject) => {
    started = resolve;
    notStarted = reject;
  });
  // The page may never ask whether the engine is ready and only call it:
  // the reason reaches it through call, and the console through fail.
  ready.catch(() => {});

  // fail says once why the engine cannot answer, and turns every request
  // waiting for an answer, and every later one, into that error.
  const fail = (why) => {
    if (failure) {
      return;
    }
    failure = new Error(why);
    console.error(`proc: ${why}`);
    notStarted(failure);
    for (const { reject } of pending.values()) {
      reject(failure);
    }
    pending.clear();
  };

  const worker = new Worker(new URL("worker.js", here));
  worker.onmessage = (e) => {
    const m = e.data;
    if ("ready" in m) {
      if (m.ready) {
        started();
      } else {
        fail(`the engine could not start: ${m.error}`);
      }
      return;
    }
    const waiting = pending.get(m.id);
    if (!waiting) {
      return;
    }
    pending.delete(m.id);
    if (m.error !== undefined) {
      waiting.reject(new Error(m.error));
      return;
    }
    try {
      waiting.resolve(JSON.parse(m.resp));
    } catch (err) {
      waiting.reject(new Error(`the engine's answer is not JSON: ${err.message}`));
    }
  };
  worker.onerror = (e) => {
    e.preventDefault();
    fail(`the engine's worker failed: ${e.message || "worker.js could not be loaded"}`);
  };

  const call = (req) => {
    if (failure) {
      return Promise.reject(failure);
    }
    if (req === null || typeof req !== "object") {
      return Promise.reject(new TypeError("ProcEngine.call takes a request object"));
    }
    const id = nextID++;
    const body = JSON.stringify(req);
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, req: body });
    });
  };

  const checked = (script) => {
    const size = new TextEncoder().encode(script.source).length;
    if (size > maxScriptBytes) {
      throw new Error(`${script.file}: ${size} bytes is too large for a script (at most ${maxScriptBytes})`);
    }
    return script;
  };

  // initialScript finds the script the page opens with, first found first:
  //   #src=TEXT (and &file=NAME)  the script is in the link itself
  //   ?script=URL                 the script is fetched from URL, relative
  //                               to the page (another site's must allow
  //                               it, as browsers require)
  //   initial.json                the script `proc web FILE` serves, or
  //                               that `proc web --export DIR FILE` wrote
  // from says which: "link", "url" or "file". A page opened with a script
  // runs it at once.
  const initialScript = async () => {
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.has("src")) {
      return checked({ file: hash.get("file") || "script.proc", source: hash.get("src"), from: "link" });
    }
    const wanted = new URLSearchParams(location.search).get("script");
    if (wanted) {
      const url = new URL(wanted, location.href);
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new Error(`${wanted}: a script is fetched over http or https only`);
      }
      const resp = await fetch(url);
      if (!resp.ok) {
        throw new Error(`${wanted}: ${resp.status} ${resp.statusText}`);
      }
      let name = url.pathname.split("/").pop();
      try {
        name = decodeURIComponent(name);
      } catch {
        // A malformed escape: the name as it is written.
      }
      return checked({ file: name || "script.proc", source: await resp.text(), from: "url" });
    }
    const resp = await fetch(new URL("initial.json", here), { cache: "no-store" });
    if (!resp.ok) {
      throw new Error(`initial.json: ${resp.status} ${resp.statusText}`);
    }
    const initial = await resp.json();
    if (typeof initial.source !== "string") {
      return null;
    }
    return checked({ file: initial.file || "script.proc", source: initial.source, from: "file" });
  };

  // link returns the address of this page with the script in its
  // fragment: the fragment never reaches a server, and the page opened
  // from the link runs the script.
  const link = (file, source) => {
    const url = new URL(location.href);
    url.search = "";
    url.hash = new URLSearchParams({ file, src: source }).toString();
    return url.href;
  };

  return Object.freeze({ ready, call, initialScript, link });
})();
