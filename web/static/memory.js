// memory.js draws the machine at one moment, from a snapshot (the JSON of
// `proc run --json --snapshot-at=N`, documented in docs/snapshot.md):
//
//   ProcMemory.draw(container, snapshot, opts)  the memory: one column per
//       process, its segments in address order with their words, and SVG
//       arrows from every pointer to what it points into.
//   ProcKernel.draw(container, snapshot, opts)  the threads and the kernel's
//       objects: pipes, queues, mutexes, semaphores, condition variables,
//       sockets, shared memory, files, zombies.
//
// Everything is HTML text (selectable, searchable, read by screen readers);
// only the arrows are SVG. Colours come from CSS variables in memory.css so
// that body.dark and body.large restyle without a redraw.
//
// opts (all optional):
//   colors    {tid: css colour}   each thread's colour, chosen by the page
//   previous  snapshot            the step before: changed values flash
//   order     "high" | "low"      which addresses are drawn at the top
//                                 (default "high": the stack on top, growing
//                                 down towards the heap, as textbooks draw it)
//   pids      [pid...]            the processes to draw (default: all)
//
// ProcMemory.draw returns {arrows, reroute}: how many pointer arrows it
// drew, and a function that lays them out again (it does so by itself when
// the drawing changes size). ProcMemory.sharedColor(id) is the colour a
// shared object has in the drawing, for a page that shows it elsewhere.
//
// What a test can read (these names stay): addresses as the trace prints
// them ("0x401000"), values as show stack prints them.
//   .pm-proc[data-pid]                   a process's column (.pm-zombie: one)
//   .pm-seg[data-kind][data-start][data-end][data-perm][data-name]
//        a segment as show maps lists it; its note is .pm-note; a shared
//        mapping has data-shared (the object's id), a private file copy
//        data-copy-of; a stack data-tid (its owner) and data-thread (the
//        thread running on it)
//   .pm-row[data-addr][data-name]        a word: .pm-global, .pm-field (of a
//        heap block), .pm-slot (of a frame: .pm-ret for the return
//        address, .pm-savedfp for the saved frame pointer), .pm-word (of a
//        shared or file mapping). Its value is the text of .pm-val, which
//        has data-k, and for a pointer data-ptr plus data-to (the target's
//        id) or data-dangling="true"; .pm-cow marks a word on a page still
//        shared copy-on-write, .pm-differ one whose address holds another
//        value in another process, .pm-changed one changed since
//        opts.previous (data-was: the value before)
//   .pm-block[data-addr][data-start][data-end][data-size][data-id]
//        a live heap block (data-leak="leaked" when lost); .pm-site holds
//        "allocated at main, line 13"
//   .pm-free[data-start][data-size]      a free chunk
//   .pm-exit[data-pid][data-lost]   at the end of a run: a process's heap at exit
//        (its leak report; data-lost="true" when it lost a block)
//   .pm-frame[data-tid][data-depth][data-func][data-fp][data-line]
//        a frame; depth 0 is the innermost, as in show stack
//   .pm-stack-free[data-sp]              a stack's unused part, below sp
//   .pm-more[data-start][data-end]       what a limit left out
//   svg.pm-arrows path.pm-arrow[data-pid][data-from][data-to]  a pointer's
//        arrow (.pm-chain: a saved frame pointer's); path.pm-link[data-shared]
//        links the copies of one shared object
//   .pk-proc[data-pid][data-state], .pk-thread[data-tid][data-pid][data-state]
//        [data-waits-on] with .pk-line[data-line] and .pk-wait (show
//        threads' WAITING FOR), .pk-fd[data-fd][data-kind][data-object]
//   .pk-obj[data-kind][data-id]          a kernel object: pipe (data-bytes),
//        mqueue (data-messages), mutex (data-owner), sem (data-count),
//        cond, socket (data-peer), listener, shm, file; .pk-tid[data-tid]
//        is a thread in it, .pk-end-chip[data-pid][data-fd] a descriptor
(function (global) {
  'use strict';

  const SVGNS = 'http://www.w3.org/2000/svg';

  // What one draw shows at most, so that a huge array or heap cannot make
  // the page unresponsive. What is left out is counted ("... and K more").
  const LIMITS = {
    fields: 16,     // words of one heap block
    heapItems: 240, // blocks and free chunks of one heap
    globals: 120,   // globals of one data or bss segment
    frames: 48,     // frames of one stack
    slots: 24,      // slots of one frame
    words: 32,      // words of a shared mapping
    text: 160,      // characters of one value
    queue: 48,      // cells of a pipe's or socket's buffer
    messages: 24,   // messages of one queue
    rows: 6000,     // words of one drawing, shared by its processes
    procRows: 400,  // ... but at least this many for each process
    procs: 24,      // process columns
  };

  // A palette for what the page must colour but the app does not choose:
  // threads without opts.colors, and shared objects (one colour per object,
  // the same in every process that maps it).
  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e',
    '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
  const SHARED_PALETTE = ['#c2255c', '#7048e8', '#0c8599', '#d9480f', '#2f9e44', '#1971c2', '#ae3ec9', '#e67700'];

  let drawCount = 0; // makes the SVG marker ids of each drawing unique

  // ---- small helpers -------------------------------------------------

  function h(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  // num reads an address: "0x401000" (as the snapshot writes them) or a
  // number. Addresses stay below 2^53, so a Number holds them exactly.
  function num(a) {
    if (typeof a === 'number') return a;
    if (typeof a !== 'string' || a === '') return NaN;
    return parseInt(a, 16);
  }

  function hex(n) {
    return '0x' + n.toString(16);
  }

  // canon writes an address the one way ids and data-addr use: lower-case
  // hex without leading zeros, as the trace prints it. It works on the
  // text, so a 64-bit value past 2^53 keeps every digit.
  function canon(a) {
    if (typeof a === 'number') return hex(a);
    const m = /^0x0*([0-9a-fA-F]+)$/.exec(String(a === undefined || a === null ? '' : a));
    return m ? '0x' + m[1].toLowerCase() : String(a === undefined || a === null ? '' : a);
  }

  // normId makes "p1:var:0x00401000" and "p1:var:0x401000" the same key.
  function normId(id) {
    return String(id).replace(/0x[0-9a-fA-F]+$/, canon);
  }

  function sizeText(n) {
    if (!Number.isFinite(n)) return '';
    if (n < 10240) return n + (n === 1 ? ' byte' : ' bytes');
    const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
    let v = n / 1024;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (v >= 100 ? Math.round(v) : Math.round(v * 10) / 10) + ' ' + units[u];
  }

  function hashColor(key) {
    let x = 0;
    const s = String(key);
    for (let i = 0; i < s.length; i++) x = (x * 31 + s.charCodeAt(i)) >>> 0;
    return SHARED_PALETTE[x % SHARED_PALETTE.length];
  }

  function threadColor(opts, tid) {
    const c = opts && opts.colors && (opts.colors[tid] || opts.colors[String(tid)]);
    return c || PALETTE[(Number(tid) - 1 + PALETTE.length) % PALETTE.length] || PALETTE[0];
  }

  function clip(s, n) {
    s = String(s);
    if (s.length <= n) return s;
    return s.slice(0, n) + '\u2026';
  }

  function list(a) {
    return Array.isArray(a) ? a : [];
  }

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  function srOnly(text) {
    return h('span', 'pm-sr', text);
  }

  // sharedLabel names a shared object for people: "shm buffer",
  // "file local:counter.dat".
  function sharedLabel(id) {
    const s = String(id || '');
    if (s.startsWith('shm:')) return 'shm ' + s.slice(4);
    if (s.startsWith('file:')) return 'file ' + s.slice(5);
    return s;
  }

  // ---- values ----------------------------------------------------------

  // valueEl draws one value into its row. The text the snapshot gives (as
  // show stack prints it) is the whole text of .pm-val, so a test can
  // compare it with the CLI's views; a dangling pointer's mark is a
  // sibling after it.
  function valueEl(row, v, ctx, pid) {
    const s = h('span', 'pm-val');
    row.appendChild(s);
    if (v === null || v === undefined) return s;
    if (typeof v !== 'object') {
      s.textContent = clip(v, LIMITS.text);
      return s;
    }
    const text = v.v !== undefined && v.v !== null ? String(v.v) : '';
    s.textContent = clip(text, LIMITS.text);
    if (text.length > LIMITS.text) s.title = text.length + ' characters; the first ' + LIMITS.text + ' are shown';
    if (v.k) s.dataset.k = v.k;
    if (v.obj) s.dataset.obj = v.obj;
    if (v.k === 'ptr' || v.ptr) {
      s.classList.add('pm-ptr');
      if (v.ptr) s.dataset.ptr = canon(v.ptr);
      if (v.dangling) {
        s.classList.add('pm-dangling');
        s.dataset.dangling = 'true';
        s.title = 'dangling pointer: ' + (v.ptr || text) + ' ' + whyDangling(ctx.proc, num(v.ptr || text)) +
          '. In process ' + pid + ' it points at nothing: a load through it would fault.';
        const mark = h('span', 'pm-broken', '\u219b');
        mark.setAttribute('aria-hidden', 'true');
        mark.title = s.title;
        row.appendChild(mark);
        row.appendChild(srOnly('dangling pointer'));
        ctx.dangling++;
      } else if (v.to) {
        s.dataset.to = v.to;
        ctx.sources.push({ el: s, to: v.to, pid: pid, ptr: v.ptr ? canon(v.ptr) : '' });
        s.title = (v.ptr || text) + ' points into ' + describeTarget(v.to);
      }
    }
    return s;
  }

  // whyDangling says, from the process's own map, why an address holds
  // nothing live: the snapshot says only that it does not.
  function whyDangling(proc, a) {
    const seg = proc && list(proc.segments).find((x) => a >= num(x.start) && a < num(x.end));
    if (!seg) return 'is in no segment of this process (not mapped here)';
    switch (seg.kind) {
      case 'guard': return 'is in a guard page';
      case 'heap': return 'is heap memory in no live block (freed, never allocated, or a block\'s header)';
      case 'stack': return 'is below the live frames of its stack (a slot of a frame that returned)';
    }
    return 'is not live memory of this process';
  }

  function describeTarget(id) {
    const m = /^p(\d+):(block|var):(.*)$/.exec(String(id));
    if (m) return (m[2] === 'block' ? 'the heap block at ' : 'the variable at ') + m[3] + ' of process ' + m[1];
    return sharedLabel(id);
  }

  // ---- the memory ------------------------------------------------------

  // rowEl draws one word with a name: a global, a block's field, a frame's
  // slot, a shared mapping's word. data-addr carries the word's address.
  function rowEl(cls, addr, name, value, ctx, pid, key) {
    const r = h('div', 'pm-row ' + cls);
    const a = canon(addr);
    r.dataset.addr = a;
    if (name !== undefined && name !== null) r.dataset.name = String(name);
    r.appendChild(h('span', 'pm-addr', a));
    r.appendChild(h('span', 'pm-name', name));
    valueEl(r, value, ctx, pid);
    ctx.register('p' + pid + ':var:' + a, r, pid);
    if (key) ctx.register(key, r, pid);
    ctx.rows.push({ el: r, pid: pid, addr: a, name: String(name), text: valueText(value) });
    return r;
  }

  function valueText(v) {
    if (v === null || v === undefined) return '';
    if (typeof v !== 'object') return String(v);
    return v.v === undefined || v.v === null ? '' : String(v.v);
  }

  function moreEl(n, what, start, end, ctx, pid) {
    const m = h('div', 'pm-more', '\u2026 and ' + n + ' more ' + what);
    if (start !== undefined) {
      m.dataset.start = canon(start);
      m.dataset.end = canon(end);
      ctx.ranges.push({ pid: pid, start: num(start), end: num(end), el: m });
    }
    return m;
  }

  function segTitle(seg, proc, snap) {
    switch (seg.kind) {
      case 'text': return 'text (code)';
      case 'data': return 'data (initialized globals)';
      case 'bss': return 'bss (zeroed globals)';
      case 'heap': return 'heap';
      case 'guard': return 'guard page';
      case 'stack': {
        const t = stackThread(seg, proc, snap);
        if (t) return 'stack of thread ' + t.tid + (t.name ? ' (' + t.name + ')' : '');
        return seg.tid ? 'copy of thread ' + seg.tid + '\'s stack' : 'stack (no thread runs on it)';
      }
      case 'shm': return 'shared memory ' + (seg.name || sharedLabel(seg.shared));
      case 'file': return 'mapped file ' + (seg.name || sharedLabel(seg.shared));
    }
    return seg.name || seg.kind || 'segment';
  }

  // stackThread finds the live thread that runs on a stack segment, by its
  // owner tid or, failing that, by where the thread's stack lies.
  function stackThread(seg, proc, snap) {
    const ths = list(snap.threads).filter((t) => t.pid === proc.pid && t.state !== 'done');
    const s = num(seg.start);
    const e = num(seg.end);
    for (const t of ths) {
      if (t.stack && num(t.stack.start) >= s && num(t.stack.start) < e) return t;
    }
    if (seg.tid) {
      for (const t of ths) if (t.tid === seg.tid && !t.stack) return t;
    }
    return null;
  }

  function drawSegment(seg, proc, snap, ctx, opts) {
    const pid = proc.pid;
    const kind = seg.kind || 'other';
    const box = h('section', 'pm-seg pm-seg-' + kind);
    box.dataset.kind = kind;
    box.dataset.start = canon(seg.start);
    box.dataset.end = canon(seg.end);
    if (seg.perm) box.dataset.perm = seg.perm;
    if (seg.name) box.dataset.name = seg.name;
    if (seg.tid) box.dataset.tid = String(seg.tid);
    ctx.ranges.push({ pid: pid, start: num(seg.start), end: num(seg.end), el: box, seg: true });
    if (seg.id) ctx.register(seg.id, box, pid);

    const head = h('div', 'pm-seg-head');
    head.appendChild(h('span', 'pm-seg-name', segTitle(seg, proc, snap)));
    const range = h('span', 'pm-range', canon(seg.start) + '\u2013' + canon(seg.end));
    head.appendChild(range);
    if (seg.perm) head.appendChild(h('span', 'pm-perm', seg.perm));
    box.appendChild(head);
    if (seg.note) box.appendChild(h('div', 'pm-note', seg.note));

    if (kind === 'stack') {
      // A stack no thread runs on (copied by fork from another thread)
      // keeps a neutral colour: the thread it was copied from is not here.
      const t = stackThread(seg, proc, snap);
      if (t) {
        box.style.setProperty('--pm-thread', threadColor(opts, t.tid));
        box.dataset.thread = String(t.tid);
      } else {
        box.classList.add('pm-orphan');
      }
    }
    if (seg.shared) {
      box.dataset.shared = seg.shared;
      box.classList.add('pm-shared');
      box.style.setProperty('--pm-obj', hashColor(seg.shared));
      const badge = h('div', 'pm-shared-badge');
      badge.appendChild(h('span', 'pm-shared-label', sharedLabel(seg.shared)));
      const others = [];
      for (const q of list(snap.processes)) {
        if (q.pid === pid) continue;
        for (const s2 of list(q.segments)) {
          if (s2.shared === seg.shared) others.push('process ' + q.pid + ' at ' + canon(s2.start));
        }
      }
      badge.appendChild(h('span', 'pm-shared-also', others.length ?
        'the same object is mapped by ' + others.join(', ') :
        'mapped by this process only'));
      box.appendChild(badge);
      ctx.shared.push({ id: seg.shared, pid: pid, el: head });
    } else if (seg.copy_of) {
      // A private mapping: the file's colour, but no link, since its
      // writes stay in this process.
      box.dataset.copyOf = seg.copy_of;
      box.classList.add('pm-private');
      box.style.setProperty('--pm-obj', hashColor(seg.copy_of));
      const badge = h('div', 'pm-shared-badge');
      badge.appendChild(h('span', 'pm-shared-label', sharedLabel(seg.copy_of)));
      badge.appendChild(h('span', 'pm-shared-also', 'a private copy: what this process writes here stays here'));
      box.appendChild(badge);
    }
    const cow = list(seg.cow_pages).map(canon);
    if (cow.length) {
      box.classList.add('pm-has-cow');
      const c = h('div', 'pm-cow-note');
      c.appendChild(h('span', 'pm-cow-tag', 'copy-on-write'));
      const more = Number(seg.cow_omitted) || 0;
      c.appendChild(document.createTextNode(' ' + plural(cow.length + more, 'page', 'pages') +
        ' still shared, read-only, until the first write copies ' +
        (cow.length + more === 1 ? 'it' : 'each') + ': ' + clip(cow.join(' '), 200) + (more ? ' \u2026' : '')));
      box.appendChild(c);
      for (const p of cow) ctx.cowPages.add(pid + '|' + num(p));
    }

    // Pages that were shared copy-on-write at opts.previous and no longer
    // are: a write just copied them.
    const before = ctx.prevCow.get(pid + '|' + canon(seg.start));
    if (before) {
      const now = new Set(cow);
      const copied = before.filter((p) => !now.has(p));
      if (copied.length) {
        const c = h('div', 'pm-cow-copied');
        c.appendChild(h('span', 'pm-cow-tag', 'copied'));
        c.appendChild(document.createTextNode(' the last instruction wrote to it first and copied ' +
          plural(copied.length, 'page', 'pages') + ': ' + clip(copied.join(' '), 200) + '; this process has its own copy now'));
        box.appendChild(c);
      }
    }
    const body = h('div', 'pm-seg-body');
    box.appendChild(body);
    switch (kind) {
      case 'data':
      case 'bss':
        drawGlobals(body, seg, proc, ctx);
        break;
      case 'heap':
        drawHeap(body, proc, ctx);
        break;
      case 'stack':
        drawStack(body, seg, proc, snap, ctx, opts);
        break;
      case 'shm':
      case 'file':
        drawWords(body, seg, proc, ctx);
        break;
    }
    if (!body.firstChild) box.removeChild(body);
    return box;
  }

  function inSeg(addr, seg) {
    const a = num(addr);
    return a >= num(seg.start) && a < num(seg.end);
  }

  function drawGlobals(body, seg, proc, ctx) {
    const gs = list(proc.globals).filter((g) => (g.seg ? g.seg === seg.kind : inSeg(g.addr, seg)));
    sortByAddr(gs, (g) => g.addr, ctx.order);
    const shown = gs.slice(0, ctx.take(Math.min(gs.length, LIMITS.globals)));
    for (const g of shown) body.appendChild(rowEl('pm-global', g.addr, g.name, g.value, ctx, proc.pid, g.id));
    if (gs.length > shown.length) {
      const rest = gs.slice(shown.length);
      body.appendChild(moreEl(rest.length, 'globals', rest[0].addr, seg.end, ctx, proc.pid));
    }
    // The snapshot lists globals in address order and leaves the last out;
    // they all sit in the last segment of globals.
    const left = Number(proc.globals_omitted) || 0;
    if (left && (seg.kind === 'bss' || !list(proc.segments).some((x) => x.kind === 'bss'))) {
      body.appendChild(moreEl(left, 'globals, not in the snapshot'));
    }
  }

  function sortByAddr(a, key, order) {
    const sign = order === 'low' ? 1 : -1;
    a.sort((x, y) => sign * (num(key(x)) - num(key(y))));
  }

  function drawHeap(body, proc, ctx) {
    const heap = proc.heap;
    if (!heap) return;
    const pid = proc.pid;
    // What show heap's last line says, from the snapshot's own figures.
    const sum = h('div', 'pm-heap-sum');
    const parts = [];
    if (heap.policy) parts.push('policy ' + heap.policy);
    if (heap.free_bytes !== undefined) {
      parts.push(heap.free_bytes + ' bytes free in ' + plural(list(heap.free).length + (Number(heap.free_omitted) || 0), 'chunk', 'chunks') +
        ', largest ' + heap.largest_free);
    }
    if (heap.fragmentation !== undefined) parts.push('fragmentation ' + heap.fragmentation + '%');
    sum.textContent = parts.join('; ');
    if (parts.length) body.appendChild(sum);

    const items = [];
    for (const b of list(heap.blocks)) items.push({ at: num(b.start !== undefined ? b.start : b.addr), block: b });
    for (const f of list(heap.free)) items.push({ at: num(f.start), free: f });
    const sign = ctx.order === 'low' ? 1 : -1;
    items.sort((x, y) => sign * (x.at - y.at));
    // Blocks and chunks the snapshot itself left out are those past the
    // last block it lists: their place in address order gets a note.
    let omitted = null;
    let hi = num(heap.base);
    const bo = Number(heap.blocks_omitted) || 0;
    const fo = Number(heap.free_omitted) || 0;
    if (bo || fo) {
      for (const b of list(heap.blocks)) hi = Math.max(hi, num(b.end));
      const what = [];
      if (bo) what.push(plural(bo, 'block', 'blocks'));
      if (fo) what.push(plural(fo, 'free chunk', 'free chunks'));
      omitted = h('div', 'pm-more', '\u2026 and ' + what.join(' and ') + ' more, not in the snapshot');
      omitted.dataset.start = hex(hi);
      omitted.dataset.end = canon(heap.top);
      ctx.ranges.push({ pid: pid, start: hi, end: num(heap.top), el: omitted });
    }
    let n = 0;
    while (n < items.length && n < LIMITS.heapItems && ctx.left > 0) {
      const it = items[n++];
      if (omitted && (ctx.order === 'low' ? it.at >= hi : it.at < hi)) {
        body.appendChild(omitted);
        omitted = null;
      }
      body.appendChild(it.block ? drawBlock(it.block, proc, ctx) : drawFree(it.free, ctx));
    }
    if (omitted) body.appendChild(omitted);
    // What this drawing's own caps left out: the end of the list.
    if (n < items.length) {
      const rest = items.slice(n);
      const lo = Math.min(...rest.map((r) => r.at));
      let top = lo;
      for (const r of rest) top = Math.max(top, r.block ? num(r.block.end) : r.at + Number(r.free.size || 0));
      const nb = rest.filter((r) => r.block).length;
      const what = [];
      if (nb) what.push(plural(nb, 'block', 'blocks'));
      if (rest.length - nb) what.push(plural(rest.length - nb, 'free chunk', 'free chunks'));
      body.appendChild(moreEl(rest.length, '(' + what.join(', ') + ')', hex(lo), hex(top), ctx, pid));
    }
  }

  // leakOf says whether a block is lost: the snapshot sets leaked when no
  // chain of pointers from a global, a stack slot or a register reaches
  // it, so nothing can ever free it.
  function leakOf(b) {
    return b.leaked ? 'leaked' : '';
  }

  function drawBlock(b, proc, ctx) {
    const pid = proc.pid;
    const box = h('div', 'pm-block');
    const addr = canon(b.addr);
    box.dataset.addr = addr;
    if (b.start !== undefined) box.dataset.start = canon(b.start);
    if (b.end !== undefined) box.dataset.end = canon(b.end);
    if (b.size !== undefined) box.dataset.size = String(b.size);
    const id = b.id || 'p' + pid + ':block:' + addr;
    box.dataset.id = id;
    const leak = leakOf(b);
    if (leak) {
      box.classList.add('pm-leak');
      box.dataset.leak = leak;
    }
    const head = h('div', 'pm-block-head');
    head.appendChild(h('span', 'pm-addr', addr));
    head.appendChild(h('span', 'pm-block-size', plural(Number(b.size), 'byte', 'bytes')));
    if (b.site) head.appendChild(h('span', 'pm-site', 'allocated at ' + b.site));
    if (leak) {
      const tag = h('span', 'pm-leak-tag', 'leaked');
      tag.title = 'no pointer reaches this block any more: nothing can free it';
      head.appendChild(tag);
    }
    box.appendChild(head);
    ctx.register(id, head, pid);
    ctx.register('p' + pid + ':block:' + addr, head, pid);
    ctx.blocks.push({ pid: pid, addr: addr, el: box });
    const lo = num(b.start !== undefined ? b.start : b.addr);
    const hi = num(b.end !== undefined ? b.end : b.addr);
    ctx.ranges.push({ pid: pid, start: lo, end: hi, el: head });

    const fields = list(b.fields);
    ctx.take(1);
    const shown = fields.slice(0, ctx.take(Math.min(fields.length, LIMITS.fields)));
    for (const f of shown) box.appendChild(rowEl('pm-field', f.addr, f.name, f.value, ctx, pid, f.id));
    const left = fields.length - shown.length + (Number(b.fields_omitted) || 0);
    if (left > 0) {
      const from = fields.length > shown.length ? fields[shown.length].addr : hex(num(fields[fields.length - 1].addr) + 8);
      box.appendChild(moreEl(left, 'words', from, b.end, ctx, pid));
    }
    return box;
  }

  function drawFree(f, ctx) {
    ctx.take(1);
    const box = h('div', 'pm-free');
    box.dataset.start = canon(f.start);
    box.dataset.size = String(f.size);
    box.appendChild(h('span', 'pm-addr', canon(f.start)));
    box.appendChild(h('span', 'pm-free-text', 'free, ' + plural(Number(f.size), 'byte', 'bytes')));
    return box;
  }

  function drawStack(body, seg, proc, snap, ctx, opts) {
    const pid = proc.pid;
    const t = stackThread(seg, proc, snap);
    if (!t) {
      if (!seg.note) body.appendChild(h('div', 'pm-orphan-stack', 'no thread runs on this stack'));
      return;
    }
    const frames = list(t.frames);
    const color = threadColor(opts, t.tid);
    // The frames arrive innermost first, as show stack lists them. The
    // innermost frame has the lowest addresses.
    let shownN = 0;
    while (shownN < frames.length && shownN < LIMITS.frames && (shownN === 0 || ctx.left > 0)) {
      ctx.take(2 + list(frames[shownN].slots).length);
      shownN++;
    }
    // The snapshot keeps the innermost frames; the outer ones it leaves
    // out are counted with those cut here.
    const hidden = frames.length - shownN + (Number(t.frames_omitted) || 0);
    const drawn = [];
    for (let i = 0; i < shownN; i++) drawn.push(drawFrame(frames[i], i, frames[i + 1], t, pid, ctx, color));

    let hiddenEl = null;
    if (hidden > 0) {
      const from = shownN < frames.length ? frames[shownN].fp : hex(num(frames[shownN - 1].fp) + 16);
      hiddenEl = moreEl(hidden, 'outer frames', from, seg.end, ctx, pid);
      hiddenEl.classList.add('pm-frames-more');
    }
    const sp = t.stack && t.stack.sp;
    const free = h('div', 'pm-stack-free');
    if (sp !== undefined) {
      free.dataset.sp = canon(sp);
      const unused = num(sp) - num(seg.start);
      free.appendChild(h('span', 'pm-addr', 'sp ' + canon(sp)));
      free.appendChild(h('span', 'pm-free-text', 'below sp: ' + sizeText(unused) + ' unused, the stack grows down into it'));
    }
    // High addresses on top: outermost frame first, the unused space last.
    if (ctx.order === 'low') {
      if (sp !== undefined) body.appendChild(free);
      for (const d of drawn) body.appendChild(d);
      if (hiddenEl) body.appendChild(hiddenEl);
    } else {
      if (hiddenEl) body.appendChild(hiddenEl);
      for (let i = drawn.length - 1; i >= 0; i--) body.appendChild(drawn[i]);
      if (sp !== undefined) body.appendChild(free);
    }
  }

  function drawFrame(f, depth, caller, t, pid, ctx, color) {
    const box = h('div', 'pm-frame');
    box.style.setProperty('--pm-thread', color);
    box.dataset.func = f.func || '';
    box.dataset.fp = canon(f.fp);
    box.dataset.tid = String(t.tid);
    box.dataset.depth = String(depth);
    if (f.line !== undefined) box.dataset.line = String(f.line);
    const head = h('div', 'pm-frame-head');
    head.appendChild(h('span', 'pm-depth', '#' + depth));
    head.appendChild(h('span', 'pm-func', (f.func || '?') + '()'));
    if (f.line) head.appendChild(h('span', 'pm-line', 'line ' + f.line));
    head.appendChild(h('span', 'pm-fp', 'frame ' + canon(f.fp)));
    box.appendChild(head);

    const fp = num(f.fp);
    const rows = [];
    const retText = f.ret_note || (f.ret !== undefined ? canon(f.ret) : '');
    const ret = rowEl('pm-slot pm-ret', hex(fp + 8), 'return address', { k: 'ret', v: retText }, ctx, pid);
    rows.push({ at: fp + 8, el: ret });
    // The saved frame pointer is the caller's frame, or 0 in a thread's
    // first frame, as show stack prints it.
    let saved = f.saved_fp !== undefined ? canon(f.saved_fp) : caller ? canon(caller.fp) : '0x0';
    const sv = rowEl('pm-slot pm-savedfp', hex(fp), 'saved fp', { k: 'fp', v: saved }, ctx, pid);
    rows.push({ at: fp, el: sv });
    // The saved frame pointer links a frame to its caller's: a dotted
    // arrow shows the chain a debugger walks.
    if (num(saved)) {
      const v = sv.querySelector('.pm-val');
      ctx.sources.push({ el: v, to: 'p' + pid + ':frame:' + saved, pid: pid, chain: true });
    }
    ctx.register('p' + pid + ':frame:' + canon(f.fp), head, pid);
    const slots = list(f.slots);
    const shown = slots.slice(0, LIMITS.slots);
    for (const s of shown) {
      rows.push({ at: num(s.addr), el: rowEl('pm-slot', s.addr, s.name, s.value, ctx, pid, s.id) });
    }
    const sign = ctx.order === 'low' ? 1 : -1;
    rows.sort((x, y) => sign * (x.at - y.at));
    for (const r of rows) box.appendChild(r.el);
    const left = slots.length - shown.length + (Number(f.slots_omitted) || 0);
    if (left > 0) {
      const rest = slots.slice(shown.length);
      const m = rest.length ? moreEl(left, 'slots', hex(Math.min(...rest.map((s) => num(s.addr)))), hex(Math.max(...rest.map((s) => num(s.addr))) + 8), ctx, pid) :
        moreEl(left, 'slots');
      box.appendChild(m);
    }
    ctx.frames.push({ pid: pid, tid: t.tid, el: box });
    return box;
  }

  // drawWords draws a shared or file mapping's words, when the snapshot
  // gives them (seg.words); each is also a target by the shared object's
  // offset id ("shm:buffer:8").
  function drawWords(body, seg, proc, ctx) {
    const words = list(seg.words);
    const shown = words.slice(0, ctx.take(Math.min(words.length, LIMITS.words)));
    const base = num(seg.start);
    for (const w of shown) {
      const o = w.off !== undefined ? w.off : w.offset;
      let addr = w.addr;
      if (addr === undefined && o !== undefined) addr = hex(base + Number(o));
      const off = o !== undefined ? Number(o) : num(addr) - base;
      const name = w.name !== undefined ? w.name : '[' + off + ']';
      const key = w.id || (seg.shared ? seg.shared + ':' + off : undefined);
      body.appendChild(rowEl('pm-word', addr, name, w.value, ctx, proc.pid, key));
    }
    const left = words.length - shown.length + (Number(seg.words_omitted) || 0);
    if (left > 0) {
      const rest = words.slice(shown.length);
      body.appendChild(moreEl(left, 'non-zero words', rest.length && rest[0].addr ? rest[0].addr : seg.start, seg.end, ctx, proc.pid));
    }
    if (!words.length && !left) body.appendChild(h('div', 'pm-more', 'all zero'));
  }

  function gapEl(lo, hi) {
    const g = h('div', 'pm-gap');
    g.dataset.start = hex(lo);
    g.dataset.end = hex(hi);
    g.appendChild(h('span', 'pm-gap-dots', '\u22ee'));
    g.appendChild(document.createTextNode(' unmapped: ' + sizeText(hi - lo) + ' (' + hex(lo) + '\u2013' + hex(hi) + ')'));
    return g;
  }

  // drawExits lists, at the end of a run, what each process left on its
  // heap when it exited (opts.exits: the run's leak reports, {pid, text,
  // more}), for its memory is gone by then: the leak checker's words, the
  // blocks with their addresses and where they were allocated.
  function drawExits(exits) {
    const box = h('div', 'pm-exits');
    box.appendChild(h('div', 'pm-exits-hint', 'Step back (\u2190) to see the memory as the run left it. At exit, the heaps held:'));
    if (!exits.length) box.appendChild(h('div', 'pm-exits-none', 'no heap report: no process allocated from its heap'));
    for (const e of exits) {
      const rep = h('div', 'pm-exit');
      rep.dataset.pid = String(e.pid);
      rep.appendChild(h('div', 'pm-exit-title', 'process ' + e.pid + ': ' + e.text));
      for (const line of list(e.more)) {
        const row = h('div', 'pm-exit-line', line);
        if (/^\s*definitely lost/.test(line)) rep.dataset.lost = 'true';
        rep.appendChild(row);
      }
      box.appendChild(rep);
    }
    return box;
  }

  function drawProcess(proc, snap, ctx, opts) {
    const col = h('div', 'pm-proc');
    col.dataset.pid = String(proc.pid);
    if (proc.host) col.dataset.host = proc.host;
    const head = h('div', 'pm-proc-head');
    head.appendChild(h('span', 'pm-proc-title', 'process ' + proc.pid));
    if (proc.name) head.appendChild(h('span', 'pm-proc-name', proc.name));
    const meta = [];
    if (proc.host) meta.push('host ' + proc.host);
    if (proc.ppid !== undefined) meta.push('parent ' + proc.ppid);
    if (proc.state) meta.push(proc.state);
    head.appendChild(h('span', 'pm-proc-meta', meta.join(' \u00b7 ')));
    col.appendChild(head);
    const segs = list(proc.segments).slice();
    if (proc.zombie || (!segs.length && proc.state === 'zombie')) {
      col.classList.add('pm-zombie');
      col.appendChild(h('div', 'pm-zombie-note', 'zombie' + (proc.exit !== null && proc.exit !== undefined ? ', exit status ' + proc.exit : '') +
        ': its memory is already freed; only its exit status is left, until its parent waits for it'));
      return col;
    }
    const content = h('div', 'pm-proc-body');
    col.appendChild(content);
    ctx.left = ctx.perProc;
    ctx.proc = proc;
    const order = ctx.order;
    content.appendChild(h('div', 'pm-axis', order === 'low' ? 'low addresses \u2193 high' : 'high addresses \u2191 on top'));
    sortByAddr(segs, (s) => s.start, order);
    let prev = null;
    for (const s of segs) {
      if (prev) {
        const a = order === 'low' ? num(prev.end) : num(s.end);
        const b = order === 'low' ? num(s.start) : num(prev.start);
        if (b > a) content.appendChild(gapEl(a, b));
      }
      content.appendChild(drawSegment(s, proc, snap, ctx, opts));
      prev = s;
    }
    if (proc.segments_omitted) content.appendChild(moreEl(proc.segments_omitted, 'segments the snapshot leaves out'));
    return col;
  }

  // newContext collects, while the DOM is built, what the arrows and the
  // highlights need afterwards.
  function newContext(order) {
    const targets = new Map();
    return {
      order: order,
      targets: targets,
      sources: [],
      dangling: 0,
      ranges: [],
      rows: [],
      blocks: [],
      frames: [],
      shared: [],
      cowPages: new Set(),
      prevCow: new Map(), // pid|segment start -> its cow pages, at opts.previous
      // left counts the words the process being drawn may still show.
      left: 0,
      proc: null, // the process being drawn
      take(n) {
        const k = Math.max(0, Math.min(n, this.left));
        this.left -= n;
        return k;
      },
      register(id, el, pid) {
        const k = normId(id);
        let a = targets.get(k);
        if (!a) targets.set(k, (a = []));
        a.push({ el: el, pid: pid });
      },
    };
  }

  // resolve finds the element a pointer of process pid points into. A
  // pointer only ever leads into its own process: a target drawn in
  // another column (a shared object's other copy) is never chosen.
  function resolve(ctx, to, pid, ptr) {
    // A pointer into a mapping or a heap (the snapshot names the segment
    // when no listed block holds the address) leads to the word it points
    // at when that word is drawn, else to the narrowest drawn thing that
    // holds the address.
    if (ptr && /:seg:/.test(String(to))) {
      const w = ctx.targets.get('p' + pid + ':var:' + ptr);
      if (w) for (const t of w) if (t.pid === pid) return t.el;
      const r = narrowest(ctx, pid, num(ptr));
      if (r) return r;
    }
    const c = ctx.targets.get(normId(to));
    if (c) {
      for (const t of c) if (t.pid === pid) return t.el;
    }
    // Not drawn (cut by a limit): the narrowest drawn range holding it.
    const m = /0x[0-9a-fA-F]+$/.exec(String(to));
    return m ? narrowest(ctx, pid, parseInt(m[0], 16)) : null;
  }

  function narrowest(ctx, pid, a) {
    let best = null;
    for (const r of ctx.ranges) {
      if (r.pid !== pid || a < r.start || a >= r.end) continue;
      if (!best || r.end - r.start < best.end - best.start) best = r;
    }
    return best ? best.el : null;
  }

  // markSame marks words whose address is also drawn in another process:
  // every row learns it on hover, and when the values differ the row says
  // so at once ("the same address holds different values").
  function markSame(ctx) {
    const byAddr = new Map();
    for (const r of ctx.rows) {
      let a = byAddr.get(r.addr);
      if (!a) byAddr.set(r.addr, (a = []));
      a.push(r);
    }
    for (const b of ctx.blocks) {
      let a = byAddr.get(b.addr);
      if (!a) byAddr.set(b.addr, (a = []));
      a.push({ el: b.el, pid: b.pid, addr: b.addr, block: true });
    }
    for (const [, rs] of byAddr) {
      const pids = new Set(rs.map((r) => r.pid));
      if (pids.size < 2) continue;
      for (const r of rs) {
        r.el.classList.add('pm-multi');
        if (r.block) continue;
        // Only the same variable counts: a stack slot at the same address
        // in another process may be another function's local.
        const others = rs.filter((o) => o.pid !== r.pid && !o.block && o.name === r.name);
        const diff = others.filter((o) => o.text !== r.text);
        if (!diff.length) continue;
        r.el.classList.add('pm-differ');
        const badge = h('span', 'pm-differ-tag', '\u2260 ' + diff.map((o) => 'pid ' + o.pid + ': ' + clip(o.text, 24)).join(', '));
        badge.title = 'the same address ' + r.addr + ' holds a different value in ' +
          diff.map((o) => 'process ' + o.pid + ' (' + o.text + ')').join(', ') +
          ': each process has its own memory';
        r.el.appendChild(badge);
      }
    }
  }

  // markCow marks the words that sit on a page still shared copy-on-write.
  function markCow(ctx) {
    if (!ctx.cowPages.size) return;
    for (const r of ctx.rows) {
      const page = Math.floor(num(r.addr) / 4096) * 4096;
      if (ctx.cowPages.has(r.pid + '|' + page)) {
        r.el.classList.add('pm-cow');
        r.el.title = 'on page ' + hex(page) + ', still shared copy-on-write: the first write to it copies the page';
      }
    }
  }

  // valuesOf lists a snapshot's words as pid|addr -> name and value text,
  // to compare with the previous snapshot drawn.
  function valuesOf(snap) {
    const out = new Map();
    const put = (pid, addr, name, v) => out.set(pid + '|' + canon(addr), { name: String(name), text: valueText(v) });
    for (const p of list(snap && snap.processes)) {
      for (const g of list(p.globals)) put(p.pid, g.addr, g.name, g.value);
      for (const b of list(p.heap && p.heap.blocks)) for (const f of list(b.fields)) put(p.pid, f.addr, f.name, f.value);
      for (const s of list(p.segments)) {
        const base = num(s.start);
        for (const w of list(s.words)) {
          const addr = w.addr !== undefined ? w.addr : hex(base + Number(w.off || w.offset || 0));
          put(p.pid, addr, w.name !== undefined ? w.name : '[' + (num(addr) - base) + ']', w.value);
        }
      }
    }
    for (const t of list(snap && snap.threads)) {
      for (const f of list(t.frames)) {
        const fp = num(f.fp);
        put(t.pid, hex(fp + 8), 'return address', f.ret_note || f.ret);
        if (f.saved_fp !== undefined) put(t.pid, hex(fp), 'saved fp', canon(f.saved_fp));
        for (const s of list(f.slots)) put(t.pid, s.addr, s.name, s.value);
      }
    }
    return out;
  }

  function markChanged(ctx, previous) {
    if (!previous) return;
    const before = valuesOf(previous);
    const pidsBefore = new Set(list(previous.processes).map((p) => p.pid));
    for (const r of ctx.rows) {
      const b = before.get(r.pid + '|' + r.addr);
      if (b && b.name === r.name && b.text !== r.text) {
        r.el.classList.add('pm-changed');
        r.el.dataset.was = b.text;
        const v = r.el.querySelector('.pm-val');
        if (v) v.title = (v.title ? v.title + '\n' : '') + 'was ' + b.text;
      } else if (!b && pidsBefore.has(r.pid)) {
        r.el.classList.add('pm-new');
      }
    }
    const blocksBefore = new Set();
    for (const p of list(previous.processes)) for (const b of list(p.heap && p.heap.blocks)) blocksBefore.add(p.pid + '|' + canon(b.addr));
    for (const b of ctx.blocks) {
      if (pidsBefore.has(b.pid) && !blocksBefore.has(b.pid + '|' + b.addr)) b.el.classList.add('pm-new');
    }
  }

  // ---- arrows ------------------------------------------------------------

  function makeSvg(id) {
    const s = svg('svg', { class: 'pm-arrows', 'aria-hidden': 'true' });
    const defs = svg('defs', {});
    for (const [name, cls] of [['a', 'pm-head'], ['h', 'pm-head pm-head-hot']]) {
      const m = svg('marker', {
        id: 'pm-' + name + id, viewBox: '0 0 10 10', refX: '9', refY: '5',
        markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse',
      });
      m.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }));
      defs.appendChild(m);
    }
    s.appendChild(defs);
    return s;
  }

  // route lays every arrow out again from where its ends are now drawn.
  // Arrows run in the gutter at the right of their process's column: a
  // pointer never leaves its process.
  function route(state) {
    const { canvas, layer, ctx, id } = state;
    if (!canvas.isConnected) return;
    const base = canvas.getBoundingClientRect();
    if (!base.width && !base.height) return;
    layer.setAttribute('width', String(canvas.scrollWidth));
    layer.setAttribute('height', String(canvas.scrollHeight));
    while (layer.childNodes.length > 1) layer.removeChild(layer.lastChild);
    const colRight = new Map();
    for (const col of canvas.querySelectorAll('.pm-proc-body')) {
      const r = col.getBoundingClientRect();
      colRight.set(col.parentNode.dataset.pid, r.right - base.left);
    }
    const frag = document.createDocumentFragment();
    state.paths = [];
    for (const s of ctx.sources) {
      const target = s.target;
      if (!target) continue;
      const a = s.el.getBoundingClientRect();
      const b = target.getBoundingClientRect();
      if (!a.height || !b.height) continue;
      const x0 = colRight.get(String(s.pid));
      if (x0 === undefined) continue;
      const sx = a.right - base.left;
      const sy = a.top + a.height / 2 - base.top;
      const ty = b.top + Math.min(b.height / 2, 10) - base.top;
      const bulge = 12 + Math.min(44, Math.abs(ty - sy) * 0.06);
      const d = 'M' + f1(sx) + ',' + f1(sy) + ' L' + f1(x0) + ',' + f1(sy) +
        ' C' + f1(x0 + bulge) + ',' + f1(sy) + ' ' + f1(x0 + bulge) + ',' + f1(ty) + ' ' + f1(x0 + 1) + ',' + f1(ty);
      const p = svg('path', { d: d, class: s.chain ? 'pm-arrow pm-chain' : 'pm-arrow', 'marker-end': 'url(#pm-a' + id + ')' });
      p.dataset.from = s.el.closest('[data-addr]') ? s.el.closest('[data-addr]').dataset.addr : '';
      p.dataset.to = s.to;
      p.dataset.pid = String(s.pid);
      s.path = p;
      frag.appendChild(p);
      const dot = svg('circle', { cx: f1(sx), cy: f1(sy), r: '2.5', class: s.chain ? 'pm-arrow-dot pm-chain' : 'pm-arrow-dot' });
      frag.appendChild(dot);
    }
    // A shared object's copies, linked column to column.
    const byId = new Map();
    for (const s of ctx.shared) {
      let a = byId.get(s.id);
      if (!a) byId.set(s.id, (a = []));
      a.push(s);
    }
    for (const [sid, copies] of byId) {
      const placed = copies.map((c) => ({ c: c, r: c.el.getBoundingClientRect() })).filter((x) => x.r.height);
      placed.sort((x, y) => x.r.left - y.r.left);
      for (let i = 1; i < placed.length; i++) {
        const a = placed[i - 1].r;
        const b = placed[i].r;
        const sx = a.right - base.left;
        const sy = a.top + a.height / 2 - base.top;
        const tx = b.left - base.left;
        const ty = b.top + b.height / 2 - base.top;
        const mx = (sx + tx) / 2;
        const d = 'M' + f1(sx) + ',' + f1(sy) + ' C' + f1(mx) + ',' + f1(sy) + ' ' + f1(mx) + ',' + f1(ty) + ' ' + f1(tx) + ',' + f1(ty);
        const p = svg('path', { d: d, class: 'pm-link' });
        p.style.stroke = hashColor(sid);
        p.dataset.shared = sid;
        frag.appendChild(p);
      }
    }
    layer.appendChild(frag);
  }

  function f1(x) {
    return Math.round(x * 10) / 10;
  }

  function attach(container, state) {
    const old = container.__procMemory;
    if (old) old.detach();
    let queued = false;
    const again = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        route(state);
      });
    };
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(again) : null;
    if (ro) {
      ro.observe(state.canvas);
      for (const c of state.canvas.querySelectorAll('.pm-proc')) ro.observe(c);
    }
    window.addEventListener('resize', again);
    // Something inside may scroll (a column the page limits in height).
    state.canvas.addEventListener('scroll', again, true);
    state.again = again;
    state.detach = () => {
      if (ro) ro.disconnect();
      window.removeEventListener('resize', again);
      state.canvas.removeEventListener('scroll', again, true);
    };
    container.__procMemory = state;
  }

  // hover: a pointer lights up its arrow and its target; a word lights up
  // the words at the same address in the other processes.
  function hover(state) {
    const { canvas, ctx, id } = state;
    let undo = [];
    const clear = () => {
      for (const f of undo) f();
      undo = [];
    };
    const light = (e) => {
      e.classList.add('pm-hot');
      undo.push(() => e.classList.remove('pm-hot'));
    };
    const byAddr = new Map();
    for (const r of ctx.rows) {
      let a = byAddr.get(r.addr);
      if (!a) byAddr.set(r.addr, (a = []));
      a.push(r.el);
    }
    const bySrc = new Map();
    for (const s of ctx.sources) bySrc.set(s.el, s);
    canvas.addEventListener('mouseover', (ev) => {
      clear();
      const t = ev.target;
      if (!t || !t.closest) return;
      const s = bySrc.get(t.closest('.pm-ptr'));
      if (s && s.path) {
        const p = s.path;
        light(p);
        p.setAttribute('marker-end', 'url(#pm-h' + id + ')');
        undo.push(() => p.setAttribute('marker-end', 'url(#pm-a' + id + ')'));
      }
      if (s && s.target) light(s.target);
      const row = t.closest('.pm-row');
      if (row) {
        for (const e of byAddr.get(row.dataset.addr) || []) if (e !== row) light(e);
      }
    });
    canvas.addEventListener('mouseleave', clear);
  }

  // legend explains the marks this drawing uses, and only those.
  function legend(ctx, root) {
    const items = [];
    if (ctx.sources.some((s) => s.target && !s.chain)) items.push(['pm-lg-arrow', '\u2192', 'a pointer: the arrow leads to what it points into']);
    if (ctx.sources.some((s) => s.target && s.chain)) items.push(['pm-lg-chain', '\u2508', 'a saved frame pointer: the caller\'s frame']);
    if (ctx.dangling) items.push(['pm-lg-dangling', '\u219b', 'a dangling pointer: it points at nothing live in its process']);
    if (root.querySelector('.pm-differ')) items.push(['pm-lg-differ', '\u2260', 'the same address holds a different value in another process']);
    if (ctx.cowPages.size) items.push(['pm-lg-cow', '\u258c', 'striped words: on a page still shared copy-on-write; the first write copies the page']);
    if (ctx.shared.length) items.push(['pm-lg-shared', '- -', 'one shared object, mapped by several processes']);
    if (root.querySelector('.pm-leak')) items.push(['pm-lg-leak', 'leaked', 'no pointer reaches the block any more, so nothing can free it']);
    if (root.querySelector('.pm-changed')) items.push(['pm-lg-changed', 'new value', 'changed by the last instruction']);
    if (!items.length) return null;
    const l = h('div', 'pm-legend');
    for (const [cls, mark, text] of items) {
      const i = h('span', 'pm-lg ' + cls);
      const m = h('span', 'pm-lg-mark', mark);
      m.setAttribute('aria-hidden', 'true');
      i.appendChild(m);
      i.appendChild(document.createTextNode(' ' + text));
      l.appendChild(i);
    }
    return l;
  }

  function drawMemory(container, snap, opts) {
    opts = opts || {};
    const id = ++drawCount;
    const ctx = newContext(opts.order === 'low' ? 'low' : 'high');
    const root = h('div', 'pm-root');
    root.dataset.step = snap && snap.step !== undefined ? String(snap.step) : '';
    const canvas = h('div', 'pm-canvas');
    root.appendChild(canvas);
    const all = list(snap && snap.processes);
    const want = Array.isArray(opts.pids) ? new Set(opts.pids) : null;
    const picked = want ? all.filter((p) => want.has(p.pid)) : all;
    const procs = picked.slice(0, LIMITS.procs);
    const live = procs.filter((p) => !p.zombie).length || 1;
    ctx.perProc = Math.max(LIMITS.procRows, Math.floor(LIMITS.rows / live));
    if (opts.previous) {
      for (const p of list(opts.previous.processes)) {
        for (const sg of list(p.segments)) {
          if (list(sg.cow_pages).length) ctx.prevCow.set(p.pid + '|' + canon(sg.start), list(sg.cow_pages).map(canon));
        }
      }
    }
    if (!procs.length) {
      const empty = h('div', 'pm-empty', snap && snap.ended ? 'the run has ended: every process has exited and its memory is gone' :
        'no process is alive at this step');
      if (snap && snap.ended) empty.appendChild(drawExits(list(opts.exits)));
      canvas.appendChild(empty);
    }
    for (const p of procs) canvas.appendChild(drawProcess(p, snap, ctx, opts));
    if (picked.length > procs.length) canvas.appendChild(moreEl(picked.length - procs.length, 'processes'));
    if (snap && snap.processes_omitted) canvas.appendChild(moreEl(snap.processes_omitted, 'processes the snapshot leaves out'));
    for (const s of ctx.sources) s.target = resolve(ctx, s.to, s.pid, s.ptr);
    markSame(ctx);
    markCow(ctx);
    markChanged(ctx, opts.previous);
    const lg = legend(ctx, root);
    if (lg) root.insertBefore(lg, canvas);
    const layer = makeSvg(id);
    canvas.appendChild(layer);
    container.replaceChildren(root);
    const state = { canvas, layer, ctx, id };
    route(state);
    attach(container, state);
    hover(state);
    return { arrows: ctx.sources.filter((s) => s.target && !s.chain).length, reroute: () => route(state) };
  }

  // ---- threads and the kernel --------------------------------------------

  function threadOf(snap, tid) {
    return list(snap.threads).find((x) => x.tid === tid);
  }

  function tidChip(tid, snap, opts) {
    const t = threadOf(snap, tid);
    const c = h('span', 'pk-tid', 'thread ' + tid);
    c.dataset.tid = String(tid);
    c.style.setProperty('--pk-thread', threadColor(opts, tid));
    c.title = 'thread ' + tid + (t ? ' of process ' + t.pid + (t.name ? ' (' + t.name + ')' : '') + ', ' + t.state : '');
    return c;
  }

  // endChip draws a descriptor that holds an object: process and fd.
  function endChip(e) {
    if (typeof e === 'number') return h('span', 'pk-pid', 'process ' + e);
    const c = h('span', 'pk-end-chip', 'process ' + e.pid + ' fd ' + e.fd);
    c.dataset.pid = String(e.pid);
    c.dataset.fd = String(e.fd);
    return c;
  }

  function labelled(label, items, draw, empty) {
    const w = h('div', 'pk-chips');
    w.appendChild(h('span', 'pk-label', label));
    const a = list(items);
    if (!a.length) w.appendChild(h('span', 'pk-none', empty || 'none'));
    for (const x of a) w.appendChild(draw(x));
    return w;
  }

  function waiters(label, tids, snap, opts, empty) {
    const w = labelled(label, tids, (t) => tidChip(t, snap, opts), empty);
    w.classList.add('pk-waiters');
    return w;
  }

  function card(kind, title, id) {
    const c = h('div', 'pk-obj pk-' + kind);
    c.dataset.kind = kind;
    if (id !== undefined && id !== null) c.dataset.id = String(id);
    const head = h('div', 'pk-obj-head');
    head.appendChild(h('span', 'pk-obj-kind', kind === 'mqueue' ? 'message queue' : kind === 'sem' ? 'semaphore' :
      kind === 'cond' ? 'condition variable' : kind === 'shm' ? 'shared memory' : kind));
    head.appendChild(h('span', 'pk-obj-name', title));
    c.appendChild(head);
    return c;
  }

  function sub(text) {
    return h('div', 'pk-obj-sub', text);
  }

  function drawThreads(box, snap, opts) {
    const running = new Set(list(snap.running));
    const procs = list(snap.processes);
    const threads = list(snap.threads);
    const sec = h('section', 'pk-sec pk-threads');
    sec.appendChild(h('h3', 'pk-sec-head', 'Processes and threads'));
    const byPid = new Map();
    for (const t of threads) {
      let a = byPid.get(t.pid);
      if (!a) byPid.set(t.pid, (a = []));
      a.push(t);
    }
    const order = procs.map((p) => p.pid);
    for (const pid of byPid.keys()) if (!order.includes(pid)) order.push(pid);
    if (!order.length) sec.appendChild(h('div', 'pk-none', snap.ended ? 'the run has ended: every process is gone' : 'no process'));
    for (const pid of order) {
      const p = procs.find((x) => x.pid === pid) || { pid: pid };
      const pr = h('div', 'pk-proc');
      pr.dataset.pid = String(pid);
      const head = h('div', 'pk-proc-head');
      head.appendChild(h('span', 'pk-proc-title', 'process ' + pid + (p.name ? ' ' + p.name : '')));
      const meta = [];
      if (p.ppid !== undefined) meta.push('parent ' + p.ppid);
      if (p.host) meta.push('host ' + p.host);
      head.appendChild(h('span', 'pk-proc-meta', meta.join(' \u00b7 ')));
      pr.appendChild(head);
      if (p.zombie) {
        pr.classList.add('pk-zombie');
        pr.dataset.state = 'zombie';
        const z = h('div', 'pk-zombie-note');
        z.appendChild(h('span', 'pk-state pk-state-zombie', 'zombie'));
        const how = p.signal ? 'killed by ' + p.signal + (p.exit !== null && p.exit !== undefined ? ' (status ' + p.exit + ')' : '') :
          'exited' + (p.exit !== null && p.exit !== undefined ? ' with status ' + p.exit : '');
        z.appendChild(document.createTextNode(' ' + how + '; it stays until its parent ' +
          (p.ppid !== undefined ? p.ppid + ' ' : '') + 'waits for it (reaps it)'));
        pr.appendChild(z);
      } else if (p.state) {
        pr.dataset.state = p.state;
      }
      // Its open descriptors, past the terminal's three: which ends of
      // which pipes a process still holds is half of a pipe's story.
      const fds = list(p.files).filter((f) => f.kind !== 'tty');
      if (fds.length || p.files_omitted) {
        const row = h('div', 'pk-chips pk-fds');
        row.appendChild(h('span', 'pk-label', 'open files'));
        for (const f of fds) {
          const c = h('span', 'pk-fd', 'fd ' + f.fd + ': ' + (f.text || f.kind));
          c.dataset.fd = String(f.fd);
          c.dataset.kind = f.kind || '';
          if (f.object) c.dataset.object = f.object;
          row.appendChild(c);
        }
        if (p.files_omitted) row.appendChild(h('span', 'pk-more', '+' + p.files_omitted));
        pr.appendChild(row);
      }
      for (const t of byPid.get(pid) || []) {
        if (t.state === 'done') continue;
        const onCpu = running.has(t.tid);
        const row = h('div', 'pk-thread');
        row.dataset.tid = String(t.tid);
        row.dataset.pid = String(t.pid);
        const state = t.state || (onCpu ? 'running' : '');
        row.dataset.state = state;
        if (t.waits_on) row.dataset.waitsOn = t.waits_on;
        row.style.setProperty('--pk-thread', threadColor(opts, t.tid));
        const sw = h('span', 'pk-swatch');
        sw.setAttribute('aria-hidden', 'true');
        row.appendChild(sw);
        row.appendChild(h('span', 'pk-thread-name', 'thread ' + t.tid + (t.name ? ' ' + t.name : '')));
        const where = typeof t.cpu === 'number' ? ' (on cpu' + t.cpu + ')' : ' (on a CPU)';
        row.appendChild(h('span', 'pk-state pk-state-' + state, state + (onCpu ? where : '')));
        const line = h('span', 'pk-line', t.line ? 'line ' + t.line : '');
        if (t.line) line.dataset.line = String(t.line);
        if (t.where) line.title = t.where;
        row.appendChild(line);
        if (t.waiting_for) row.appendChild(h('span', 'pk-wait', t.waiting_for));
        pr.appendChild(row);
      }
      sec.appendChild(pr);
    }
    if (snap.threads_omitted) sec.appendChild(h('div', 'pk-more', '\u2026 and ' + snap.threads_omitted + ' more threads the snapshot leaves out'));
    box.appendChild(sec);
  }

  // quotedCells splits a string quoted as the trace quotes it ("item1;\n")
  // into one cell per byte, an escape staying one cell ("\n"); a string
  // cut by the trace ("..." (N bytes)) leaves the rest uncounted here.
  function quotedCells(q) {
    const s = String(q === undefined || q === null ? '' : q);
    if (s[0] !== '"') return Array.from(s);
    const out = [];
    for (let i = 1; i < s.length; i++) {
      const c = s[i];
      if (c === '"') break;
      if (c !== '\\') {
        out.push(c === ' ' ? '\u2423' : c);
        continue;
      }
      const n = s[i + 1];
      const len = n === 'x' ? 4 : n === 'u' ? 6 : n === 'U' ? 10 : 2;
      const esc = s.slice(i, i + len);
      out.push(esc === '\\"' ? '"' : esc === '\\\\' ? '\\' : esc);
      i += len - 1;
    }
    return out;
  }

  // queueCells draws buffered bytes or messages as a row of cells, the
  // next one out at the left.
  function queueCells(items, total, limit, cls) {
    const q = h('div', 'pk-queue');
    const shown = items.slice(0, limit);
    for (const it of shown) {
      const c = h('span', 'pk-cell ' + (cls || ''), it);
      if (it.length > 1 && it[0] === '\\') c.classList.add('pk-esc');
      q.appendChild(c);
    }
    const rest = Math.max(total - shown.length, items.length - shown.length);
    if (rest > 0) q.appendChild(h('span', 'pk-more', '+' + rest));
    if (!total && !items.length) q.appendChild(h('span', 'pk-empty', 'empty'));
    return q;
  }

  function drawPipes(grid, snap, opts) {
    for (const p of list(snap.kernel && snap.kernel.pipes)) {
      const c = card('pipe', String(p.id).replace(/^pipe:/, ''), p.id);
      const n = Number(p.bytes) || 0;
      c.dataset.bytes = String(n);
      c.appendChild(sub(n + (p.capacity ? ' of ' + p.capacity : '') + ' bytes buffered'));
      // The reader takes the oldest byte first: it is drawn at the left,
      // next to the read ends, so the buffered text reads in its order.
      const flow = h('div', 'pk-flow');
      flow.appendChild(labelled('read ends', p.readers, endChip, 'all closed'));
      flow.appendChild(h('span', 'pk-dir', '\u2190'));
      flow.appendChild(queueCells(quotedCells(p.data), n, LIMITS.queue, 'pk-byte'));
      flow.appendChild(h('span', 'pk-dir', '\u2190'));
      flow.appendChild(labelled('write ends', p.writers, endChip, 'all closed (end of file once empty)'));
      c.appendChild(flow);
      if (list(p.read_waiters).length) c.appendChild(waiters('waiting to read', p.read_waiters, snap, opts));
      if (list(p.write_waiters).length) c.appendChild(waiters('waiting for room', p.write_waiters, snap, opts));
      grid.appendChild(c);
    }
  }

  function drawQueues(grid, snap, opts) {
    for (const q of list(snap.kernel && snap.kernel.queues)) {
      const c = card('mqueue', '/' + (q.name || q.id) + (q.host ? ' on ' + q.host : ''), q.id);
      const msgs = list(q.messages);
      const total = msgs.length + (Number(q.messages_omitted) || 0);
      c.dataset.messages = String(total);
      c.appendChild(sub(total + (q.capacity ? ' of ' + q.capacity : '') + ' messages, the next one out first'));
      const items = msgs.map((m) => {
        if (m && typeof m === 'object') {
          const t = m.value ? valueText(m.value) : m.text !== undefined ? m.text : '';
          return clip(t, 40) + (m.prio !== undefined ? '  prio ' + m.prio : '');
        }
        return clip(m, 40);
      });
      const qd = queueCells(items, total, LIMITS.messages, 'pk-msg');
      qd.classList.add('pk-msgs');
      c.appendChild(qd);
      if (list(q.recv_waiters).length) c.appendChild(waiters('waiting for a message', q.recv_waiters, snap, opts));
      if (list(q.send_waiters).length) c.appendChild(waiters('waiting for room', q.send_waiters, snap, opts));
      if (q.opened_by) c.appendChild(labelled('open in', q.opened_by, endChip));
      grid.appendChild(c);
    }
  }

  function drawMutexes(grid, snap, opts) {
    for (const m of list(snap.kernel && snap.kernel.mutexes)) {
      const c = card('mutex', (m.handle || m.id) + (m.pid ? ' of process ' + m.pid : ''), m.id);
      c.dataset.owner = String(m.owner || 0);
      const own = h('div', 'pk-chips');
      own.appendChild(h('span', 'pk-label', 'held by'));
      if (m.owner) own.appendChild(tidChip(m.owner, snap, opts));
      else if (m.lost_holder) own.appendChild(h('span', 'pk-lost', 'nobody: thread ' + m.lost_holder + ' held it at the fork, so it stays locked for ever'));
      else own.appendChild(h('span', 'pk-none', 'nobody (unlocked)'));
      c.appendChild(own);
      c.appendChild(waiters('waiting', m.waiters, snap, opts));
      grid.appendChild(c);
    }
  }

  function drawSems(grid, snap, opts) {
    for (const s of list(snap.kernel && snap.kernel.semaphores)) {
      const title = s.name ? '"' + s.name + '"' + (s.handle ? ' (' + s.handle + ')' : '') : (s.handle || s.id) + (s.pid ? ' of process ' + s.pid : '');
      const c = card('sem', title, s.id);
      c.dataset.count = String(s.count);
      const row = h('div', 'pk-chips');
      row.appendChild(h('span', 'pk-label', 'count'));
      row.appendChild(h('span', 'pk-count', String(s.count)));
      const tokens = h('span', 'pk-tokens');
      tokens.setAttribute('aria-hidden', 'true');
      const n = Math.max(0, Number(s.count) || 0);
      tokens.textContent = '\u25cf'.repeat(Math.min(12, n)) + (n > 12 ? '\u2026' : '');
      row.appendChild(tokens);
      c.appendChild(row);
      c.appendChild(waiters('waiting', s.waiters, snap, opts));
      if (s.opened_by) c.appendChild(labelled('opened by', s.opened_by, endChip));
      grid.appendChild(c);
    }
  }

  function drawConds(grid, snap, opts) {
    for (const cv of list(snap.kernel && snap.kernel.conds)) {
      const c = card('cond', (cv.handle || cv.id) + (cv.pid ? ' of process ' + cv.pid : ''), cv.id);
      c.appendChild(waiters('waiting', cv.waiters, snap, opts));
      grid.appendChild(c);
    }
  }

  function drawSockets(grid, snap, opts) {
    const k = snap.kernel || {};
    for (const l of list(k.listeners)) {
      const c = card('listener', (l.host || '?') + ':' + l.port, l.id);
      c.appendChild(sub('listening; ' + plural(list(l.pending).length, 'connection waits', 'connections wait') + ' for accept'));
      if (list(l.waiters).length) c.appendChild(waiters('in accept', l.waiters, snap, opts));
      c.appendChild(labelled('held by', l.held_by, endChip));
      grid.appendChild(c);
    }
    for (const s of list(k.sockets)) {
      const c = card('socket', String(s.id).replace(/^socket:/, '') + ' on ' + (s.host || '?'), s.id);
      if (s.peer) c.dataset.peer = s.peer;
      const row = h('div', 'pk-flow');
      row.appendChild(h('span', 'pk-end', (s.host || '?')));
      row.appendChild(h('span', 'pk-dir', s.closed ? '\u2715' : '\u2194'));
      row.appendChild(h('span', 'pk-end', s.peer ? (s.peer_host || '?') + ' (' + String(s.peer).replace(/^socket:/, 'socket ') + ')' : 'nobody'));
      row.appendChild(h('span', 'pk-label', 'port ' + s.port));
      c.appendChild(row);
      const st = [];
      st.push(plural(Number(s.bytes) || 0, 'byte', 'bytes') + ' arrived, unread');
      if (s.in_flight) st.push(plural(Number(s.in_flight), 'byte', 'bytes') + ' still on the way');
      if (s.closed) st.push('closed');
      if (s.eof) st.push('the peer closed: end of file');
      c.appendChild(sub(st.join('; ')));
      if (list(s.waiters).length) c.appendChild(waiters('waiting', s.waiters, snap, opts));
      c.appendChild(labelled('held by', s.held_by, endChip, 'nobody'));
      grid.appendChild(c);
    }
  }

  function drawShared(grid, snap) {
    const k = snap.kernel || {};
    for (const [kind, items] of [['shm', k.shm], ['file', k.files]]) {
      for (const s of list(items)) {
        const c = card(kind, (s.host ? s.host + ':' : '') + (s.name || s.id), s.id);
        c.style.setProperty('--pm-obj', hashColor(s.id));
        c.classList.add('pk-shared');
        const by = list(s.mapped_by);
        c.appendChild(sub((s.size !== undefined ? s.size + ' bytes; ' : '') +
          (by.length ? 'mapped shared by ' + by.map((p) => 'process ' + p).join(', ') : 'no shared mapping')));
        grid.appendChild(c);
      }
    }
  }

  function drawKernel(container, snap, opts) {
    opts = opts || {};
    const root = h('div', 'pk-root');
    root.dataset.step = snap && snap.step !== undefined ? String(snap.step) : '';
    if (!snap) {
      container.replaceChildren(root);
      return;
    }
    if (snap.stopped) root.appendChild(h('div', 'pk-stopped', 'the run stopped here: ' + snap.stopped));
    drawThreads(root, snap, opts);
    const sec = h('section', 'pk-sec pk-objects');
    sec.appendChild(h('h3', 'pk-sec-head', 'Kernel objects'));
    const grid = h('div', 'pk-grid');
    drawPipes(grid, snap, opts);
    drawQueues(grid, snap, opts);
    drawMutexes(grid, snap, opts);
    drawSems(grid, snap, opts);
    drawConds(grid, snap, opts);
    drawSockets(grid, snap, opts);
    drawShared(grid, snap);
    if (!grid.firstChild) grid.appendChild(h('div', 'pk-none', 'no pipes, queues, locks, sockets or shared objects'));
    if (snap.kernel && snap.kernel.omitted) grid.appendChild(h('div', 'pk-more', '\u2026 and ' + snap.kernel.omitted + ' more objects'));
    sec.appendChild(grid);
    root.appendChild(sec);
    // A thread's wait names the object it waits on: hovering either shows
    // the other.
    root.addEventListener('mouseover', (ev) => {
      for (const e of root.querySelectorAll('.pk-hot')) e.classList.remove('pk-hot');
      const t = ev.target.closest && ev.target.closest('.pk-thread[data-waits-on], .pk-fd[data-object]');
      if (!t) return;
      const id = t.dataset.waitsOn || t.dataset.object;
      for (const o of root.querySelectorAll('.pk-obj')) {
        if (o.dataset.id === id) o.classList.add('pk-hot');
      }
    });
    container.replaceChildren(root);
  }

  global.ProcMemory = { draw: drawMemory, limits: LIMITS, sharedColor: hashColor };
  global.ProcKernel = { draw: drawKernel };
})(window);
