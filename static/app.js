// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // The photo viewer. Zoom goes in real steps from the size that fits the stage (the label
  // tells the truth), and the whole image stays reachable at every zoom: the image sits in a
  // canvas sized like it, centred by auto margins, so scrolling covers every edge. Keys work
  // while the viewer has focus, and anywhere on the page with Alt.
  var ZOOM_STEPS = [0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 6, 8];
  var FIT_STEP = 2;

  function setupViewer(viewer) {
    var image = viewer.querySelector("[data-viewer-image]");
    var stage = viewer.querySelector(".viewer__stage");
    var status = viewer.querySelector("[data-viewer-status]");
    var pages = Array.prototype.slice.call(viewer.querySelectorAll("[data-page]"));
    var state = { step: FIT_STEP, rotate: 0, brightness: 100, contrast: 100, page: 0 };
    var canvas = document.createElement("div");
    canvas.className = "viewer__canvas";
    image.parentNode.insertBefore(canvas, image);
    canvas.appendChild(image);
    viewer.classList.add("viewer--scripted");
    // The line an OCR suggestion was read from, outlined on the photo while its field has focus.
    var mark = document.createElement("div");
    mark.className = "viewer__mark";
    mark.hidden = true;
    canvas.appendChild(mark);
    function placeMark() {
      var area = state.mark;
      if (!area || state.rotate !== 0) { mark.hidden = true; return; }
      mark.style.left = area[0] + "%"; mark.style.top = area[1] + "%";
      mark.style.width = area[2] + "%"; mark.style.height = area[3] + "%";
      mark.hidden = false;
    }
    // Only on the photo shown: switching photos as focus moves would reset the zoom and talk.
    viewer.markLine = function (imageId, area) {
      var shown = pages[state.page] && pages[state.page].getAttribute("data-page") === imageId;
      state.mark = shown ? area : null;
      placeMark();
    };

    function zoom() { return ZOOM_STEPS[state.step]; }

    // Lays the image out at the current zoom. `at` is a point of the stage (CSS px from its
    // top-left) that should keep showing the same spot of the image.
    function layout(at) {
      var nw = image.naturalWidth, nh = image.naturalHeight;
      if (!nw || !nh) { return; }
      var before = { w: canvas.offsetWidth || 1, h: canvas.offsetHeight || 1, left: canvas.offsetLeft, top: canvas.offsetTop };
      var spot = at && { x: (stage.scrollLeft + at.x - before.left) / before.w, y: (stage.scrollTop + at.y - before.top) / before.h };
      var turned = state.rotate % 180 !== 0;
      var boxW = turned ? nh : nw, boxH = turned ? nw : nh;
      // The fit is taken from the stage's outer size: scrollbars that appear when zoomed must
      // not shrink what 100% means.
      var fit = Math.min(stage.offsetWidth / boxW, stage.offsetHeight / boxH, 1);
      var scale = fit * zoom();
      canvas.style.width = Math.round(boxW * scale) + "px";
      canvas.style.height = Math.round(boxH * scale) + "px";
      image.style.width = Math.round(nw * scale) + "px";
      image.style.height = Math.round(nh * scale) + "px";
      image.style.transform = "translate(-50%, -50%) rotate(" + state.rotate + "deg)";
      image.style.filter = "brightness(" + state.brightness + "%) contrast(" + state.contrast + "%)";
      viewer.classList.toggle("zoomed", zoom() > 1);
      placeMark();
      if (spot) {
        stage.scrollLeft = canvas.offsetLeft + spot.x * canvas.offsetWidth - at.x;
        stage.scrollTop = canvas.offsetTop + spot.y * canvas.offsetHeight - at.y;
      }
    }
    function say(message) { if (message) { status.textContent = message; } }
    function centre() { return { x: stage.clientWidth / 2, y: stage.clientHeight / 2 }; }
    function zoomTo(step, at) {
      state.step = Math.max(0, Math.min(ZOOM_STEPS.length - 1, step));
      layout(at || centre());
      say(state.step === FIT_STEP ? "全体表示（100%）" : "表示倍率 " + Math.round(zoom() * 100) + "%（全体表示に対して）");
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
      state.step = FIT_STEP; state.rotate = 0; state.mark = null; placeMark();
      say(link.getAttribute("data-label") + "を表示（" + (state.page + 1) + "/" + pages.length + "）");
    }
    var actions = {
      "zoom-in": function () { zoomTo(state.step + 1); },
      "zoom-out": function () { zoomTo(state.step - 1); },
      "fit": function () {
        state.rotate = 0; state.brightness = 100; state.contrast = 100;
        zoomTo(FIT_STEP);
      },
      "rotate": function () { state.rotate = (state.rotate + 90) % 360; layout(centre()); say("回転 " + state.rotate + "度"); },
      "brighter": function () { state.brightness = Math.min(state.brightness + 10, 250); layout(); say("明るさ " + state.brightness + "%"); },
      "darker": function () { state.brightness = Math.max(state.brightness - 10, 20); layout(); say("明るさ " + state.brightness + "%"); },
      "contrast-up": function () { state.contrast = Math.min(state.contrast + 10, 300); layout(); say("コントラスト " + state.contrast + "%"); },
      "contrast-down": function () { state.contrast = Math.max(state.contrast - 10, 20); layout(); say("コントラスト " + state.contrast + "%"); },
      "fullscreen": function () {
        if (document.fullscreenElement) { document.exitFullscreen(); } else if (viewer.requestFullscreen) { viewer.requestFullscreen(); }
      },
      "next": function () { show(state.page + 1); },
      "previous": function () { show(state.page - 1); }
    };
    image.addEventListener("load", function () { layout(); });
    if (image.complete) { layout(); }
    // The stage changes size with the window, the sticky column and full screen.
    if (window.ResizeObserver) {
      new window.ResizeObserver(function () { layout(); }).observe(stage);
    } else {
      window.addEventListener("resize", function () { layout(); });
    }
    document.addEventListener("fullscreenchange", function () { layout(); });

    // Click to zoom in on a spot (Shift+click: out); drag to move; Ctrl+wheel zooms.
    var drag = null;
    function pointIn(event) {
      var box = stage.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }
    stage.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) { return; }
      drag = { x: event.clientX, y: event.clientY, left: stage.scrollLeft, top: stage.scrollTop, moved: false };
    });
    stage.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; }
      if (drag.moved) { stage.scrollLeft = drag.left - dx; stage.scrollTop = drag.top - dy; }
    });
    stage.addEventListener("pointerup", function (event) {
      var was = drag; drag = null;
      if (!was || was.moved || event.target !== image) { return; }
      zoomTo(state.step + (event.shiftKey ? -1 : 1), pointIn(event));
    });
    stage.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) { return; }
      event.preventDefault();
      zoomTo(state.step + (event.deltaY < 0 ? 1 : -1), pointIn(event));
    }, { passive: false });

    viewer.addEventListener("click", function (event) {
      var button = event.target.closest("[data-act]");
      if (button) { actions[button.getAttribute("data-act")](); return; }
      var link = event.target.closest("[data-page]");
      if (link) { event.preventDefault(); show(pages.indexOf(link)); }
    });
    var keys = {
      "+": "zoom-in", "=": "zoom-in", ";": "zoom-in", "-": "zoom-out", "0": "fit", "r": "rotate", "R": "rotate",
      "]": "brighter", "[": "darker", "}": "contrast-up", "{": "contrast-down", "f": "fullscreen", "F": "fullscreen",
      "n": "next", "N": "next", "p": "previous", "P": "previous"
    };
    viewer.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      if (keys[event.key]) { actions[keys[event.key]](); event.preventDefault(); return; }
      if (/^[1-4]$/.test(event.key) && pages[Number(event.key) - 1]) { show(Number(event.key) - 1); event.preventDefault(); return; }
      if (zoom() > 1 && event.key.indexOf("Arrow") === 0) {
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

    // Anywhere on the page: Alt with the same keys (by their place on the keyboard, so a
    // layout that changes what Alt types still works); Alt+V goes between viewer and form.
    var lastField = null;
    document.addEventListener("focusin", function (event) {
      if (!viewer.contains(event.target) && event.target.matches("input, select, textarea")) { lastField = event.target; }
    });
    var codes = {
      "Equal": "zoom-in", "NumpadAdd": "zoom-in", "Semicolon": "zoom-in", "Minus": "zoom-out", "NumpadSubtract": "zoom-out",
      "Digit0": "fit", "Numpad0": "fit", "KeyR": "rotate", "KeyN": "next", "KeyP": "previous",
      "BracketRight": "brighter", "BracketLeft": "darker"
    };
    document.addEventListener("keydown", function (event) {
      if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
      if (event.code === "KeyV") {
        event.preventDefault();
        if (viewer.contains(document.activeElement)) {
          var field = lastField || document.querySelector("form input:not([type=hidden]), form select, form textarea");
          if (field) { field.focus(); }
        } else {
          viewer.focus();
        }
        return;
      }
      if (codes[event.code]) { actions[codes[event.code]](); event.preventDefault(); }
    });
  }

  // OCR suggestions: Enter in an empty field with a suggestion (or its button) puts the
  // suggestion in and moves on; focusing the field outlines the line it was read from.
  function setupSuggestions(form) {
    var viewer = document.querySelector("[data-viewer]");
    var fields = Array.prototype.slice.call(form.querySelectorAll("input:not([type=hidden]), select, textarea"));
    function controlsOf(name) { return Array.prototype.slice.call(form.querySelectorAll("[name='" + name + "']")); }
    function next(from) {
      var i = fields.indexOf(from);
      for (var j = i + 1; j < fields.length; j++) {
        if (fields[j].offsetParent !== null && !fields[j].disabled) { fields[j].focus(); return; }
      }
    }
    function markFor(box) {
      var area = box.getAttribute("data-area");
      if (viewer && viewer.markLine && area) { viewer.markLine(box.getAttribute("data-image"), area.split(",").map(Number)); }
    }
    function accept(box, moveOn) {
      var name = box.getAttribute("data-suggestion"), value = box.getAttribute("data-value");
      var controls = controlsOf(name), target = null;
      controls.forEach(function (c) {
        if (c.type === "radio") { if (c.value === value) { c.checked = true; target = c; } }
        else if (c.type === "checkbox") { c.checked = value !== ""; target = c; }
        else { c.value = value; target = c; }
      });
      if (!target) { return; }
      target.dispatchEvent(new Event("change", { bubbles: true }));
      var status = box.querySelector("[data-suggestion-status]");
      if (status) { status.textContent = "入力しました（保存で確定）"; }
      if (moveOn) { next(target); } else { target.focus(); }
    }
    // The approval's 「使わなかった項目」 box names the suggested fields that are empty now.
    var unusedBox = form.querySelector("#field-suggestions_checked");
    function isUnused(box) {
      var value = box.getAttribute("data-value"), controls = controlsOf(box.getAttribute("data-suggestion"));
      return controls.length > 0 && controls.every(function (c) {
        if (c.type === "radio") { return !c.checked || (c.value === "" && value !== ""); }
        if (c.type === "checkbox") { return !c.checked && value !== ""; }
        return c.value.trim() === "";
      });
    }
    function updateUnused() {
      if (!unusedBox) { return; }
      var names = Array.prototype.slice.call(form.querySelectorAll("[data-suggestion]"))
        .filter(isUnused).map(function (b) { return b.getAttribute("data-label"); });
      var wrapper = unusedBox.closest(".checkbox"), label = form.querySelector("label[for=field-suggestions_checked]");
      if (wrapper) { wrapper.hidden = names.length === 0; }
      if (names.length === 0) { unusedBox.checked = false; }
      if (label && names.length) { label.textContent = label.getAttribute("data-template").replace("{}", names.join("、")); }
    }
    if (unusedBox) {
      var label = form.querySelector("label[for=field-suggestions_checked]");
      if (label) { label.setAttribute("data-template", "読み取り候補を使わなかった項目（{}）は、手帳に記載がないか誤読であることを確認した"); }
      form.addEventListener("input", updateUnused);
      form.addEventListener("change", updateUnused);
    }
    form.querySelectorAll("[data-suggestion]").forEach(function (box) {
      var name = box.getAttribute("data-suggestion");
      controlsOf(name).forEach(function (control) {
        var described = control.getAttribute("aria-describedby");
        control.setAttribute("aria-describedby", (described ? described + " " : "") + box.id);
        control.addEventListener("focus", function () { markFor(box); });
        // The form may have put focus in its first empty field before this ran.
        if (document.activeElement === control) { markFor(box); }
        if (control.type !== "radio" && control.type !== "checkbox") {
          control.addEventListener("keydown", function (event) {
            if (event.key === "Enter" && !event.ctrlKey && !event.altKey && control.value.trim() === "") {
              event.preventDefault();
              accept(box, true);
            }
          });
        }
      });
      var button = box.querySelector("[data-accept]");
      if (button) { button.addEventListener("click", function () { accept(box, false); }); }
    });
  }

  // The live hint: after a field changes, the server reads the form as it stands and says, per
  // field, what it understood and what to look at; the script only shows the answer.
  function setupLiveHints(form) {
    var url = form.getAttribute("action").replace(/\/transcription$/, "/understood");
    var timer = null;
    function note(wrapper, id, className, text, before) {
      var element = document.getElementById(id);
      if (!text) { if (element && element.hasAttribute("data-live")) { element.remove(); } return; }
      if (!element) {
        element = document.createElement("p");
        element.id = id; element.className = className; element.setAttribute("data-live", "");
        if (before) { wrapper.insertBefore(element, before); } else { wrapper.appendChild(element); }
      }
      element.textContent = text;
    }
    function show(fields) {
      form.querySelectorAll("[data-live]").forEach(function (e) { e.remove(); });
      Object.keys(fields).forEach(function (name) {
        var wrapper = document.getElementById("field-" + name);
        if (wrapper && !wrapper.classList.contains("field")) { wrapper = wrapper.closest(".field"); }
        if (!wrapper) { return; }
        var f = fields[name];
        var control = wrapper.querySelector("input, select, textarea");
        if (f.warning && !document.getElementById("warning-" + name)) {
          note(wrapper, "warning-" + name, "field-warning", "注意: " + f.warning, control);
        }
        var dateReading = document.getElementById("understood-" + name);
        if (f.reading && dateReading) {
          dateReading.textContent = "読み取り結果: " + f.reading;
        } else if (f.reading) {
          var shown = document.getElementById("reading-" + name);
          if (shown && !shown.hasAttribute("data-live")) { shown.textContent = "読み取り結果: " + f.reading; }
          else { note(wrapper, "reading-" + name, "understood", "読み取り結果: " + f.reading, null); }
        }
      });
    }
    form.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var body = new URLSearchParams(new FormData(form));
        window.fetch(url, { method: "POST", body: body, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (answer) { if (answer && answer.fields) { show(answer.fields); } })
          .catch(function () {});
      }, 200);
    });
  }

  // Shows only the fields the chosen kind of handbook prints. A field that holds a value or an
  // error stays visible whatever the kind, so nothing typed is hidden.
  function setupKindFields() {
    var groups = document.querySelectorAll("[data-kinds]");
    function update() {
      var chosen = document.querySelector("input[name=kind]:checked");
      groups.forEach(function (group) {
        var input = group.querySelector("input");
        var keep = !chosen || group.getAttribute("data-kinds").split(" ").indexOf(chosen.value) >= 0 ||
          (input && input.value) || group.querySelector(".field-error");
        group.hidden = !keep;
      });
    }
    document.querySelectorAll("input[name=kind]").forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  // Deciding shows what will happen (the decision, the defects, the notice the holder gets)
  // and one more key confirms. Without script the server still checks everything.
  function setupDecisionConfirm(form, index) {
    var subjects = {};
    document.querySelectorAll("[data-notice-for]").forEach(function (item) {
      subjects[item.getAttribute("data-notice-for")] = item.textContent;
    });
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-title-" + index);
    dialog.innerHTML = '<h2 id="confirm-title-' + index + '">判定の確認</h2><dl class="summary" data-confirm-summary></dl>' +
      '<div class="inline-fields"><button type="button" class="button" data-confirm-yes>この内容で確定する</button>' +
      '<button type="button" class="button button--secondary" data-confirm-no>戻って直す（Esc）</button></div>';
    document.body.appendChild(dialog);
    function labelOf(input) {
      if (input.hasAttribute("data-label")) { return input.getAttribute("data-label"); }
      var label = input.id && form.querySelector("label[for='" + input.id + "']");
      return label ? label.textContent.trim() : input.value;
    }
    function row(list, term, text) {
      var div = document.createElement("div");
      var dt = document.createElement("dt"); dt.textContent = term;
      var dd = document.createElement("dd"); dd.textContent = text;
      div.appendChild(dt); div.appendChild(dd); list.appendChild(div);
    }
    // Ctrl+Enter is the primary action, 「判定して次へ」.
    var decideButton = form.querySelector("button[data-decides]");
    var chosenButton = null;
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && decideButton && !form.classList.contains("quick-return")) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit(decideButton) : decideButton.click();
      }
    });
    form.addEventListener("submit", function (event) {
      if (!event.submitter || !event.submitter.hasAttribute("data-decides")) { return; }
      chosenButton = event.submitter;
      if (form.getAttribute("data-confirmed") === "1" || !dialog.showModal) { return; }
      var decision = form.querySelector("input[name=decision]:checked, input[type=hidden][name=decision]");
      if (!decision) { return; }
      event.preventDefault();
      var list = dialog.querySelector("[data-confirm-summary]");
      list.textContent = "";
      row(list, "判定", labelOf(decision));
      var defects = Array.prototype.map.call(form.querySelectorAll("input[name=defects]:checked"), labelOf);
      if (event.submitter.getAttribute("name") === "defects") { defects.push(labelOf(event.submitter)); }
      if (defects.length) { row(list, "不備", defects.join("、")); }
      var message = form.querySelector("[name=holder_message]");
      if (message && message.value.trim()) { row(list, "利用者へのメッセージ", message.value.trim()); }
      row(list, "利用者への通知", subjects[decision.value] || "なし");
      dialog.showModal();
      dialog.querySelector("[data-confirm-yes]").focus();
    });
    dialog.querySelector("[data-confirm-yes]").addEventListener("click", function () {
      form.setAttribute("data-confirmed", "1");
      dialog.close();
      if (form.requestSubmit) { form.requestSubmit(chosenButton); } else { chosenButton.click(); }
    });
    dialog.querySelector("[data-confirm-no]").addEventListener("click", function () { dialog.close(); });
  }

  // Keeps the review claim alive while the page is open and in view.
  // The face box: a live preview of the crop as the card will show it, moved with the arrow
  // keys (Shift: resize; Alt: finer steps) on the focused preview; the four inputs stay the
  // truth and are what the form posts.
  function setupFaceEditor(editor) {
    var preview = editor.querySelector("[data-face-preview]");
    var canvas = editor.querySelector("[data-face-canvas]");
    if (!preview || !canvas || !canvas.getContext) { return; }
    var field = function (name) { return editor.querySelector("input[name=" + name + "]"); };
    var inputs = { left: field("face_left"), top: field("face_top"), width: field("face_width"), height: field("face_height") };
    if (!inputs.left || !inputs.top || !inputs.width || !inputs.height) { return; }
    var num = function (input) {
      var v = parseFloat(String(input.value).replace(/[０-９．]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); }));
      return isNaN(v) ? 0 : v;
    };
    var chosenImage = function () {
      var radio = editor.querySelector("input[name=image_id]:checked");
      if (!radio) { return null; }
      var found = null;
      document.querySelectorAll("img").forEach(function (img) {
        var src = img.getAttribute("src") || "";
        if (!found && src === "/images/" + radio.value) { found = img; }
      });
      return found;
    };
    var draw = function () {
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#eee";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      var img = chosenImage();
      if (!img || !img.complete || !img.naturalWidth) { return; }
      var w = img.naturalWidth, h = img.naturalHeight;
      var sx = num(inputs.left) / 100 * w, sy = num(inputs.top) / 100 * h;
      var sw = num(inputs.width) / 100 * w, sh = num(inputs.height) / 100 * h;
      if (sw <= 0 || sh <= 0) { return; }
      var scale = Math.min(canvas.width / sw, canvas.height / sh);
      var dw = sw * scale, dh = sh * scale;
      ctx.drawImage(img, sx, sy, sw, sh, (canvas.width - dw) / 2, (canvas.height - dh) / 2, dw, dh);
    };
    var set = function (input, value) {
      input.value = (Math.round(Math.min(100, Math.max(0, value)) * 10) / 10).toFixed(1);
    };
    preview.hidden = false;
    preview.addEventListener("keydown", function (event) {
      var step = event.altKey ? 0.1 : 1;
      var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      var move = moves[event.key];
      if (!move) { return; }
      event.preventDefault();
      if (event.shiftKey) {
        set(inputs.width, num(inputs.width) + move[0]);
        set(inputs.height, num(inputs.height) + move[1]);
      } else {
        set(inputs.left, Math.min(num(inputs.left) + move[0], 100 - num(inputs.width)));
        set(inputs.top, Math.min(num(inputs.top) + move[1], 100 - num(inputs.height)));
      }
      draw();
    });
    // Dragging on the preview moves the box the same way (the inputs follow).
    var drag = null;
    canvas.addEventListener("pointerdown", function (event) {
      drag = { x: event.clientX, y: event.clientY, left: num(inputs.left), top: num(inputs.top) };
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      var dx = (event.clientX - drag.x) / canvas.width * num(inputs.width);
      var dy = (event.clientY - drag.y) / canvas.height * num(inputs.height);
      set(inputs.left, Math.min(drag.left + dx, 100 - num(inputs.width)));
      set(inputs.top, Math.min(drag.top + dy, 100 - num(inputs.height)));
      draw();
    });
    ["pointerup", "pointercancel"].forEach(function (type) {
      canvas.addEventListener(type, function () { drag = null; });
    });
    Object.keys(inputs).forEach(function (k) { inputs[k].addEventListener("input", draw); });
    editor.querySelectorAll("input[name=image_id]").forEach(function (r) { r.addEventListener("change", draw); });
    document.querySelectorAll("img").forEach(function (img) { img.addEventListener("load", draw); });
    draw();
  }

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
    if (summary) {
      summary.focus();
    } else {
      // On the review screen, start where the typing starts: the first empty field.
      var form = document.querySelector("form[data-focus-first-empty]");
      var empty = form && Array.prototype.find.call(form.querySelectorAll("input[type=text]:not([data-optional])"), function (i) { return !i.value; });
      if (empty) { empty.focus(); }
    }
    // Ask before irreversible or disruptive actions.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    document.querySelectorAll("[data-viewer]").forEach(setupViewer);
    // Enter on a radio button or checkbox never submits its form: a decision is never made by
    // pressing Enter while choosing it.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.matches && event.target.matches("input[type=radio], input[type=checkbox]")) {
        event.preventDefault();
      }
    });
    document.querySelectorAll("form[data-decision]").forEach(setupDecisionConfirm);
    document.querySelectorAll("form[data-focus-first-empty]").forEach(setupSuggestions);
    document.querySelectorAll("input[name=kind]").length && setupKindFields();
    if (window.fetch && window.FormData) { document.querySelectorAll("form[data-focus-first-empty]").forEach(setupLiveHints); }
    // Exact bar lengths (the CSS classes give a coarse length without script).
    document.querySelectorAll(".bar[data-percent]").forEach(function (bar) {
      bar.style.width = Math.max(Number(bar.getAttribute("data-percent")) * 0.14, 0.125) + "rem";
    });
    document.querySelectorAll("[data-heartbeat]").forEach(setupHeartbeat);
    document.querySelectorAll("[data-face-editor]").forEach(setupFaceEditor);
  });
})();
