// The simulated WhatsApp phone (development only). Everything is built as DOM
// nodes from text: nothing received is ever inserted as HTML.
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var provider = document.getElementById("provider");
  var numberInput = document.getElementById("number");
  var statusLine = document.getElementById("status");
  var sheet = document.getElementById("sheet");
  var since = 0;
  var key = "";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // WhatsApp's marks: *bold* and _italic_, as elements around text nodes.
  function formatted(text) {
    var out = document.createDocumentFragment();
    var pattern = /(\*[^*\n]+\*|_[^_\n]+_)/g;
    var last = 0, match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) out.appendChild(document.createTextNode(text.slice(last, match.index)));
      var inner = match[0].slice(1, -1);
      out.appendChild(el(match[0][0] === "*" ? "strong" : "em", "", inner));
      last = match.index + match[0].length;
    }
    if (last < text.length) out.appendChild(document.createTextNode(text.slice(last)));
    return out;
  }

  function send(payload) {
    payload.provider = provider.value;
    payload.number = numberInput.value;
    statusLine.textContent = "Sending…";
    return fetch("/dev/whatsapp/api/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    }).then(function (r) { return r.json().catch(function () { return {}; }); })
      .then(function (data) {
        statusLine.textContent = data.webhook_status === 200
          ? "Delivered to the channel (HTTP 200)"
          : "The channel answered " + (data.webhook_status || "with an error");
      })
      .catch(function () { statusLine.textContent = "Could not reach the console"; });
  }

  function choiceButton(label, onClick) {
    var b = el("button", "", label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function openList(interactive) {
    var rows = document.getElementById("sheet-rows");
    rows.textContent = "";
    document.getElementById("sheet-title").textContent = interactive.action.button || "Options";
    interactive.action.sections.forEach(function (section) {
      section.rows.forEach(function (row) {
        var li = el("li");
        var b = choiceButton(row.title, function () {
          sheet.hidden = true;
          send({ kind: "list", id: row.id, title: row.title });
        });
        if (row.description) b.appendChild(el("span", "row-desc", row.description));
        li.appendChild(b);
        rows.appendChild(li);
      });
    });
    sheet.hidden = false;
    var first = rows.querySelector("button");
    if (first) first.focus();
  }

  function bubble(item) {
    var body = item.body || {};
    var li = el("li", "bubble " + item.side);
    var type = body.type;
    if (type === "text") {
      li.appendChild(formatted(body.text.body));
    } else if (type === "interactive") {
      var interactive = body.interactive;
      li.appendChild(formatted(interactive.body.text));
      var choices = el("div", "choices");
      if (interactive.type === "button") {
        interactive.action.buttons.forEach(function (b) {
          choices.appendChild(choiceButton(b.reply.title, function () {
            send({ kind: "button", id: b.reply.id, title: b.reply.title });
          }));
        });
      } else {
        var open = choiceButton("☰ " + interactive.action.button, function () { openList(interactive); });
        open.className = "list-open";
        choices.appendChild(open);
      }
      li.appendChild(choices);
    } else if (type === "template") {
      li.classList.add("template");
      li.appendChild(el("span", "tag", "Template: " + body.template.name));
      var params = ((body.template.components || [])[0] || {}).parameters || [];
      li.appendChild(document.createTextNode("A coordinator has replied" +
        (params.length ? " (" + params.map(function (p) { return p.text; }).join(", ") + ")" : "") +
        ". Reply to this message to read it."));
    } else if (body.ContentSid) {
      li.classList.add("template");
      li.appendChild(el("span", "tag", "Template: " + body.ContentSid));
      li.appendChild(document.createTextNode("A coordinator has replied. " + (body.ContentVariables || "")));
    } else if (body.Body !== undefined) {
      li.appendChild(formatted(body.Body));
    } else if (type === "image" || type === "document") {
      li.appendChild(el("span", "tag", type === "image" ? "📷 Photo" : "📄 Document"));
      li.appendChild(document.createTextNode(body.filename || (body.image && body.image.link) || ""));
    } else {
      li.appendChild(el("span", "tag", "[" + (type || "message") + "]"));
    }
    var meta = el("div", "meta-line", new Date(item.at * 1000).toLocaleTimeString());
    if (item.side === "patient") {
      var ticks = el("span", "ticks" + (item.read ? " read" : ""), " ✓✓");
      ticks.setAttribute("aria-label", item.read ? "read" : "delivered");
      meta.appendChild(ticks);
    }
    li.appendChild(meta);
    li.dataset.seq = item.seq;
    return li;
  }

  function poll() {
    var current = provider.value + ":" + numberInput.value;
    if (current !== key) { key = current; since = 0; chat.textContent = ""; }
    var url = "/dev/whatsapp/api/messages?provider=" + encodeURIComponent(provider.value) +
      "&number=" + encodeURIComponent(numberInput.value) + "&since=" + since;
    fetch(url).then(function (r) { return r.ok ? r.json() : { items: [] }; }).then(function (data) {
      if (key !== provider.value + ":" + numberInput.value) return;
      data.items.forEach(function (item) {
        since = Math.max(since, item.seq);
        chat.appendChild(bubble(item));
      });
      if (data.items.length) chat.scrollTop = chat.scrollHeight;
      // Ticks turn blue when the channel marks the message read.
      fetch(url.replace(/since=\d+/, "since=0")).then(function (r) { return r.json(); }).then(function (all) {
        all.items.forEach(function (item) {
          if (item.side !== "patient" || !item.read) return;
          var node = chat.querySelector('[data-seq="' + item.seq + '"] .ticks');
          if (node && !node.classList.contains("read")) {
            node.classList.add("read");
            node.setAttribute("aria-label", "read");
          }
        });
      }).catch(function () {});
    }).catch(function () {}).then(function () { setTimeout(poll, 700); });
  }

  function newNumber() {
    return fetch("/dev/whatsapp/api/number").then(function (r) { return r.json(); }).then(function (d) {
      numberInput.value = d.number;
      try { localStorage.setItem("devphone-number", d.number); } catch (e) { /* private mode */ }
    });
  }

  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("text");
    var text = input.value;
    input.value = "";
    send({ kind: "text", text: text });
  });
  document.getElementById("file").addEventListener("change", function (event) {
    var file = event.target.files[0];
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () {
      var data = String(reader.result).split(",", 2)[1] || "";
      send({ kind: "file", data: data, mime: file.type || "application/octet-stream", name: file.name });
    };
    reader.readAsDataURL(file);
    event.target.value = "";
  });
  document.getElementById("new-number").addEventListener("click", function () { newNumber(); });
  document.getElementById("sheet-close").addEventListener("click", function () { sheet.hidden = true; });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") sheet.hidden = true; });

  var saved = null;
  try { saved = localStorage.getItem("devphone-number"); } catch (e) { /* private mode */ }
  (saved ? Promise.resolve(numberInput.value = saved) : newNumber()).then(poll);
})();
