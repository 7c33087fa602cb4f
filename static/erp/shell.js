// The page shell without inline JavaScript (CSP): global search shortcuts and the sidebar toggle.
// "/" or Ctrl+K (Cmd+K) puts the cursor into the top-bar search box; the results drop down under
// it (htmx, erp/search_views.py); arrow keys move through them, Escape closes them.
(function () {
  function searchInput() { return document.getElementById("global-search-input"); }
  function resultsBox() { return document.getElementById("global-search-results"); }
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  function closeResults() { var box = resultsBox(); if (box) box.innerHTML = ""; }
  function hits() { var box = resultsBox(); return box ? Array.prototype.slice.call(box.querySelectorAll("a")) : []; }

  document.addEventListener("keydown", function (e) {
    var input = searchInput();
    if (!input) return;
    var ctrlK = (e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "k" || e.key === "K");
    if (ctrlK || (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(document.activeElement))) {
      e.preventDefault();
      input.focus();
      input.select();
      return;
    }
    var inSearch = document.activeElement === input || (resultsBox() && resultsBox().contains(document.activeElement));
    if (!inSearch) return;
    if (e.key === "Escape") { closeResults(); input.blur(); return; }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      var list = hits();
      if (!list.length) return;
      e.preventDefault();
      var i = list.indexOf(document.activeElement);
      if (e.key === "ArrowDown") i = i < list.length - 1 ? i + 1 : 0;
      else i = i <= 0 ? (i === 0 ? -1 : list.length - 1) : i - 1;
      if (i < 0) input.focus(); else list[i].focus();
    }
  });
  document.addEventListener("click", function (e) {
    var form = document.getElementById("global-search");
    if (form && !form.contains(e.target)) closeResults();
  });

  // Sidebar: the toggle hides it on wide screens (remembered) and opens it over the page on
  // narrow ones, where it starts closed.
  var KEY = "tiangong.sidebar";
  function narrow() { return window.matchMedia("(max-width: 991.98px)").matches; }
  function sync() {
    var btn = document.querySelector("[data-sidebar-toggle]");
    if (!btn) return;
    var shown = narrow() ? document.body.classList.contains("sidebar-open") : !document.body.classList.contains("sidebar-collapsed");
    btn.setAttribute("aria-expanded", shown ? "true" : "false");
  }
  document.addEventListener("DOMContentLoaded", function () {
    try { if (window.localStorage.getItem(KEY) === "collapsed") document.body.classList.add("sidebar-collapsed"); } catch (err) { /* private mode */ }
    sync();
  });
  window.addEventListener("resize", sync);
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-sidebar-toggle]");
    if (btn) {
      if (narrow()) {
        document.body.classList.toggle("sidebar-open");
      } else {
        var collapsed = document.body.classList.toggle("sidebar-collapsed");
        try { window.localStorage.setItem(KEY, collapsed ? "collapsed" : "open"); } catch (err) { /* private mode */ }
      }
      sync();
      return;
    }
    if (narrow() && document.body.classList.contains("sidebar-open")) {
      var side = document.getElementById("sidebar");
      if (side && !side.contains(e.target)) { document.body.classList.remove("sidebar-open"); sync(); }
    }
  });
})();

// Table cells that hold one date, time, number or code (SO-2026-000001, PP-BOLT) never break
// inside it ("2026-12-" / "11"): they get the class "nowrap"; text cells keep wrapping.
(function () {
  var DATE = /^\d{4}[-\/.年]\d{1,2}[-\/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$/;
  var CODE = /^[A-Za-z0-9][A-Za-z0-9\-\/_.%]{1,23}$/;
  function mark(root) {
    var cells = (root || document).querySelectorAll("table td");
    for (var i = 0; i < cells.length; i++) {
      var text = cells[i].textContent.trim();
      if (text.length <= 24 && (DATE.test(text) || CODE.test(text))) cells[i].classList.add("nowrap");
    }
  }
  document.addEventListener("DOMContentLoaded", function () { mark(document); });
  document.addEventListener("htmx:afterSwap", function (e) { mark(e.target); });
})();
