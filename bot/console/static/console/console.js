/* Coordinator console: live queue and conversation (server-sent events),
 * urgent alerts (banner, title, optional sound), keyboard shortcuts.
 * Plain JavaScript, no build step, loaded with `defer` (CSP: script-src 'self').
 * Everything that comes from the server is inserted with textContent: patient
 * text is never HTML. */
(function () {
  "use strict";

  var body = document.body;
  var page = body.getAttribute("data-page");
  var csrf = body.getAttribute("data-csrf") || "";
  var staffId = body.getAttribute("data-staff-id") || "";
  if (page === "signin" || !staffId) return;

  // -- helpers ----------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function localTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso || "";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
      " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function relative(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso || "";
    var minutes = Math.round((Date.now() - d.getTime()) / 60000);
    if (minutes < 1) return "just now";
    if (minutes < 60) return minutes + " min ago";
    var hours = Math.floor(minutes / 60);
    if (hours < 24) return hours + " h " + (minutes % 60) + " min ago";
    return localTime(iso);
  }

  function timeEl(iso, isRelative) {
    var node = el("time", { datetime: iso, "data-relative": isRelative ? "" : null });
    formatTime(node);
    return node;
  }

  function formatTime(node) {
    var iso = node.getAttribute("datetime");
    if (!iso || iso === "None") return;
    node.title = localTime(iso);
    node.textContent = node.hasAttribute("data-relative") ? relative(iso) : localTime(iso);
  }

  function refreshTimes() {
    Array.prototype.forEach.call(document.querySelectorAll("time"), formatTime);
  }
  refreshTimes();
  setInterval(refreshTimes, 30000);

  function post(url, form) {
    var params = new URLSearchParams(new FormData(form));
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      body: params
    }).then(function (resp) {
      if (resp.status === 401) { location.href = "/console/signin?msg=expired"; }
      return resp.json().catch(function () { return { ok: false, message: "Unexpected answer" }; })
        .then(function (json) { json.status = resp.status; return json; });
    });
  }

  function nonce() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return pad(b.toString(16)); }).join("");
  }

  function setLive(text) {
    var node = document.getElementById("live-state");
    if (node) node.textContent = text;
  }

  // -- sound and urgent alerts -------------------------------------------------
  var soundButton = document.getElementById("sound-toggle");
  var soundOn = false;
  var audio = null;
  try { soundOn = localStorage.getItem("console-sound") === "on"; } catch (e) { soundOn = false; }

  function showSound() {
    if (!soundButton) return;
    soundButton.setAttribute("aria-pressed", soundOn ? "true" : "false");
    soundButton.textContent = "Sound alerts: " + (soundOn ? "on" : "off");
  }
  showSound();
  if (soundButton) {
    soundButton.addEventListener("click", function () {
      soundOn = !soundOn;
      try { localStorage.setItem("console-sound", soundOn ? "on" : "off"); } catch (e) { /* private mode */ }
      showSound();
      if (soundOn) beep(); // also unlocks audio: browsers need a click first
    });
  }

  function beep() {
    if (!soundOn) return;
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    audio = audio || new Ctx();
    if (audio.state === "suspended") audio.resume();
    [0, 0.28].forEach(function (offset, i) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = i ? 660 : 880;
      gain.gain.setValueAtTime(0.0001, audio.currentTime + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, audio.currentTime + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + offset + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + offset);
      osc.stop(audio.currentTime + offset + 0.26);
    });
  }

  var baseTitle = document.title;
  var knownUrgent = null;
  var banner = document.getElementById("urgent-banner");

  function alertUrgent(rows) {
    var urgent = rows.filter(function (r) { return r.priority === "urgent" && !r.assignee_id; });
    var ids = urgent.map(function (r) { return r.id; });
    if (knownUrgent === null) {
      knownUrgent = ids;
    } else {
      var fresh = urgent.filter(function (r) { return knownUrgent.indexOf(r.id) < 0; });
      knownUrgent = ids;
      if (fresh.length) {
        var first = fresh[0];
        banner.textContent = "";
        banner.appendChild(document.createTextNode("Urgent ticket waiting: "));
        banner.appendChild(el("a", { href: "/console/tickets/" + first.id, text: "#" + first.id + " (" + first.reason_label + ", " + first.channel_label + ")" }));
        if (fresh.length > 1) banner.appendChild(document.createTextNode(" and " + (fresh.length - 1) + " more"));
        banner.hidden = false;
        beep();
      }
    }
    document.title = (ids.length ? "(" + ids.length + " urgent) " : "") + baseTitle;
    if (!ids.length && banner) banner.hidden = true;
  }

  // -- the queue (every page listens, for the alerts) ---------------------------
  var view = body.getAttribute("data-view") || "all";
  var shownIds = null;

  function inView(row) {
    if (view === "mine") return String(row.assignee_id || "") === staffId;
    if (view === "unassigned") return !row.assignee_id;
    return true;
  }

  function claimForm(id) {
    return el("form", { method: "post", action: "/console/tickets/" + id + "/claim", className: "inline claim" }, [
      el("input", { type: "hidden", name: "csrf_token", value: csrf }),
      el("button", { type: "submit", className: "btn btn--small", text: "Claim" })
    ]);
  }

  function renderQueue(rows) {
    var tbody = document.getElementById("queue-rows");
    if (!tbody) return;
    var selected = tbody.querySelector("tr.selected");
    var selectedId = selected ? selected.getAttribute("data-id") : null;
    var visible = rows.filter(inView);
    var before = shownIds;
    shownIds = visible.map(function (r) { return r.id; });
    tbody.textContent = "";
    visible.forEach(function (r) {
      var tr = el("tr", {
        "data-id": r.id, "data-priority": r.priority, "data-assignee-id": r.assignee_id || "",
        className: "row row--" + r.priority + (before && before.indexOf(r.id) < 0 ? " row--new" : "") +
          (String(r.id) === selectedId ? " selected" : "")
      }, [
        el("td", {}, [el("span", { className: "badge badge--" + r.priority, text: r.priority })]),
        el("td", {}, [el("a", { className: "open", href: "/console/tickets/" + r.id, text: "#" + r.id })]),
        el("td", {}, [r.reason_label, r.callback ? " " : null, r.callback ? el("span", { className: "tag", text: "call back" }) : null]),
        el("td", {}, [r.channel_label + " ", el("span", { className: "muted", text: r.language })]),
        el("td", {}, [timeEl(r.created_at, true)]),
        el("td", { text: r.assignee || "—" }),
        el("td", {}, [r.assignee_id ? null : claimForm(r.id)])
      ]);
      tbody.appendChild(tr);
    });
    var empty = document.getElementById("queue-empty");
    if (empty) empty.hidden = visible.length > 0;
  }

  var queueEvents = new EventSource("/console/events");
  queueEvents.addEventListener("queue", function (e) {
    var rows = JSON.parse(e.data);
    alertUrgent(rows);
    if (page === "queue") { renderQueue(rows); setLive("Live"); }
  });
  queueEvents.addEventListener("signout", function () {
    location.href = "/console/signin?msg=expired";
  });
  queueEvents.addEventListener("error", function () {
    if (page === "queue") setLive("Reconnecting…");
  });

  // -- the ticket page -----------------------------------------------------------
  var ticketId = body.getAttribute("data-ticket-id");
  var transcript = document.getElementById("transcript");

  function whoLabel(item) {
    if (item.kind === "patient") return "Patient";
    if (item.kind === "coordinator") return (item.name || "Coordinator") + " (coordinator)";
    if (item.kind === "bot") return "Assistant";
    return "Notice";
  }

  function appendItem(item) {
    if (!transcript || transcript.querySelector('li[data-id="' + item.id + '"]')) return;
    var nearBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80;
    var li = el("li", {
      className: "msg msg--" + item.kind + (item.urgent ? " msg--urgent" : ""), "data-id": item.id
    }, [
      el("span", { className: "who", text: whoLabel(item) }),
      el("span", { className: "text", text: item.text }),
      item.buttons && item.buttons.length ? el("span", { className: "buttons muted", text: "Buttons: " + item.buttons.join(" · ") }) : null,
      item.at ? timeEl(item.at, false) : null
    ]);
    transcript.appendChild(li);
    if (nearBottom) transcript.scrollTop = transcript.scrollHeight;
  }

  function appendNote(note) {
    var list = document.getElementById("notes");
    if (!list || list.querySelector('li[data-id="' + note.id + '"]')) return;
    list.appendChild(el("li", { "data-id": note.id }, [
      el("span", { className: "note-meta" }, [note.author + ", ", timeEl(note.at, true)]),
      el("span", { className: "note-body", text: note.body })
    ]));
  }

  function statusText(state) {
    if (state.status === "resolved") return "Resolved" + (state.resolution === "cancelled" ? " (cancelled by the patient)" : "");
    if (state.status === "assigned") return "Claimed by " + (state.assignee || "a coordinator");
    return "Waiting for a coordinator";
  }

  if (page === "ticket" && ticketId) {
    if (transcript) transcript.scrollTop = transcript.scrollHeight;
    var after = body.getAttribute("data-after") || "0";
    var ticketEvents = new EventSource("/console/tickets/" + ticketId + "/events?after=" + after);
    ticketEvents.addEventListener("open", function () { setLive("· live"); });
    ticketEvents.addEventListener("error", function () { setLive("· reconnecting…"); });
    ticketEvents.addEventListener("message", function (e) { appendItem(JSON.parse(e.data)); });
    ticketEvents.addEventListener("note", function (e) { appendNote(JSON.parse(e.data)); });
    ticketEvents.addEventListener("ticket", function (e) {
      var state = JSON.parse(e.data);
      var status = document.getElementById("ticket-status");
      if (state.gone) {
        ticketEvents.close();
        if (status) status.textContent = "This ticket no longer exists (the patient's data was deleted).";
        Array.prototype.forEach.call(document.querySelectorAll("form button, form textarea"), function (n) { n.disabled = true; });
        return;
      }
      if (status) status.textContent = statusText(state);
      var priority = document.getElementById("ticket-priority");
      if (priority) { priority.textContent = state.priority; priority.className = "badge badge--" + state.priority; }
      var changed = state.status !== body.getAttribute("data-status") ||
        String(state.assignee_id || "") !== body.getAttribute("data-assignee-id");
      var reply = document.getElementById("reply");
      var note = document.getElementById("note");
      var typing = (reply && reply.value.trim()) || (note && note.value.trim());
      if (changed && !typing) location.reload(); // the buttons depend on who holds it
    });
    ticketEvents.addEventListener("signout", function () { location.href = "/console/signin?msg=expired"; });

    var replyForm = document.getElementById("reply-form");
    if (replyForm) {
      replyForm.elements.nonce.value = nonce();
      replyForm.addEventListener("submit", function (e) {
        e.preventDefault();
        var state = document.getElementById("reply-state");
        var box = replyForm.elements.text;
        if (!box.value.trim()) return;
        state.textContent = "Sending…";
        post(replyForm.action, replyForm).then(function (json) {
          if (json.ok) {
            box.value = "";
            replyForm.elements.nonce.value = nonce();
            state.textContent = "Sent";
          } else {
            state.textContent = json.message || "Not sent. Try again.";
          }
        }, function () { state.textContent = "Not sent: the console could not be reached. Try again."; });
      });
    }
    var noteForm = document.getElementById("note-form");
    if (noteForm) {
      noteForm.addEventListener("submit", function (e) {
        e.preventDefault();
        post(noteForm.action, noteForm).then(function (json) {
          if (json.ok) noteForm.elements.body.value = "";
        });
      });
    }
    var eraseForm = document.getElementById("erase-form");
    if (eraseForm) {
      eraseForm.addEventListener("submit", function (e) {
        if (!window.confirm("Delete everything stored about this patient? This cannot be undone.")) e.preventDefault();
      });
    }
  }

  // -- keyboard -----------------------------------------------------------------
  var help = document.getElementById("help");
  var helpClose = document.getElementById("help-close");
  var lastFocus = null;
  function toggleHelp(open) {
    if (!help) return;
    help.hidden = !open;
    if (open) { lastFocus = document.activeElement; helpClose.focus(); }
    else if (lastFocus) lastFocus.focus();
  }
  if (helpClose) helpClose.addEventListener("click", function () { toggleHelp(false); });

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue-rows tr")); }
  function select(delta) {
    var list = rows();
    if (!list.length) return;
    var index = list.findIndex(function (r) { return r.classList.contains("selected"); });
    var next = Math.max(0, Math.min(list.length - 1, index < 0 ? 0 : index + delta));
    list.forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    list[next].classList.add("selected");
    list[next].setAttribute("aria-selected", "true");
    var link = list[next].querySelector("a.open");
    if (link) link.focus();
  }
  function selectedRow() { return document.querySelector("#queue-rows tr.selected"); }

  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("#queue-rows tr");
    if (!row || e.target.closest("a, button, form")) return;
    location.href = "/console/tickets/" + row.getAttribute("data-id");
  });

  document.addEventListener("keydown", function (e) {
    var target = e.target;
    var typing = target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.tagName === "SELECT");
    if (typing) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && target.form) {
        e.preventDefault();
        target.form.requestSubmit();
      } else if (e.key === "Escape") {
        target.blur();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (help && !help.hidden) {
      if (e.key === "Escape" || e.key === "?") { e.preventDefault(); toggleHelp(false); }
      return;
    }
    var key = e.key;
    if (key === "?") { e.preventDefault(); toggleHelp(true); return; }
    if (key === "g") { location.href = "/console/"; return; }
    if (page === "queue") {
      if (key === "j" || key === "ArrowDown") { e.preventDefault(); select(1); }
      else if (key === "k" || key === "ArrowUp") { e.preventDefault(); select(-1); }
      else if (key === "o" || (key === "Enter" && selectedRow() && target === document.body)) {
        var row = selectedRow();
        if (row) location.href = "/console/tickets/" + row.getAttribute("data-id");
      } else if (key === "c") {
        var chosen = selectedRow();
        var form = chosen && chosen.querySelector("form.claim");
        if (form) form.requestSubmit();
      } else if (key === "1" || key === "2" || key === "3") {
        location.href = "/console/?view=" + { "1": "all", "2": "mine", "3": "unassigned" }[key];
      }
    } else if (page === "ticket") {
      var reply = document.getElementById("reply");
      var note = document.getElementById("note");
      if (key === "r" && reply) { e.preventDefault(); reply.focus(); }
      else if (key === "n" && note) { e.preventDefault(); note.focus(); }
      else if (key === "c") {
        var claim = document.getElementById("claim-form");
        if (claim) claim.requestSubmit();
      }
    }
  });
})();
