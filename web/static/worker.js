// The page's engine, in a worker of its own so that a long run never
// freezes the page. It loads proc.wasm (the interpreter compiled to
// WebAssembly) with Go's wasm_exec.js, then answers each message
// {id, req} — req a JSON request as a string — with {id, resp}, resp the
// engine's JSON response as a string, or with {id, error} when the engine
// could not answer at all. It posts {ready: true} once the engine runs, or
// {ready: false, error} when it cannot start. Requests are answered one at
// a time, in the order they came.
"use strict";

importScripts("wasm_exec.js");

const started = (async () => {
  const go = new Go();
  const resp = await fetch("proc.wasm");
  if (!resp.ok) {
    throw new Error(`proc.wasm: ${resp.status} ${resp.statusText}`);
  }
  // Compiling while the file downloads needs the server to say
  // application/wasm; some static file servers do not, and then the
  // engine is compiled from its bytes once they are all here.
  const type = resp.headers.get("Content-Type") || "";
  const { instance } = type.startsWith("application/wasm")
    ? await WebAssembly.instantiateStreaming(resp, go.importObject)
    : await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
  // The Go program registers procCall and then waits for ever; run
  // returns once it waits. It would settle only if the program ended.
  go.run(instance).then(() => {
    self.procCall = undefined;
  });
  if (typeof self.procCall !== "function") {
    throw new Error("proc.wasm started but did not register procCall");
  }
})();

const message = (err) => String((err && err.message) || err);

started.then(
  () => self.postMessage({ ready: true }),
  (err) => self.postMessage({ ready: false, error: message(err) }),
);

self.onmessage = async (e) => {
  const { id, req } = e.data;
  try {
    await started;
    if (typeof self.procCall !== "function") {
      throw new Error("the engine has stopped; reload the page");
    }
    self.postMessage({ id, resp: self.procCall(req) });
  } catch (err) {
    self.postMessage({ id, error: message(err) });
  }
};
