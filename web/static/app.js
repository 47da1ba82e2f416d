// The account switcher: opens in place, filters as you type (asking the server when
// not every account is listed), and can be driven with the keyboard.
(function () {
  "use strict";
  // Forms whose submit button carries data-confirm ask before destructive actions.
  document.addEventListener("submit", function (e) {
    var b = e.submitter || e.target.querySelector("[data-confirm]");
    var msg = (b && b.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("switcher-toggle");
    var panel = document.getElementById("switcher-panel");
    var search = document.getElementById("switcher-search");
    var list = document.getElementById("switcher-list");
    if (!toggle || !panel || !search || !list) return;
    var switcher = toggle.parentElement;
    var more = false;
    var loaded = null; // a promise once the list has been asked for
    var original = "";
    var timer = null;

    // markCurrent highlights the account this page belongs to.
    function markCurrent() {
      var path = window.location.pathname;
      list.querySelectorAll(".switcher-item").forEach(function (a) {
        var href = a.getAttribute("href");
        if (href && path.indexOf(href) === 0) a.classList.add("current");
      });
    }
    function show(html) {
      list.innerHTML = html;
      var res = list.querySelector(".switcher-results");
      if (res) more = res.getAttribute("data-more") === "true";
      switcher.setAttribute("data-more", more ? "true" : "false");
      markCurrent();
    }
    function fetchList(q) {
      return fetch("/accounts?fragment=1&q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); });
    }
    function load() {
      if (!loaded) {
        loaded = fetchList("").then(function (html) {
          show(html);
          original = list.innerHTML;
        }).catch(function () {
          list.innerHTML = '<p class="empty">Your accounts could not be loaded. <a href="/accounts">Open the list</a>.</p>';
          loaded = null;
        });
      }
      return loaded;
    }
    function open() {
      panel.hidden = false;
      toggle.setAttribute("aria-expanded", "true");
      search.focus();
      load();
    }
    function close() {
      panel.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
    }
    function items() {
      return Array.prototype.filter.call(list.querySelectorAll(".switcher-item"), function (a) {
        return a.closest("li").style.display !== "none";
      });
    }
    function filterLocal(q) {
      q = q.toLowerCase();
      list.querySelectorAll(".switcher-group").forEach(function (g) {
        var shown = 0;
        g.querySelectorAll("li").forEach(function (li) {
          var a = li.querySelector(".switcher-item");
          var hit = !q || (a.getAttribute("data-name") || "").toLowerCase().indexOf(q) >= 0;
          li.style.display = hit ? "" : "none";
          if (hit) shown++;
        });
        g.style.display = shown ? "" : "none";
      });
      var empty = list.querySelector(".empty-local");
      if (items().length === 0) {
        if (!empty) {
          empty = document.createElement("p");
          empty.className = "empty empty-local";
          empty.textContent = "No account matches.";
          list.appendChild(empty);
        }
      } else if (empty) {
        empty.remove();
      }
    }
    function filterRemote(q) {
      if (!q) { list.innerHTML = original; markCurrent(); return; }
      fetchList(q)
        .then(function (html) { if (search.value.trim() === q) { list.innerHTML = html; markCurrent(); } })
        .catch(function () { filterLocal(q); });
    }

    // Warm the list when the pointer or focus reaches the toggle.
    toggle.addEventListener("mouseenter", load);
    toggle.addEventListener("focus", load);
    toggle.addEventListener("click", function (e) {
      e.preventDefault();
      if (panel.hidden) open(); else close();
    });
    search.addEventListener("input", function () {
      var q = search.value.trim();
      load().then(function () {
        if (more) {
          clearTimeout(timer);
          timer = setTimeout(function () { filterRemote(q); }, 150);
        } else {
          filterLocal(q);
        }
      });
    });
    panel.addEventListener("keydown", function (e) {
      var all = items();
      var i = all.indexOf(document.activeElement);
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (all.length) all[Math.min(i + 1, all.length - 1)].focus();
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        if (i <= 0) search.focus(); else all[i - 1].focus();
      } else if (e.key === "Enter" && document.activeElement === search && all.length) {
        e.preventDefault();
        window.location.href = all[0].getAttribute("href");
      } else if (e.key === "Escape") {
        close();
        toggle.focus();
      }
    });
    document.addEventListener("click", function (e) {
      if (!panel.hidden && !panel.contains(e.target) && !toggle.contains(e.target)) close();
    });
  });
})();
