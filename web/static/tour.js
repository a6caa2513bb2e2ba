// tour.js — the lessons of `proc tour` in a pane beside the editor: a
// lesson's text, a button that loads its script into the page (where the
// page's own controls run it), and its prediction question, checked as
// `proc tour` checks it.
//
// The lessons come from tour.json beside the page, fetched the first time
// the pane opens. Lesson text is set with textContent only: its light
// markup (paragraphs, `code`, *emphasis*, "- " lists) becomes elements.
//
//   ProcTour.open(num, lang)   open the pane (at lesson num, in lang)
//   ProcTour.close()           close it
//   ProcTour.matches(answer, typed, real)   proc tour's answer check
//   ProcTour.label(answer, v)  v as it is shown, "b) 999" with choices
//   ProcTour.state             {open, num, lang}
"use strict";

window.ProcTour = (() => {
  const here = (document.currentScript && document.currentScript.src) || location.href;
  const $ = (id) => document.getElementById(id);

  // The pane's own words, by language; %s and %d are filled in order.
  const WORDS = {
    en: {
      title: "Tour",
      lesson: "Lesson",
      prev: "Previous lesson",
      next: "Next lesson",
      load: "Load the script",
      loadHint: "then step through its run",
      question: "Question",
      placeholder: "your prediction",
      placeholderChoices: "a letter or the answer",
      check: "Check",
      right: "Right! The answer is %s.",
      wrong: "Not quite: you said %s; the answer is %s.",
      empty: "Type your prediction first, or pick a choice.",
      loading: "Loading the lessons…",
      failed: "The lessons could not be loaded: %s",
      of: "%d of %d",
    },
    ko: {
      title: "투어",
      lesson: "강",
      prev: "이전 강",
      next: "다음 강",
      load: "스크립트 불러오기",
      loadHint: "불러온 뒤 실행을 한 단계씩 따라가 보세요",
      question: "질문",
      placeholder: "예상한 답",
      placeholderChoices: "글자 또는 답",
      check: "확인",
      right: "맞았습니다! 답은 %s입니다.",
      wrong: "아쉽네요. 입력한 답은 %s, 실제 답은 %s입니다.",
      empty: "먼저 예상한 답을 입력하거나 고르세요.",
      loading: "강의를 불러오는 중…",
      failed: "강의를 불러오지 못했습니다: %s",
      of: "%d/%d",
    },
  };

  const store = {
    get(k) {
      try {
        return localStorage.getItem(k);
      } catch (e) {
        return null;
      }
    },
    set(k, v) {
      try {
        localStorage.setItem(k, v);
      } catch (e) {
        /* remembered only during this visit */
      }
    },
  };

  // The language by default: the browser's, Korean or else English.
  function defaultLang() {
    const l = store.get("proc.tour.lang");
    if (l === "en" || l === "ko") return l;
    const nav = (navigator.languages && navigator.languages[0]) || navigator.language || "";
    return /^ko\b/i.test(nav) ? "ko" : "en";
  }

  const T = {
    open: false,
    lessons: null, // tour.json's lessons, once fetched
    fetching: null,
    num: +store.get("proc.tour.lesson") || 1,
    lang: defaultLang(),
  };

  function say(key, ...args) {
    let i = 0;
    return (WORDS[T.lang] || WORDS.en)[key].replace(/%[sd]/g, () => String(args[i++]));
  }

  // ---- The answer check, as tour.go's ------------------------------------

  // normal drops case and extra spaces.
  function normal(s) {
    return String(s).trim().split(/\s+/).filter(Boolean).join(" ").toLowerCase();
  }
  function choiceIndex(answer, v) {
    const c = answer.choices || [];
    for (let i = 0; i < c.length; i++) if (normal(c[i]) === normal(v)) return i;
    return -1;
  }
  // resolve turns a typed answer into the answer it stands for: with
  // choices, a letter ("b" or "b)") stands for its choice.
  function resolve(answer, typed) {
    const t = String(typed).trim();
    let l = normal(t);
    if (l.endsWith(")")) l = l.slice(0, -1);
    if (answer.choices && l.length === 1) {
      const i = l.charCodeAt(0) - 97;
      if (i >= 0 && i < answer.choices.length) return answer.choices[i];
    }
    return t;
  }
  function matches(answer, typed, real) {
    const t = normal(resolve(answer, typed));
    return t !== "" && t === normal(real);
  }
  function label(answer, v) {
    const i = choiceIndex(answer, v);
    return i >= 0 ? String.fromCharCode(97 + i) + ") " + answer.choices[i] : v;
  }

  // ---- Lesson text ---------------------------------------------------------

  // inline appends text to parent, `code` as <code> and *a word* as <em>.
  function inline(parent, text) {
    const parts = text.split("`");
    // An odd count of backquotes leaves the last one as it is.
    const closed = parts.length % 2 === 1 ? parts.length : parts.length - 1;
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 1 && i < closed) {
        const c = document.createElement("code");
        c.textContent = parts[i];
        parent.append(c);
        continue;
      }
      const s = i % 2 === 1 ? "`" + parts[i] : parts[i];
      const re = /\*([^*\s](?:[^*]*[^*\s])?)\*/g;
      let at = 0;
      for (let m; (m = re.exec(s)); ) {
        parent.append(document.createTextNode(s.slice(at, m.index)));
        const em = document.createElement("em");
        em.textContent = m[1];
        parent.append(em);
        at = re.lastIndex;
      }
      parent.append(document.createTextNode(s.slice(at)));
    }
  }

  // render turns a lesson's body into paragraphs and lists: a blank line
  // ends a block, "- " starts an item, an indented line goes on with it.
  function render(body) {
    const frag = document.createDocumentFragment();
    let para = null; // lines of the paragraph being read
    let list = null; // the <ul> being filled
    let item = null; // lines of its last item
    const endItem = () => {
      if (item) {
        const li = document.createElement("li");
        inline(li, item.join(" "));
        list.append(li);
        item = null;
      }
    };
    const endBlock = () => {
      if (para) {
        const p = document.createElement("p");
        inline(p, para.join(" "));
        frag.append(p);
        para = null;
      }
      endItem();
      if (list) {
        frag.append(list);
        list = null;
      }
    };
    for (const raw of body.split("\n")) {
      const line = raw.trim();
      if (line === "") {
        endBlock();
      } else if (/^[-*] /.test(line)) {
        if (para) endBlock();
        endItem();
        list = list || document.createElement("ul");
        item = [line.slice(2).trim()];
      } else if (item && /^\s/.test(raw)) {
        item.push(line);
      } else {
        if (list) endBlock();
        (para = para || []).push(line);
      }
    }
    endBlock();
    return frag;
  }

  // ---- The pane ------------------------------------------------------------

  function lesson() {
    return T.lessons ? T.lessons[T.num - 1] : null;
  }

  function fetchLessons() {
    if (!T.fetching) {
      T.fetching = (async () => {
        const resp = await fetch(new URL("tour.json", here));
        if (!resp.ok) throw new Error(`tour.json: ${resp.status} ${resp.statusText}`);
        const doc = await resp.json();
        if (!doc || !Array.isArray(doc.lessons) || doc.lessons.length === 0) throw new Error("tour.json holds no lessons");
        T.lessons = doc.lessons;
      })();
      // A failure may be tried again at the next opening.
      T.fetching.catch(() => (T.fetching = null));
    }
    return T.fetching;
  }

  function setOpen(open) {
    T.open = open;
    $("tour").hidden = !open;
    document.body.classList.toggle("tour-open", open);
    $("tour-btn").setAttribute("aria-pressed", String(open));
    store.set("proc.tour.open", open ? "1" : "0");
  }

  async function open(num, lang) {
    if (lang === "en" || lang === "ko") T.lang = lang;
    if (num) T.num = +num;
    setOpen(true);
    drawWords();
    if (!T.lessons) {
      $("tour-status").textContent = say("loading");
      try {
        await fetchLessons();
      } catch (e) {
        $("tour-status").textContent = say("failed", e.message);
        return false;
      }
    }
    $("tour-status").textContent = "";
    show(T.num);
    return true;
  }

  function close() {
    setOpen(false);
  }

  // drawWords writes the pane's own words in the language chosen.
  function drawWords() {
    const pane = $("tour");
    pane.lang = T.lang;
    $("h-tour").textContent = say("title");
    for (const [id, key] of [["tour-prev", "prev"], ["tour-next", "next"]]) {
      $(id).title = say(key);
      $(id).setAttribute("aria-label", say(key));
    }
    $("tour-pick").setAttribute("aria-label", say("lesson"));
    $("tour-load").textContent = say("load");
    $("tour-load-hint").textContent = say("loadHint");
    $("tour-q-label").textContent = say("question");
    $("tour-check").textContent = say("check");
    for (const b of pane.querySelectorAll(".tour-langs [data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === T.lang));
  }

  // show draws lesson num in the language chosen.
  function show(num) {
    if (!T.lessons) return;
    T.num = Math.max(1, Math.min(T.lessons.length, +num || 1));
    store.set("proc.tour.lesson", String(T.num));
    const l = lesson();
    const text = l.text[T.lang] || l.text.en;
    drawWords();

    const pick = $("tour-pick");
    pick.textContent = "";
    for (const x of T.lessons) {
      const o = document.createElement("option");
      o.value = String(x.num);
      o.textContent = x.num + ". " + (x.text[T.lang] || x.text.en).title;
      pick.append(o);
    }
    pick.value = String(T.num);
    pick.title = say("of", T.num, T.lessons.length);
    $("tour-prev").disabled = T.num <= 1;
    $("tour-next").disabled = T.num >= T.lessons.length;

    $("tour-lesson").hidden = false;
    $("tour-title").textContent = text.title;
    const body = $("tour-text");
    body.textContent = "";
    body.append(render(text.body));
    $("tour-question").textContent = text.question;

    const choices = $("tour-choices");
    choices.textContent = "";
    choices.hidden = !l.answer.choices;
    (l.answer.choices || []).forEach((c, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "tour-choice";
      b.setAttribute("aria-pressed", "false");
      b.textContent = String.fromCharCode(97 + i) + ") " + c;
      b.addEventListener("click", () => {
        for (const o of choices.children) o.setAttribute("aria-pressed", String(o === b));
        $("tour-answer").value = c;
        check();
      });
      choices.append(b);
    });
    const input = $("tour-answer");
    input.value = "";
    input.placeholder = say(l.answer.choices ? "placeholderChoices" : "placeholder");
    const v = $("tour-verdict");
    v.textContent = "";
    v.dataset.verdict = "";
    $("tour-lesson").scrollTop = 0;
  }

  // check says whether the prediction typed (or picked) is the answer.
  function check() {
    const l = lesson();
    if (!l) return;
    const a = l.answer;
    const typed = $("tour-answer").value;
    const v = $("tour-verdict");
    if (normal(typed) === "") {
      v.textContent = say("empty");
      v.dataset.verdict = "";
      return;
    }
    const right = matches(a, typed, a.value);
    v.textContent = right ? say("right", label(a, a.value)) : say("wrong", label(a, resolve(a, typed)), label(a, a.value));
    v.dataset.verdict = right ? "right" : "wrong";
  }

  async function loadScript() {
    const l = lesson();
    if (!l || !window.ProcApp) return;
    await window.ProcApp.openScript(l.file, l.script);
  }

  function start() {
    $("tour-btn").addEventListener("click", () => (T.open ? close() : open()));
    $("tour-prev").addEventListener("click", () => show(T.num - 1));
    $("tour-next").addEventListener("click", () => show(T.num + 1));
    $("tour-pick").addEventListener("change", (e) => show(+e.target.value));
    for (const b of document.querySelectorAll("#tour .tour-langs [data-lang]")) {
      b.addEventListener("click", () => {
        T.lang = b.dataset.lang;
        store.set("proc.tour.lang", T.lang);
        if (T.lessons) show(T.num);
        else drawWords();
      });
    }
    $("tour-load").addEventListener("click", loadScript);
    $("tour-form").addEventListener("submit", (e) => {
      e.preventDefault();
      for (const o of $("tour-choices").children) o.setAttribute("aria-pressed", "false");
      check();
    });
    if (store.get("proc.tour.open") === "1") open();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  return Object.freeze({
    open,
    close,
    show,
    matches,
    label,
    get state() {
      return { open: T.open, num: T.num, lang: T.lang, lessons: T.lessons ? T.lessons.length : 0 };
    },
  });
})();
