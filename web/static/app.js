// kipass: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // The module's table of contents starts folded, so that on a phone the
  // title is on the first screen; beside the text (wide screens) it opens.
  var toc = document.querySelector(".toc details");
  if (toc && window.matchMedia && window.matchMedia("(min-width: 861px)").matches) {
    toc.open = true;
  }

  // Reading progress bar on module pages.
  var bar = document.querySelector(".reading-progress span");
  if (bar) {
    var update = function () {
      var doc = document.documentElement;
      var max = doc.scrollHeight - window.innerHeight;
      var p = max > 0 ? Math.min(1, window.scrollY / max) : 1;
      bar.style.transform = "scaleX(" + p + ")";
    };
    window.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  }

  // Wide tables that scroll sideways become focusable, so that keyboard
  // users can scroll them (templates that know a table is wide set
  // tabindex themselves). Named after the nearest heading.
  var markScrollers = function () {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (el) {
      if (el.hasAttribute("data-scroll-static")) { return; }
      if (el.scrollWidth > el.clientWidth + 1) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("role", "region");
        if (!el.hasAttribute("aria-label")) {
          var sec = el.closest("section");
          var h = sec && sec.querySelector("h2, h3");
          el.setAttribute("aria-label", h ? h.textContent.trim() : document.title);
        }
      } else if (el.getAttribute("tabindex") === "0" && el.getAttribute("role") === "region") {
        el.removeAttribute("tabindex");
        el.removeAttribute("role");
      }
    });
  };
  markScrollers();
  window.addEventListener("resize", markScrollers);
  document.addEventListener("toggle", markScrollers, true); // tables in <details>

  // "Copy" buttons for one-time links and tokens: shown only with this
  // script (without it the text stays visible and selectable in its
  // read-only field). The button's live region says "copied" for screen
  // readers; when the clipboard refuses, the text is selected instead so
  // that Ctrl+C works.
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (btn) {
    var field = document.getElementById(btn.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) { return; }
    var status = document.querySelector('[data-copy-status="' + btn.getAttribute("data-copy") + '"]');
    var label = btn.textContent;
    var text = function () { return field.value !== undefined ? field.value : field.textContent; };
    var select = function () {
      if (field.select) { field.select(); return; }
      var range = document.createRange();
      range.selectNodeContents(field);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    };
    btn.hidden = false;
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(text()).then(function () {
        btn.textContent = btn.getAttribute("data-copied");
        if (status) { status.textContent = ""; status.textContent = btn.getAttribute("data-copied"); }
        window.setTimeout(function () { btn.textContent = label; }, 4000);
      }, function () {
        select();
        if (status && btn.getAttribute("data-copy-failed")) { status.textContent = btn.getAttribute("data-copy-failed"); }
      });
    });
  });

  // Move focus to a result or review heading after a submit, so that
  // screen readers start there.
  var focusTarget = document.querySelector("[data-autofocus]");
  if (focusTarget) { focusTarget.focus(); }

  // Quiz and exam forms: count the answered questions and save the answers
  // on every change (the server keeps the draft; the "save answers" button
  // does the same without this script).
  var quiz = document.querySelector("form.quiz[data-draft]");
  if (quiz) {
    var total = parseInt(quiz.getAttribute("data-total"), 10);
    var fmt = quiz.getAttribute("data-answered-fmt") || "%d / %d";
    var counters = quiz.querySelectorAll("[data-answered]");
    var note = quiz.querySelector("[data-saved]");
    var csrf = quiz.querySelector("input[name=_csrf]");
    var collect = function () {
      var answers = {};
      var n = 0;
      quiz.querySelectorAll("fieldset.question").forEach(function (fs) {
        var chosen = [];
        fs.querySelectorAll("input:checked").forEach(function (i) { chosen.push(i.value); });
        if (chosen.length) { answers[fs.id.slice(2)] = chosen; n++; }
      });
      return { answers: answers, n: n };
    };
    var count = function (n) {
      var text = fmt.replace("%d", n).replace("%d", total);
      counters.forEach(function (el) { el.textContent = text; });
    };
    var pending = null;
    var save = function () {
      var c = collect();
      count(c.n);
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(function () {
        pending = null;
        fetch(quiz.getAttribute("data-draft"), {
          method: "PUT", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.value : "" },
          body: JSON.stringify({ answers: c.answers })
        }).then(function (r) {
          if (note) { note.textContent = r.ok ? (note.getAttribute("data-ok") || "\u2713") : ""; }
        }).catch(function () { if (note) { note.textContent = ""; } });
      }, 300);
    };
    quiz.addEventListener("change", save);
  }

  // Exam countdown. The server enforces the limit; this only shows it and
  // sends the form when the time is up (confirmed, so that the review step
  // does not stop it) so that answers are not lost.
  var form = document.querySelector("form[data-deadline]");
  var shown = document.querySelector("[data-countdown]");
  if (form && shown) {
    var end = Date.now() + parseInt(form.getAttribute("data-deadline"), 10) * 1000;
    var sent = false;
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      shown.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (left <= 60) { shown.classList.add("urgent"); }
      if (left === 0 && !sent) {
        sent = true;
        var confirm = document.createElement("input");
        confirm.type = "hidden"; confirm.name = "confirm"; confirm.value = "1";
        form.appendChild(confirm);
        form.submit();
        return;
      }
      if (left > 0) { setTimeout(tick, 1000); }
    };
    tick();
  }
})();
