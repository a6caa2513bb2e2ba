// editor.js — the script editor of proc's page: a plain textarea over a
// highlighted copy of its text, with line numbers, each thread's current
// line in the thread's colour, and the line of an error.
//
// The textarea stays the real editor (undo, selection, input methods and
// screen readers all work as in any text field); its text is transparent
// and the coloured copy behind it shows through. Both are sized to the
// whole text, and one box around them scrolls, so they never drift apart.
"use strict";

(function () {
  // The reserved words, as the language reference lists them.
  const KEYWORDS = new Set([
    "global", "func", "let", "return", "if", "else", "while", "for", "in",
    "break", "continue", "print", "assert", "show", "config", "spawn", "fork",
    "thread", "join", "wait", "exit", "yield", "sleep", "compute", "io",
    "alloc", "free", "call", "send", "recv", "close", "lock", "unlock",
    "with",
  ]);
  const CONSTANTS = new Set(["true", "false", "nil"]);
  // The builtins: called like functions, they are the machine's.
  const BUILTINS = new Set([
    "len", "str", "getpid", "gettid", "now", "paddr", "xchg", "fetch_add",
    "cas", "pipe", "mqueue", "shm", "mmap", "mutex", "sem", "down", "up",
    "cond", "cwait", "signal", "broadcast", "listen", "connect", "accept",
  ]);

  // One token at a time: a comment, a string (possibly unterminated: a
  // string cannot span lines), a number, a word, or anything else.
  const TOKEN = /(#.*)|("(?:[^"\\]|\\.)*"?)|(0[xX][0-9a-fA-F_]*|[0-9][0-9_]*)|([A-Za-z_][A-Za-z0-9_]*)|([^#"A-Za-z0-9_]+)/g;

  function escapeHTML(s) {
    return s.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
  }

  // highlightLine returns the HTML of one source line with its tokens in
  // spans. prevWord is the word before, so that the name after "func"
  // is shown as a definition.
  function highlightLine(line) {
    let out = "";
    let prev = "";
    TOKEN.lastIndex = 0;
    let m;
    while ((m = TOKEN.exec(line)) !== null) {
      const text = escapeHTML(m[0]);
      if (m[1] !== undefined) out += '<span class="tk-com">' + text + "</span>";
      else if (m[2] !== undefined) out += '<span class="tk-str">' + text + "</span>";
      else if (m[3] !== undefined) out += '<span class="tk-num">' + text + "</span>";
      else if (m[4] !== undefined) {
        const w = m[0];
        if (KEYWORDS.has(w)) out += '<span class="tk-kw">' + text + "</span>";
        else if (CONSTANTS.has(w)) out += '<span class="tk-const">' + text + "</span>";
        else if (prev === "func") out += '<span class="tk-def">' + text + "</span>";
        else if (BUILTINS.has(w) && /^\s*\(/.test(line.slice(TOKEN.lastIndex))) out += '<span class="tk-builtin">' + text + "</span>";
        else out += text;
        prev = w;
        continue;
      } else out += text;
      if (m[5] === undefined || m[5].trim() !== "") prev = "";
    }
    return out;
  }

  // create builds an editor inside root. opts.label names the text field
  // for screen readers; opts.onRun is called on Ctrl+Enter (or Cmd+Enter);
  // opts.onChange after every edit.
  function create(root, opts) {
    opts = opts || {};
    root.classList.add("editor");
    root.innerHTML = "";

    const scroll = el("div", "ed-scroll");
    const gutter = el("div", "ed-gutter");
    gutter.setAttribute("aria-hidden", "true");
    const code = el("div", "ed-code");
    const bands = el("div", "ed-bands");
    bands.setAttribute("aria-hidden", "true");
    const hl = el("pre", "ed-hl");
    hl.setAttribute("aria-hidden", "true");
    const ta = document.createElement("textarea");
    ta.id = opts.id || "source";
    ta.className = "ed-text";
    ta.spellcheck = false;
    ta.setAttribute("wrap", "off");
    ta.setAttribute("autocapitalize", "off");
    ta.setAttribute("autocomplete", "off");
    ta.setAttribute("autocorrect", "off");
    ta.setAttribute("aria-label", opts.label || "Script");
    ta.setAttribute("aria-describedby", "error");
    code.append(bands, hl, ta);
    scroll.append(gutter, code);
    root.append(scroll);

    let threads = []; // [{tid, line, color, running, state, label}]
    let error = null; // {line, message}
    let nlines = 0;
    let pending = 0;

    // size fits the text field to its text, in units of the font, so a
    // font change needs no measuring: lines * line height, the longest
    // line in characters. It runs on every keystroke, before the browser
    // scrolls the caret into view: a field too small for its text would
    // scroll inside itself and slide away from its coloured copy.
    function size() {
      const lines = ta.value.split("\n");
      let longest = 0;
      for (const l of lines) if (l.length > longest) longest = l.length;
      const h = "calc(" + lines.length + " * var(--ed-lh) + 2 * var(--ed-pad))";
      const w = "calc(" + (longest + 2) + "ch + 2 * var(--ed-pad))";
      ta.style.height = h;
      hl.style.height = h;
      code.style.minWidth = w;
      code.style.height = h;
      const changed = lines.length !== nlines;
      nlines = lines.length;
      return changed;
    }

    function render() {
      pending = 0;
      size();
      let html = "";
      for (const l of ta.value.split("\n")) html += '<span class="ed-line">' + highlightLine(l) + "</span>\n";
      hl.innerHTML = html;
      renderGutter();
    }

    function renderGutter() {
      // Which threads are at each line, the one on the CPU first.
      const at = new Map();
      for (const t of threads) {
        if (!(t.line >= 1) || t.line > nlines) continue;
        if (!at.has(t.line)) at.set(t.line, []);
        at.get(t.line).push(t);
      }
      for (const list of at.values()) list.sort((a, b) => (b.running ? 1 : 0) - (a.running ? 1 : 0) || a.tid - b.tid);

      const frag = document.createDocumentFragment();
      for (let n = 1; n <= nlines; n++) {
        const row = el("div", "ed-gl");
        const marks = el("span", "ed-marks");
        const here = at.get(n);
        if (here) {
          for (const t of here.slice(0, 3)) {
            const m = el("span", "ed-tag" + (t.running ? " running" : "") + " st-" + (t.state || ""));
            m.style.setProperty("--c", t.color);
            m.textContent = (t.running ? "▶" : "") + t.tid;
            m.title = t.label || "thread " + t.tid;
            marks.append(m);
          }
          if (here.length > 3) {
            const m = el("span", "ed-tag more");
            m.textContent = "+" + (here.length - 3);
            m.title = here.slice(3).map((t) => t.label || "thread " + t.tid).join("\n");
            marks.append(m);
          }
        }
        if (error && error.line === n) {
          const m = el("span", "ed-err-mark");
          m.textContent = "!";
          m.title = error.message;
          marks.append(m);
        }
        const num = el("span", "ed-num");
        num.textContent = String(n);
        row.append(marks, num);
        frag.append(row);
      }
      gutter.replaceChildren(frag);
      // The gutter stays put over the code when the code scrolls sideways;
      // the scroll padding keeps the caret and a focused field from being
      // scrolled in under it.
      scroll.style.scrollPaddingLeft = gutter.offsetWidth + "px";

      // The bands behind the text: one per line that a thread is at,
      // split between its threads' colours in stripes one above the other,
      // so every colour shows however far the line is scrolled.
      const bfrag = document.createDocumentFragment();
      for (const [line, list] of at) {
        const b = el("div", "ed-band" + (list.some((t) => t.running) ? " running" : ""));
        b.style.top = "calc(" + (line - 1) + " * var(--ed-lh) + var(--ed-pad))";
        if (list.length === 1) {
          b.style.setProperty("--c", list[0].color);
        } else {
          const stops = list.map((t, i) => {
            const a = ((i * 100) / list.length).toFixed(2);
            const z = (((i + 1) * 100) / list.length).toFixed(2);
            return t.color + " " + a + "% " + z + "%";
          });
          b.style.setProperty("--stripes", "linear-gradient(180deg, " + stops.join(", ") + ")");
          b.classList.add("multi");
        }
        b.title = list.map((t) => t.label).join(", ");
        bfrag.append(b);
      }
      if (error && error.line >= 1 && error.line <= nlines) {
        const b = el("div", "ed-band error");
        b.style.top = "calc(" + (error.line - 1) + " * var(--ed-lh) + var(--ed-pad))";
        bfrag.append(b);
        if (error.col >= 1) {
          const c = el("div", "ed-err-col");
          c.style.top = b.style.top;
          c.style.left = "calc(" + (error.col - 1) + "ch + var(--ed-pad))";
          bfrag.append(c);
        }
      }
      bands.replaceChildren(bfrag);
    }

    function schedule() {
      if (!pending) pending = requestAnimationFrame(render);
    }

    ta.addEventListener("input", () => {
      if (size()) renderGutter();
      schedule();
      if (opts.onChange) opts.onChange();
    });
    ta.addEventListener("scroll", () => {
      // Should the field still scroll inside itself, the outer box takes
      // the scroll over, so text and colours stay together.
      const dx = ta.scrollLeft,
        dy = ta.scrollTop;
      if (!dx && !dy) return;
      ta.scrollLeft = 0;
      ta.scrollTop = 0;
      scroll.scrollLeft += dx;
      scroll.scrollTop += dy;
    });
    ta.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        if (opts.onRun) opts.onRun();
        return;
      }
      // Tab indents, as in any code editor; Escape first lets Tab leave
      // the field, so the keyboard is never trapped here.
      if (e.key === "Tab" && !e.shiftKey && !e.ctrlKey && !e.altKey && !ta.dataset.escaped) {
        e.preventDefault();
        insertText("    ");
        return;
      }
      if (e.key === "Escape") {
        ta.dataset.escaped = "1";
        return;
      }
      delete ta.dataset.escaped;
    });
    ta.addEventListener("blur", () => delete ta.dataset.escaped);

    function insertText(s) {
      // execCommand keeps the browser's undo history; setRangeText is the
      // fallback where it is gone.
      if (!(document.execCommand && document.execCommand("insertText", false, s))) {
        ta.setRangeText(s, ta.selectionStart, ta.selectionEnd, "end");
        ta.dispatchEvent(new Event("input"));
      }
    }

    function lineTop(line) {
      const cs = getComputedStyle(ta);
      const lh = parseFloat(cs.lineHeight) || 18;
      return { top: (line - 1) * lh, lh };
    }

    // revealLine scrolls the editor so that line is in view, leaving the
    // scroll alone when it already is.
    function revealLine(line) {
      if (!(line >= 1)) return;
      const { top, lh } = lineTop(line);
      const view = scroll.clientHeight;
      if (top < scroll.scrollTop || top + lh > scroll.scrollTop + view) {
        scroll.scrollTop = Math.max(0, top - view / 3);
      }
    }

    render();
    return {
      textarea: ta,
      getValue: () => ta.value,
      setValue(text) {
        ta.value = text;
        render();
      },
      // setThreads marks each thread's current line: items are
      // {tid, line, color, running, state, label}.
      setThreads(list) {
        threads = list || [];
        renderGutter();
      },
      // setError marks the line of an error ({line, col, message}), or
      // clears it with null.
      setError(err) {
        error = err && err.line >= 1 ? err : null;
        renderGutter();
        if (error) revealLine(error.line);
      },
      revealLine,
      focus: () => ta.focus(),
      // goTo puts the caret at the start of a line and shows it.
      goTo(line, col) {
        const lines = ta.value.split("\n");
        let off = 0;
        for (let i = 0; i < line - 1 && i < lines.length; i++) off += lines[i].length + 1;
        off += Math.max(0, (col || 1) - 1);
        ta.focus();
        ta.setSelectionRange(off, off);
        revealLine(line);
      },
    };
  }

  function el(tag, cls) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    return e;
  }

  window.ProcEditor = { create, highlightLine };
})();
