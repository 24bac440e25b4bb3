/*! CancerFax cryoablation chat widget. Plain JS, no framework, no build step.
 * Embed: <script src="https://<console>/widget/widget.js" async
 *          data-config='{"serverUrl": "https://<rasa>", "title": "…"}'></script>
 * Everything from the server or the patient is put into the page as text
 * (textContent, createElement); nothing is ever parsed as HTML. */
(function () {
  "use strict";
  var w = window;
  var d = document;
  if (w.CryoChat && w.CryoChat.version) return;

  var VERSION = "1.1.0";
  var ACK_TIMEOUT_MS = 30000;
  // A first connection slower than this shows "Connecting…"; an outage longer
  // than GIVE_UP_MS says plainly that the assistant cannot be reached.
  var NOTICE_DELAY_MS = 1200;
  var GIVE_UP_MS = 15000;
  // Replies that arrive this close together are read as one reply.
  var BATCH_GAP_MS = 2000;
  var MAX_STORED = 200;
  var NOTICE_TYPES = { coordinator_joined: 1, coordinator_left: 1 };

  var script = d.currentScript || (function () {
    var all = d.querySelectorAll('script[src*="widget.js"]');
    return all[all.length - 1];
  })();
  var assetBase = script && script.src ? new URL("./", script.src).href : "/widget/";

  var STRINGS = {
    launcher: "Ask about cryoablation",
    close: "Close chat",
    inputLabel: "Type your question",
    placeholder: "Type your question…",
    send: "Send",
    menu: "Menu",
    coordinator: "Talk to a coordinator",
    clear: "Clear conversation",
    clearConfirm: "Delete this conversation from this device? Anyone using this browser could otherwise read it.",
    clearYes: "Delete",
    clearNo: "Cancel",
    cleared: "The conversation was deleted from this device.",
    you: "You",
    assistant: "Assistant",
    coordinatorRole: "Coordinator",
    saidYou: "You said:",
    saidAssistant: "Assistant said:",
    saidCoordinator: "{name}, coordinator, said:",
    joined: "{name}, a coordinator, joined the conversation.",
    left: "{name} left the conversation. The assistant continues.",
    aCoordinator: "A coordinator",
    typing: "The assistant is typing",
    connecting: "Connecting…",
    reconnecting: "Reconnecting…",
    offline: "Can't reach the assistant right now. We keep trying; messages you write will be sent when the connection is back.",
    waiting: "{n} waiting to be sent.",
    sending: "Connected. Sending {n}…",
    one: "1 message",
    many: "{n} messages",
    retry: "Try again now",
    pending: "Waiting to send",
    failed: "Not sent",
    resend: "Send again",
    newTab: "(opens in a new tab)",
    conversation: "Conversation",
    suggestions: "Suggested replies",
    unread: "{n} new",
    newMessages: "New messages",
    disclaimer: "General information from a reviewed source: never a diagnosis or a treatment decision. In an emergency, contact your local emergency services.",
    expired: "Your earlier conversation has ended; this is a new one.",
  };

  // ---------------------------------------------------------------- config
  function readConfig() {
    var cfg = {
      serverUrl: "",
      socketPath: "/socket.io",
      title: "Cryoablation questions",
      subtitle: "Automated assistant · not a doctor",
      lang: "en",
      open: false,
      colors: {},
      storageKey: "cryo-chat",
      retainHours: 24,
      maxLength: 1000,
      transports: ["websocket", "polling"],
      strings: {},
    };
    var sources = [w.CryoChatConfig];
    var attr = script && script.getAttribute("data-config");
    if (attr) {
      try { sources.push(JSON.parse(attr)); } catch (e) { warn("data-config is not valid JSON"); }
    }
    sources.forEach(function (src) {
      if (!src || typeof src !== "object") return;
      Object.keys(cfg).forEach(function (key) {
        if (src[key] !== undefined && src[key] !== null) cfg[key] = src[key];
      });
    });
    cfg.serverUrl = String(cfg.serverUrl || w.location.origin).replace(/\/+$/, "");
    var strings = {};
    Object.keys(STRINGS).forEach(function (k) {
      var v = cfg.strings && cfg.strings[k];
      strings[k] = typeof v === "string" ? v : STRINGS[k];
    });
    cfg.strings = strings;
    return cfg;
  }
  function warn(msg) { if (w.console) w.console.warn("[CryoChat] " + msg); }

  var cfg = readConfig();
  var T = cfg.strings;
  function fmt(s, vars) {
    return s.replace(/\{(\w+)\}/g, function (_, k) { return vars[k] === undefined ? "" : String(vars[k]); });
  }

  // --------------------------------------------------------------- colours
  function parseHex(c) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(c || "").trim());
    if (!m) return null;
    var h = m[1].length === 3 ? m[1].replace(/(.)/g, "$1$1") : m[1];
    return [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); });
  }
  function luminance(rgb) {
    var v = rgb.map(function (x) {
      x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function applyColours(host) {
    var colours = cfg.colors || {};
    var primary = parseHex(colours.primary);
    if (!primary) return;
    var text = parseHex(colours.primaryText) || [255, 255, 255];
    // A host's brand colour must not make the widget unreadable: below AA
    // (4.5:1) the text colour becomes white or near-black, whichever reads.
    if (contrast(primary, text) < 4.5) {
      text = contrast(primary, [255, 255, 255]) >= contrast(primary, [17, 17, 17]) ? [255, 255, 255] : [17, 17, 17];
    }
    var hex = function (rgb) { return "#" + rgb.map(function (x) { return ("0" + x.toString(16)).slice(-2); }).join(""); };
    host.style.setProperty("--cw-primary", hex(primary));
    host.style.setProperty("--cw-primary-text", hex(text));
    // Focus rings and outlined buttons sit on white: they need 3:1 there.
    var onWhite = contrast(primary, [255, 255, 255]) >= 4.5;
    host.style.setProperty("--cw-focus", onWhite ? hex(primary) : "#1d2a33");
  }

  // --------------------------------------------------------------- storage
  function probe(kind) {
    try {
      var s = w[kind];
      s.setItem("__cw", "1");
      s.removeItem("__cw");
      return s;
    } catch (e) {
      return null;
    }
  }
  var local = probe("localStorage");
  var perTab = probe("sessionStorage");
  var KEY = cfg.storageKey + ":v1";
  var OPEN_KEY = cfg.storageKey + ":open";

  function emptyState() { return { sessionId: null, token: null, since: 0, messages: [], savedAt: 0 }; }
  function loadState() {
    var raw = null;
    try { raw = local && local.getItem(KEY); } catch (e) { raw = null; }
    if (!raw) return emptyState();
    try {
      var s = JSON.parse(raw);
      // On a shared computer an old conversation must not wait for the next
      // visitor: it is dropped after retainHours without activity.
      if (!s || !Array.isArray(s.messages) || Date.now() - (s.savedAt || 0) > cfg.retainHours * 3600e3) {
        local.removeItem(KEY);
        return emptyState();
      }
      return s;
    } catch (e) {
      return emptyState();
    }
  }
  function saveState() {
    if (!local) return;
    state.savedAt = Date.now();
    if (state.messages.length > MAX_STORED) state.messages = state.messages.slice(-MAX_STORED);
    try { local.setItem(KEY, JSON.stringify(state)); } catch (e) { /* quota: keep going in memory */ }
  }

  var state = loadState();
  var byId = {};
  state.messages.forEach(function (m) { byId[m.id] = m; });

  // -------------------------------------------------------------- DOM utils
  // Buttons are type="button" unless told; "click" takes a handler.
  function el(tag, attrs, children) {
    var node = d.createElement(tag);
    if (tag === "button") node.type = "button";
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = v;
        else if (k === "className") node.className = v;
        else if (k === "click") node.addEventListener("click", v);
        else node.setAttribute(k, v === true ? "" : v);
      });
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? d.createTextNode(c) : c); });
    return node;
  }
  var SVG_NS = "http://www.w3.org/2000/svg";
  function icon(paths) {
    var svg = d.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (p) {
      var path = d.createElementNS(SVG_NS, "path");
      path.setAttribute("d", p);
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", "currentColor");
      path.setAttribute("stroke-width", "2");
      path.setAttribute("stroke-linecap", "round");
      path.setAttribute("stroke-linejoin", "round");
      svg.appendChild(path);
    });
    return svg;
  }
  var ICON_CHAT = ["M21 12a8 8 0 0 1-11.6 7.1L4 20l1.1-4.6A8 8 0 1 1 21 12z", "M8.5 12h.01M12 12h.01M15.5 12h.01"];
  var ICON_CLOSE = ["M6 6l12 12", "M18 6L6 18"];
  var ICON_SEND = ["M4 12l16-8-6 16-2.5-6.5z", "M11.5 13.5L20 4"];
  var ICON_MENU = ["M4 7h16", "M4 12h16", "M4 17h16"];
  var ICON_DOWN = ["M12 5v14", "M6 13l6 6 6-6"];

  // ------------------------------------------------- safe rich text (no HTML)
  var INLINE = /\*\*([^*\n]+)\*\*|__([^_\n]+)__|\[([^\]\n]+)\]\(([^)\s]+)\)|((?:https?:\/\/|www\.)[^\s<>"']+)/g;
  function safeUrl(raw) {
    var u = /^www\./i.test(raw) ? "https://" + raw : raw;
    try {
      var parsed = new URL(u);
      return /^(https?:|mailto:|tel:)$/.test(parsed.protocol) ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }
  function appendLink(parent, label, href) {
    var url = safeUrl(href);
    if (!url) { parent.appendChild(d.createTextNode(label)); return; }
    var a = el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, [label]);
    a.appendChild(el("span", { className: "cw-sr", text: " " + T.newTab }));
    parent.appendChild(a);
  }
  function inline(parent, text) {
    var re = new RegExp(INLINE.source, "g");
    var last = 0;
    var m;
    while ((m = re.exec(text))) {
      if (m.index > last) parent.appendChild(d.createTextNode(text.slice(last, m.index)));
      if (m[1] || m[2]) {
        var strong = el("strong");
        inline(strong, m[1] || m[2]);
        parent.appendChild(strong);
      } else if (m[3]) {
        appendLink(parent, m[3], m[4]);
      } else {
        var url = m[5];
        var tail = /[.,;:!?)]+$/.exec(url);
        if (tail) url = url.slice(0, -tail[0].length);
        appendLink(parent, url, url);
        if (tail) parent.appendChild(d.createTextNode(tail[0]));
      }
      last = re.lastIndex;
    }
    if (last < text.length) parent.appendChild(d.createTextNode(text.slice(last)));
  }
  function renderRich(parent, text) {
    var list = null;
    var listType = null;
    var para = null;
    String(text).replace(/\r\n?/g, "\n").split("\n").forEach(function (line) {
      var bullet = /^\s*[-*•]\s+(.*)$/.exec(line);
      var number = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
      if (bullet || number) {
        var type = bullet ? "ul" : "ol";
        if (!list || listType !== type) {
          list = el(type);
          if (number && number[1] !== "1") list.setAttribute("start", number[1]);
          parent.appendChild(list);
          listType = type;
        }
        var item = el("li");
        inline(item, bullet ? bullet[1] : number[2]);
        list.appendChild(item);
        para = null;
        return;
      }
      list = null;
      if (!line.trim()) { para = null; return; }
      if (para) para.appendChild(el("br"));
      else { para = el("p"); parent.appendChild(para); }
      inline(para, line);
    });
  }
  function plain(text) { return String(text || "").replace(/\*\*|__/g, ""); }

  // ------------------------------------------------------------------ time
  var timeFmt, dateFmt;
  try {
    timeFmt = new Intl.DateTimeFormat(cfg.lang, { hour: "2-digit", minute: "2-digit" });
    dateFmt = new Intl.DateTimeFormat(cfg.lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  } catch (e) {
    timeFmt = dateFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  }
  function timeEl(ts) {
    var date = new Date((ts || Date.now() / 1000) * 1000);
    var today = new Date().toDateString() === date.toDateString();
    return el("time", { datetime: date.toISOString(), text: (today ? timeFmt : dateFmt).format(date) });
  }

  // ------------------------------------------------------------------- UI
  var host, root, launcher, badge, panel, statusBox, body, log, quick, typing, input, announcer;
  var menuBtn, menu, menuItems, confirmBox, pill;
  var isOpen = false;
  var outage = false;
  var unread = 0;
  var firstUnread = null;
  var rows = {};
  // Phones and tablets: opening the chat must not raise the on-screen
  // keyboard over the greeting; the patient taps the text box when ready.
  var touch = !!(w.matchMedia && w.matchMedia("(pointer: coarse)").matches);

  function build() {
    host = el("div", { id: "cryo-chat-widget", "data-version": VERSION });
    host.setAttribute("lang", cfg.lang);
    applyColours(host);
    root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var css = el("link", { rel: "stylesheet", href: assetBase + "widget.css" });
    root.appendChild(css);

    badge = el("span", { className: "cw-badge", hidden: true });
    launcher = el("button", {
      className: "cw-launcher", click: function () { open(true); }, "aria-expanded": "false",
      "aria-controls": "cw-panel", hidden: true,
    }, [icon(ICON_CHAT), el("span", { className: "cw-launcher-label", text: T.launcher }), badge]);
    launcher.addEventListener("pointerenter", preload);
    launcher.addEventListener("focus", preload);
    // Show the launcher once the styles are in, so it never flashes unstyled.
    css.addEventListener("load", function () { launcher.hidden = isOpen; });
    css.addEventListener("error", function () { launcher.hidden = isOpen; });

    var closeBtn = el("button", { className: "cw-icon-button", "aria-label": T.close, click: function () { close(true); } }, [icon(ICON_CLOSE)]);
    menuBtn = el("button", {
      className: "cw-icon-button", "aria-label": T.menu, "aria-expanded": "false", "aria-controls": "cw-menu",
      click: function () { menu.hidden ? showMenu() : hideMenu(true); },
    }, [icon(ICON_MENU)]);

    // The menu: a coordinator, and clearing the conversation (confirmed).
    var yes = el("button", { className: "cw-danger", text: T.clearYes, click: function () { hideMenu(); clearConversation(); } });
    var no = el("button", { text: T.clearNo, click: function () { hideMenu(true); } });
    menuItems = el("div", { className: "cw-menu-items" }, [
      el("button", { text: T.coordinator, click: function () { hideMenu(); send("/request_human", T.coordinator); focusHome(); } }),
      el("button", { text: T.clear, click: function () { menuItems.hidden = true; confirmBox.hidden = false; yes.focus(); } }),
    ]);
    confirmBox = el("div", { className: "cw-confirm", role: "group", "aria-labelledby": "cw-confirm-text", hidden: true }, [
      el("p", { id: "cw-confirm-text", text: T.clearConfirm }), yes, no,
    ]);
    menu = el("div", { className: "cw-menu", id: "cw-menu", hidden: true }, [menuItems, confirmBox]);
    menu.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.stopPropagation(); hideMenu(true); }
    });

    var header = el("div", { className: "cw-header" }, [
      el("div", { className: "cw-heading" }, [
        el("h2", { className: "cw-title", id: "cw-title", text: cfg.title }),
        el("p", { className: "cw-subtitle", text: cfg.subtitle }),
      ]),
      menuBtn, closeBtn, menu,
    ]);
    statusBox = el("div", { className: "cw-status", role: "status", hidden: true });
    log = el("ol", { className: "cw-log", "aria-label": T.conversation });
    quick = el("div", { className: "cw-quick", role: "group", "aria-label": T.suggestions, hidden: true });
    typing = el("div", { className: "cw-typing", hidden: true }, [
      el("span", { "aria-hidden": "true" }), el("span", { "aria-hidden": "true" }), el("span", { "aria-hidden": "true" }),
      el("span", { className: "cw-sr", text: T.typing }),
    ]);
    // The disclaimer is said once, at the top of the conversation, instead of
    // taking room under the text box on every screen.
    body = el("div", { className: "cw-body", tabindex: "0", role: "region", "aria-label": T.conversation }, [
      el("p", { className: "cw-disclaimer", text: T.disclaimer }), log, quick, typing,
    ]);
    body.addEventListener("scroll", onScroll);
    pill = el("button", { className: "cw-pill", hidden: true, click: nextBelow }, [T.newMessages, icon(ICON_DOWN)]);

    input = el("textarea", {
      id: "cw-input", className: "cw-input", rows: "1", maxlength: String(cfg.maxLength),
      placeholder: T.placeholder, autocomplete: "off",
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
    });
    input.addEventListener("input", grow);
    var form = el("form", { className: "cw-form" }, [
      el("label", { className: "cw-sr", for: "cw-input", text: T.inputLabel }),
      input,
      el("button", { type: "submit", className: "cw-send" }, [icon(ICON_SEND), el("span", { className: "cw-sr", text: T.send })]),
    ]);
    form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });

    panel = el("div", {
      className: "cw-panel", id: "cw-panel", role: "dialog", "aria-labelledby": "cw-title", tabindex: "-1", hidden: true,
    }, [header, statusBox, el("div", { className: "cw-main" }, [body, pill]), el("div", { className: "cw-footer" }, [form])]);
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.stopPropagation(); close(true); return; }
      if (e.key === "Tab" && panel.getAttribute("aria-modal") === "true") trapTab(e);
    });
    panel.addEventListener("pointerdown", function (e) {
      if (!menu.hidden && !menu.contains(e.target) && !menuBtn.contains(e.target)) hideMenu();
    });
    announcer = el("div", { className: "cw-sr", "aria-live": "polite" });
    root.appendChild(launcher);
    root.appendChild(panel);
    root.appendChild(announcer);
    d.body.appendChild(host);

    state.messages.forEach(function (m) { renderMessage(m); });
    refreshQuick();
    // The layout follows the visual viewport: when the on-screen keyboard
    // opens, the panel shrinks to what is still visible above it.
    var vv = w.visualViewport;
    if (vv) { vv.addEventListener("resize", fitViewport); vv.addEventListener("scroll", fitViewport); fitViewport(); }
    // When the keyboard opens (or closes) the lines just above the text box
    // stay just above it, as in any messaging app.
    if (w.ResizeObserver) new w.ResizeObserver(function () {
      if (isOpen && seen) setTop(seen[0] + seen[2] - body.clientHeight);
    }).observe(body);
  }

  function fitViewport() {
    var vv = w.visualViewport;
    // Pinch-zoomed: leave the layout alone, the reader is looking closer.
    var on = vv && Math.abs(vv.scale - 1) < 0.01;
    ["--cw-vvh", "--cw-vvt", "--cw-vvb"].forEach(function (k, i) {
      if (!on) host.style.removeProperty(k);
      else host.style.setProperty(k, Math.max(0, [vv.height, vv.offsetTop, w.innerHeight - vv.height - vv.offsetTop][i]) + "px");
    });
  }

  function showMenu() {
    menuItems.hidden = false;
    confirmBox.hidden = true;
    menu.hidden = false;
    menuBtn.setAttribute("aria-expanded", "true");
    menuItems.firstChild.focus();
  }
  function hideMenu(refocus) {
    menu.hidden = true;
    menuBtn.setAttribute("aria-expanded", "false");
    if (refocus) menuBtn.focus();
  }

  // Full screen (phones): Tab cycles inside the chat, as in any dialog.
  function trapTab(e) {
    var items = Array.prototype.filter.call(
      panel.querySelectorAll("button, textarea, a[href], [tabindex='0']"),
      function (n) { return !n.disabled && n.getClientRects().length > 0; }
    );
    if (!items.length) return;
    var active = root.activeElement || d.activeElement;
    if (e.shiftKey && (active === items[0] || active === panel)) { e.preventDefault(); items[items.length - 1].focus(); }
    else if (!e.shiftKey && active === items[items.length - 1]) { e.preventDefault(); items[0].focus(); }
  }

  // Where the focus goes after an action: the text box with a keyboard, the
  // dialog itself on a touch screen (so no on-screen keyboard pops up).
  function focusHome() {
    if (!isOpen) return;
    if (touch) panel.focus({ preventScroll: true });
    else input.focus();
  }

  function grow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, input.clientHeight * 4 || 160) + "px";
  }

  // ------------------------------------------------------------- scrolling
  // A reply of several messages opens at its start: the view moves so the
  // first new message's top is visible, and no further while the rest of
  // the reply arrives. Once the reader scrolls up, new messages never move
  // the view; a "New messages" button says there is more below.
  var follow = true;  // the view goes where new messages are
  var batch = null;   // {li, at}: the first message of the reply coming in
  var fresh = false;  // messages arrived that the reader has not scrolled to
  var seen = "";      // position and size when the widget last looked

  function maxTop() { return body.scrollHeight - body.clientHeight; }
  function atBottom() { return maxTop() - body.scrollTop < 16; }
  function geometry() { return [body.scrollTop, body.scrollHeight, body.clientHeight]; }
  function mark() { seen = geometry(); showPill(); }
  function setTop(v) { body.scrollTop = v; mark(); }
  function place() {
    var li = batch && batch.li;
    setTop(li ? Math.min(maxTop(), li === log.firstChild ? 0 : li.offsetTop - 8) : maxTop());
  }
  // After any change of the conversation or of its size.
  function settle() {
    if (!isOpen) return;
    if (follow) place();
    else mark();
  }
  function showPill() {
    if (atBottom()) fresh = false;
    pill.hidden = !fresh;
  }
  function onScroll() {
    var now = geometry();
    // Only a move with the same content and size is the reader's; a move the
    // layout made (content removed, a resize) is not.
    if (now[1] === seen[1] && now[2] === seen[2] && Math.abs(now[0] - seen[0]) > 2) {
      follow = atBottom();
      if (follow) batch = null;
    }
    mark();
  }
  function nextBelow() {
    var edge = body.scrollTop + body.clientHeight - 24;
    var next = Array.prototype.filter.call(log.children, function (li) { return li.offsetTop > edge; })[0];
    setTop(next ? Math.min(maxTop(), next.offsetTop - 8) : maxTop());
    if (atBottom()) { follow = true; batch = null; }
    // The button hides at the bottom: the focus stays in the conversation.
    if (pill.hidden) body.focus({ preventScroll: true });
  }
  // A message was added to the log (live or replayed).
  function arrived(li, incoming) {
    if (!incoming) { batch = null; follow = true; settle(); return; }
    if (!isOpen) { if (!firstUnread) firstUnread = li; return; }
    var now = Date.now();
    if (!batch || (!inflight && now - batch.at > BATCH_GAP_MS)) batch = { li: li };
    batch.at = now;
    fresh = true;
    settle();
  }

  function messageRow(m) {
    if (m.role === "notice" || m.role === "local") {
      var text = m.role === "local" ? m.text : noticeText(m);
      return el("li", { className: "cw-notice", "data-id": m.id }, [text, " ", timeEl(m.ts)]);
    }
    var li = el("li", { className: "cw-msg cw-msg--" + m.role, "data-id": m.id });
    var bubble = el("div", { className: "cw-bubble" });
    var said = m.role === "user" ? T.saidYou : m.role === "coordinator" ? fmt(T.saidCoordinator, { name: m.name || T.coordinatorRole }) : T.saidAssistant;
    bubble.appendChild(el("span", { className: "cw-sr", text: said + " " }));
    if (m.role === "user") bubble.appendChild(d.createTextNode(m.text));
    else renderRich(bubble, m.text || "");
    var who2 = m.role === "user" ? T.you : m.role === "coordinator" ? (m.name ? m.name + " · " : "") + T.coordinatorRole : T.assistant;
    var meta = el("div", { className: "cw-meta" }, [el("span", { className: "cw-who", "aria-hidden": "true", text: who2 }), timeEl(m.ts)]);
    li.appendChild(bubble);
    li.appendChild(meta);
    if (m.role === "user") updateStatus(li, m);
    return li;
  }

  function updateStatus(li, m) {
    var meta = li.querySelector(".cw-meta");
    var old = meta.querySelectorAll(".cw-state, .cw-link-button");
    Array.prototype.forEach.call(old, function (n) { n.remove(); });
    if (m.status === "pending" && outage) {
      meta.appendChild(el("span", { className: "cw-state", text: "· " + T.pending }));
    } else if (m.status === "failed") {
      meta.appendChild(el("span", { className: "cw-state cw-state--failed", text: "· " + T.failed }));
      meta.appendChild(el("button", { className: "cw-link-button", text: T.resend, click: function () {
        m.status = "pending";
        m.attempts = 0;
        saveState();
        updateStatus(li, m);
        flush();
        focusHome();
      } }));
    }
  }
  function refreshStatuses() {
    state.messages.forEach(function (m) { if (m.role === "user" && rows[m.id]) updateStatus(rows[m.id], m); });
  }

  function renderMessage(m) {
    var li = messageRow(m);
    rows[m.id] = li;
    log.appendChild(li);
    return li;
  }

  function refreshQuick() {
    var active = root.activeElement || d.activeElement;
    var hadFocus = active && quick.contains(active);
    while (quick.firstChild) quick.removeChild(quick.firstChild);
    var last = state.messages[state.messages.length - 1];
    var replies = last && (last.role === "bot" || last.role === "coordinator") ? last.quick || [] : [];
    replies.forEach(function (r) {
      quick.appendChild(el("button", { text: r.title, click: function () { send(r.payload, r.title); focusHome(); } }));
    });
    quick.hidden = replies.length === 0;
    if (hadFocus && quick.hidden) focusHome();
  }

  function noticeText(m) {
    return fmt(m.kind === "coordinator_joined" ? T.joined : T.left, { name: m.name || T.aCoordinator });
  }

  // Each message is added to the live region as its own node, so every
  // message of a reply is read, in order, and a repeated one is read again
  // (replacing the region's text would drop all but the last).
  function speak(text) {
    announcer.appendChild(el("p", { text: text }));
    while (announcer.childNodes.length > 5) announcer.removeChild(announcer.firstChild);
  }
  function announce(m) {
    if (!isOpen) return;
    speak(m.role === "notice"
      ? noticeText(m)
      : (m.role === "coordinator" ? fmt(T.saidCoordinator, { name: m.name || T.coordinatorRole }) : T.saidAssistant) + " " + plain(m.text));
  }

  function addMessage(m, live) {
    if (byId[m.id]) return false;
    byId[m.id] = m;
    state.messages.push(m);
    var li = renderMessage(m);
    refreshQuick();
    var incoming = m.role !== "user";
    if (live && incoming) {
      announce(m);
      if (!isOpen) {
        unread += 1;
        badge.textContent = fmt(T.unread, { n: unread });
        badge.hidden = false;
      }
    }
    arrived(li, incoming);
    return true;
  }

  function count(n) { return n === 1 ? T.one : fmt(T.many, { n: n }); }
  function waiting() {
    return state.messages.filter(function (m) { return m.role === "user" && m.status === "pending"; }).length;
  }

  // The connection's state, in one calm line above the conversation.
  function renderStatus() {
    var n = waiting();
    var kind = null;
    if (connectedAndReady()) {
      if (outage && n) kind = "sending";
    } else if (downAt) {
      var down = Date.now() - downAt;
      if (down >= GIVE_UP_MS || (failed && !everReady)) kind = "offline";
      else if (everReady) kind = "reconnecting";
      else if (down >= NOTICE_DELAY_MS) kind = "connecting";
      // Look again when the next stage is due.
      w.clearTimeout(statusTimer);
      if (kind !== "offline") statusTimer = w.setTimeout(renderStatus, (kind ? GIVE_UP_MS : NOTICE_DELAY_MS) - down + 50);
    }
    var was = outage;
    outage = !!kind;
    if (was !== outage) refreshStatuses();
    var text = kind === "sending" ? fmt(T.sending, { n: count(n) })
      : kind ? T[kind] + (n ? " " + fmt(T.waiting, { n: count(n) }) : "") : "";
    if (!kind) { statusBox.hidden = true; statusBox.textContent = ""; return; }
    if (statusBox.getAttribute("data-text") === text && !statusBox.hidden) return;
    statusBox.setAttribute("data-text", text);
    statusBox.textContent = "";
    statusBox.className = "cw-status" + (kind === "offline" ? "" : " cw-status--info");
    statusBox.appendChild(el("span", { text: text }));
    if (kind === "offline") {
      statusBox.appendChild(el("button", { text: T.retry, click: retryNow }));
    }
    statusBox.hidden = false;
  }

  function setTyping(on) {
    typing.hidden = !on;
    settle();
  }

  function open(byUser) {
    isOpen = true;
    // Full screen on a phone: the page behind is out of reach, say so.
    var full = w.matchMedia && w.matchMedia("(max-width: 32em)").matches;
    panel.setAttribute("aria-modal", full ? "true" : "false");
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    // Open at the start of what is new: the first unread message, else the
    // first answer after the patient's last message (or the greeting).
    var li = firstUnread;
    if (!li) {
      for (var i = state.messages.length - 1; i >= 0 && state.messages[i].role !== "user"; i--) li = rows[state.messages[i].id];
    }
    batch = li ? { li: li, at: 0 } : null;
    follow = true;
    fresh = false;
    firstUnread = null;
    unread = 0;
    badge.hidden = true;
    if (perTab) perTab.setItem(OPEN_KEY, "1");
    connect();
    settle();
    if (byUser) focusHome();
  }
  function close(returnFocus) {
    isOpen = false;
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    hideMenu();
    if (perTab) perTab.setItem(OPEN_KEY, "0");
    if (returnFocus) launcher.focus();
  }

  // ------------------------------------------------------------ transport
  var socket = null;
  var sessionReady = false;
  var inflight = null;
  var downAt = 0;  // since when there has been no usable connection
  var everReady = false;
  var failed = false;  // a connection attempt failed during this outage
  var statusTimer = null;
  var ioPromise = null;

  function loadIo() {
    if (w.io) return Promise.resolve(w.io);
    if (ioPromise) return ioPromise;
    ioPromise = new Promise(function (resolve, reject) {
      var s = d.createElement("script");
      s.src = assetBase + "vendor/socket.io.min.js";
      s.async = true;
      s.onload = function () { w.io ? resolve(w.io) : reject(new Error("no io")); };
      s.onerror = function () { ioPromise = null; reject(new Error("socket.io client did not load")); };
      d.head.appendChild(s);
    });
    return ioPromise;
  }
  function preload() { loadIo().catch(function () {}); }

  function connectedAndReady() { return !!(socket && socket.connected && sessionReady); }

  // The connection is gone (or the browser says it is offline): stop the
  // typing dots and say so at once.
  function lost() {
    if (!downAt) downAt = Date.now();
    sessionReady = false;
    inflight = null;
    setTyping(false);
    renderStatus();
  }

  function connect() {
    if (socket) return;
    socket = {};  // placeholder: connect() runs once
    downAt = Date.now();
    renderStatus();
    loadIo().then(function (io) {
      // Heartbeat: the server pings every few seconds (bot/channels/widget.py,
      // PING_INTERVAL_S + PING_TIMEOUT_S) and socket.io-client drops a
      // connection that has stopped hearing them, so a dead network is
      // noticed within seconds, not after the default 45 s.
      socket = io(cfg.serverUrl, {
        path: cfg.socketPath,
        transports: cfg.transports,
        tryAllTransports: true,
        reconnectionDelay: 1000,
        reconnectionDelayMax: 5000,
        timeout: 8000,
      });
      socket.on("connect", requestSession);
      socket.on("disconnect", function (reason) {
        lost();
        // The server closed the socket on purpose (e.g. a restart): socket.io
        // does not reconnect by itself in that case.
        if (reason === "io server disconnect") socket.connect();
      });
      socket.on("connect_error", function () { failed = true; lost(); });
      socket.on("session_confirm", onSessionConfirm);
      socket.on("bot_uttered", function (p) { onBot(p, true); });
      socket.on("user_echo", onEcho);
      socket.on("replay", onReplay);
    }, function () {
      socket = null;
      failed = true;
      lost();
    });
  }

  // A new attempt now, rather than at the end of the back-off.
  function retryNow() {
    if (!socket || !socket.io) { socket = null; connect(); return; }
    if (connectedAndReady()) return;
    socket.disconnect();
    socket.connect();
  }
  w.addEventListener("offline", function () {
    // The socket is dead even if it has not noticed yet.
    if (socket && socket.io && socket.io.engine) socket.io.engine.close();
    if (socket) lost();
  });
  w.addEventListener("online", function () { if (socket) retryNow(); });

  function requestSession() {
    socket.emit("session_request", {
      session_id: state.sessionId,
      token: state.token,
      since: state.since || 0,
      has_history: state.messages.length > 0,
    });
  }

  function onSessionConfirm(data) {
    if (!data || typeof data !== "object" || typeof data.session_id !== "string") return;
    if (data.new && state.sessionId && state.sessionId !== data.session_id && state.messages.length) {
      // The server no longer knows the old conversation (token expired):
      // keep only what was never sent, and say so.
      var pending = state.messages.filter(function (m) { return m.role === "user" && m.status === "pending"; });
      resetTranscript();
      addMessage({ id: "n" + randomId(), role: "local", ts: Date.now() / 1000, text: T.expired });
      pending.forEach(function (m) { addMessage(m); });
    }
    state.sessionId = data.session_id;
    state.token = typeof data.token === "string" ? data.token : null;
    saveState();
    sessionReady = true;
    everReady = true;
    failed = false;
    downAt = 0;
    w.clearTimeout(statusTimer);
    renderStatus();
    flush();
  }

  function str(v, max) { return typeof v === "string" ? v.slice(0, max || 4000) : ""; }
  function num(v) { return typeof v === "number" && isFinite(v) ? v : Date.now() / 1000; }

  function onBot(p, live) {
    if (!p || typeof p !== "object" || typeof p.id !== "string" || byId[p.id]) return;
    var m = { id: p.id, ts: num(p.ts), role: "bot" };
    var custom = p.custom && typeof p.custom === "object" ? p.custom : null;
    if (custom && NOTICE_TYPES[custom.type]) {
      m.role = "notice";
      m.kind = custom.type;
      m.name = str(custom.name, 80);
    } else {
      m.text = str(p.text);
      if (p.metadata && p.metadata.from === "coordinator") {
        m.role = "coordinator";
        m.name = str(p.metadata.name, 80);
      }
      if (Array.isArray(p.quick_replies)) {
        m.quick = p.quick_replies.filter(function (q) {
          return q && typeof q.payload === "string" && q.payload;
        }).slice(0, 12).map(function (q) { return { title: str(q.title, 200) || q.payload, payload: q.payload }; });
      }
      if (!m.text && !(m.quick && m.quick.length)) return;
    }
    state.since = Math.max(state.since || 0, m.ts);
    addMessage(m, live);
    saveState();
  }

  function onEcho(p) {
    if (!p || typeof p !== "object" || typeof p.id !== "string") return;
    state.since = Math.max(state.since || 0, num(p.ts));
    if (byId[p.id]) return;
    addMessage({ id: p.id, role: "user", ts: num(p.ts), text: str(p.text), status: "sent" });
    saveState();
  }

  function onReplay(data) {
    var items = data && Array.isArray(data.messages) ? data.messages : [];
    items.forEach(function (item) {
      if (item && item.type === "user") onEcho(item);
      else onBot(item, true);
    });
  }

  function randomId() {
    var bytes = new Uint8Array(12);
    (w.crypto || w.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function firstPending() {
    for (var i = 0; i < state.messages.length; i++) {
      var m = state.messages[i];
      if (m.role === "user" && m.status === "pending") return m;
    }
    return null;
  }

  function markStatus(m, status) {
    m.status = status;
    if (rows[m.id]) updateStatus(rows[m.id], m);
    saveState();
    renderStatus();
  }

  // One message at a time, in order; each is acknowledged after the bot has
  // answered it. A message whose ack never came is sent again with
  // resend: true, and the server drops it if it already has it.
  function flush() {
    if (!connectedAndReady() || inflight) return;
    var m = firstPending();
    if (!m) { setTyping(false); return; }
    m.attempts = (m.attempts || 0) + 1;
    var ticket = { id: m.id };
    inflight = ticket;
    setTyping(true);
    socket.timeout(ACK_TIMEOUT_MS).emit(
      "user_uttered",
      { id: m.id, message: m.payload || m.text, display: m.text, session_id: state.sessionId, resend: m.attempts > 1 },
      function (err, ack) {
        if (inflight !== ticket) return;  // the connection dropped meanwhile
        inflight = null;
        if (err) { flush(); return; }
        if (ack && ack.ok) {
          markStatus(m, "sent");
        } else if (ack && (ack.error === "no_session" || ack.error === "session_mismatch")) {
          sessionReady = false;
          requestSession();
          return;
        } else {
          markStatus(m, "failed");
        }
        flush();
      }
    );
  }

  function send(text, display) {
    var payload = String(text || "").trim();
    if (!payload) return;
    var m = {
      id: "u" + randomId(), role: "user", ts: Date.now() / 1000,
      text: String(display || payload).slice(0, cfg.maxLength), payload: payload.slice(0, cfg.maxLength),
      status: "pending",
    };
    addMessage(m);
    saveState();
    connect();
    flush();
    renderStatus();
  }

  function submit() {
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = "";
    grow();
    send(text);
    input.focus();
  }

  function resetTranscript() {
    state.messages = [];
    state.since = 0;
    byId = {};
    rows = {};
    batch = firstUnread = null;
    fresh = false;
    announcer.textContent = "";
    while (log.firstChild) log.removeChild(log.firstChild);
    refreshQuick();
  }

  function clearConversation() {
    resetTranscript();
    state = emptyState();
    if (local) { try { local.removeItem(KEY); } catch (e) { /* ignore */ } }
    inflight = null;
    setTyping(false);
    speak(T.cleared);
    renderStatus();
    focusHome();
    // A new conversation, with a new greeting.
    if (connectedAndReady()) { sessionReady = false; requestSession(); }
  }

  // Another tab cleared the conversation or started a new one: follow it.
  w.addEventListener("storage", function (e) {
    if (e.key !== KEY && e.key !== null) return;
    var next = loadState();
    if (next.sessionId === state.sessionId) return;
    resetTranscript();
    state = next;
    state.messages.slice().forEach(function (m) { byId[m.id] = m; renderMessage(m); });
    refreshQuick();
    follow = true;
    settle();
    if (!socket || !socket.connected) return;
    sessionReady = false;
    if (state.sessionId) { requestSession(); return; }
    // Cleared in the other tab, which is about to store its new session:
    // adopt that one rather than start a third.
    w.setTimeout(function () {
      if (!state.sessionId && socket.connected) requestSession();
    }, 1500);
  });

  // ------------------------------------------------------------------ start
  function start() {
    build();
    var wantOpen = perTab && perTab.getItem(OPEN_KEY);
    if (wantOpen === "1" || (wantOpen === null && cfg.open)) open(false);
    else if (state.token) connect();  // an ongoing conversation: receive replies
    d.addEventListener("click", function (e) {
      var t = e.target && e.target.closest && e.target.closest("[data-cryo-chat-open]");
      if (t) { e.preventDefault(); open(true); }
    });
  }

  w.CryoChat = {
    version: VERSION,
    open: function () { open(true); },
    close: function () { close(false); },
    clear: function () { clearConversation(); },
  };
  if (d.body) start();
  else d.addEventListener("DOMContentLoaded", start);
})();
