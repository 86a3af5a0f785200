// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  function setupViewer(viewer) {
    var image = viewer.querySelector("[data-viewer-image]");
    var status = viewer.querySelector("[data-viewer-status]");
    var pages = Array.prototype.slice.call(viewer.querySelectorAll("[data-page]"));
    var state = { zoom: 1, rotate: 0, brightness: 100, contrast: 100, page: 0 };

    function apply(message) {
      image.style.transform = "scale(" + state.zoom + ") rotate(" + state.rotate + "deg)";
      image.style.filter = "brightness(" + state.brightness + "%) contrast(" + state.contrast + "%)";
      viewer.classList.toggle("zoomed", state.zoom > 1);
      if (message) { status.textContent = message; }
    }
    function show(index) {
      if (!pages.length) { return; }
      state.page = (index + pages.length) % pages.length;
      var link = pages[state.page];
      image.src = link.getAttribute("href");
      image.alt = link.getAttribute("data-label");
      pages.forEach(function (p, i) {
        if (i === state.page) { p.setAttribute("aria-current", "true"); } else { p.removeAttribute("aria-current"); }
      });
      state.zoom = 1; state.rotate = 0;
      apply(link.getAttribute("data-label") + "を表示（" + (state.page + 1) + "/" + pages.length + "）");
    }
    var actions = {
      "zoom-in": function () { state.zoom = Math.min(state.zoom * 1.25, 8); apply("拡大 " + Math.round(state.zoom * 100) + "%"); },
      "zoom-out": function () { state.zoom = Math.max(state.zoom / 1.25, 0.25); apply("縮小 " + Math.round(state.zoom * 100) + "%"); },
      "fit": function () { state.zoom = 1; state.rotate = 0; state.brightness = 100; state.contrast = 100; apply("全体表示"); },
      "rotate": function () { state.rotate = (state.rotate + 90) % 360; apply("回転 " + state.rotate + "度"); },
      "brighter": function () { state.brightness = Math.min(state.brightness + 10, 250); apply("明るさ " + state.brightness + "%"); },
      "darker": function () { state.brightness = Math.max(state.brightness - 10, 20); apply("明るさ " + state.brightness + "%"); },
      "contrast-up": function () { state.contrast = Math.min(state.contrast + 10, 300); apply("コントラスト " + state.contrast + "%"); },
      "contrast-down": function () { state.contrast = Math.max(state.contrast - 10, 20); apply("コントラスト " + state.contrast + "%"); },
      "fullscreen": function () {
        if (document.fullscreenElement) { document.exitFullscreen(); } else if (viewer.requestFullscreen) { viewer.requestFullscreen(); }
      },
      "next": function () { show(state.page + 1); },
      "previous": function () { show(state.page - 1); }
    };
    viewer.addEventListener("click", function (event) {
      var button = event.target.closest("[data-act]");
      if (button) { actions[button.getAttribute("data-act")](); return; }
      var link = event.target.closest("[data-page]");
      if (link) { event.preventDefault(); show(pages.indexOf(link)); }
    });
    var keys = {
      "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", "0": "fit", "r": "rotate", "R": "rotate",
      "]": "brighter", "[": "darker", "}": "contrast-up", "{": "contrast-down", "f": "fullscreen", "F": "fullscreen",
      "n": "next", "N": "next", "p": "previous", "P": "previous"
    };
    viewer.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var stage = viewer.querySelector(".viewer__stage");
      if (keys[event.key]) { actions[keys[event.key]](); event.preventDefault(); return; }
      if (/^[1-4]$/.test(event.key) && pages[Number(event.key) - 1]) { show(Number(event.key) - 1); event.preventDefault(); return; }
      if (state.zoom > 1 && event.key.indexOf("Arrow") === 0) {
        var step = 80;
        if (event.key === "ArrowLeft") { stage.scrollLeft -= step; }
        if (event.key === "ArrowRight") { stage.scrollLeft += step; }
        if (event.key === "ArrowUp") { stage.scrollTop -= step; }
        if (event.key === "ArrowDown") { stage.scrollTop += step; }
        event.preventDefault();
        return;
      }
      if (event.key === "ArrowRight") { show(state.page + 1); event.preventDefault(); }
      if (event.key === "ArrowLeft") { show(state.page - 1); event.preventDefault(); }
    });
  }

  // Keeps the review claim alive while the page is open and in view.
  function setupHeartbeat(element) {
    var url = element.getAttribute("data-heartbeat");
    var tokenInput = document.querySelector("input[name=csrf_token]");
    if (!url || !tokenInput || !window.fetch) { return; }
    window.setInterval(function () {
      if (document.visibilityState !== "visible") { return; }
      var body = new URLSearchParams();
      body.set("csrf_token", tokenInput.value);
      window.fetch(url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual",
        headers: { "X-Claim-Heartbeat": "1" } });
    }, 5 * 60 * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to an error summary so screen readers announce what went wrong.
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); }
    // Ask before irreversible or disruptive actions.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    document.querySelectorAll("[data-viewer]").forEach(setupViewer);
    // Exact bar lengths (the CSS classes give a coarse length without script).
    document.querySelectorAll(".bar[data-percent]").forEach(function (bar) {
      bar.style.width = Math.max(Number(bar.getAttribute("data-percent")) * 0.14, 0.125) + "rem";
    });
    document.querySelectorAll("[data-heartbeat]").forEach(setupHeartbeat);
  });
})();
