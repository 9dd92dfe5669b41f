// kipass: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

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

  // Exam countdown. The server enforces the limit; this only shows it and
  // sends the form when the time is up so that answers are not lost.
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
      if (left === 0 && !sent) { sent = true; form.submit(); return; }
      if (left > 0) { setTimeout(tick, 1000); }
    };
    tick();
  }
})();
