/* kmbridge web chat page. Strict CSP: no inline script, no eval, no HTML built
 * from strings. The only HTML inserted as such is the "html" field webfmt made
 * on the server (every KM string escaped there); everything else is textContent
 * and DOM nodes. */
(function () {
  "use strict";

  var body = document.body;
  var S = {};
  try { S = JSON.parse(body.getAttribute("data-strings") || "{}"); } catch (e) { S = {}; }
  var maxBytes = parseInt(body.getAttribute("data-max-bytes"), 10) || 4096;
  var embedded = body.classList.contains("embedded");

  var logEl = document.getElementById("kmb-log");
  var form = document.getElementById("kmb-form");
  var input = document.getElementById("kmb-input");
  var sendBtn = document.getElementById("kmb-send");
  var hintsEl = document.getElementById("kmb-hints");
  var typingEl = document.getElementById("kmb-typing");
  var statusEl = document.getElementById("kmb-status");
  var noticeEl = document.getElementById("kmb-notice");
  var closeBtn = document.getElementById("kmb-close");
  document.getElementById("kmb-typing-label").textContent = S.typing || "";

  var ws = null;
  var backoff = 500;
  var typingTimer = 0;
  var noticeTimer = 0;
  var encoder = new TextEncoder();
  // pending are the messages and clicks sent and not yet acknowledged, by
  // their id, oldest first. The server acknowledges each (ack, or an error):
  // one it could not take for now (retry) is sent again, with the same id, so
  // it is handled once however often it goes; one it refused (too fast, too
  // long, bad) is dropped and its text goes back into the composer instead of
  // vanishing with the cleared input. After a reconnect every pending one is
  // sent again.
  var pending = [];
  var maxTries = 5;
  var retryTimer = 0;

  /* ---------- small DOM helpers ---------- */

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined && text !== null && text !== "") { n.textContent = String(text); }
    return n;
  }

  // safeURL keeps only web, mail and phone links (webfmt already filters; this
  // is a second lock).
  function safeURL(u) {
    if (typeof u !== "string" || u === "") { return ""; }
    try {
      var p = new URL(u, location.href);
      if (["http:", "https:", "mailto:", "tel:"].indexOf(p.protocol) < 0) { return ""; }
      return p.href;
    } catch (e) { return ""; }
  }

  function safeImage(u) {
    var s = safeURL(u);
    if (s) { return /^https?:/.test(s) ? s : ""; }
    return typeof u === "string" && /^data:image\/(png|gif|jpe?g|webp);base64,/i.test(u) ? u : "";
  }

  function link(href, cls, text) {
    var a = el("a", cls, text);
    var u = safeURL(href);
    if (u) {
      a.href = u;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    return a;
  }

  function setStatus(text) {
    statusEl.textContent = text || "";
    statusEl.hidden = !text;
  }

  function notice(text) {
    clearTimeout(noticeTimer);
    noticeEl.textContent = text || "";
    noticeEl.hidden = !text;
    if (text) { noticeTimer = setTimeout(function () { noticeEl.hidden = true; }, 8000); }
  }

  function showTyping(on) {
    clearTimeout(typingTimer);
    typingEl.hidden = !on;
    if (on) {
      typingTimer = setTimeout(function () { typingEl.hidden = true; }, 7000);
      scrollDown();
    }
  }

  function scrollDown() {
    logEl.scrollTop = logEl.scrollHeight;
  }

  /* ---------- transport ---------- */

  function connect() {
    var url = new URL("ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.search = "";
    url.hash = "";
    var sock = new WebSocket(url.href);
    ws = sock;
    sock.onopen = function () {
      backoff = 500;
      setStatus("");
      sendBtn.disabled = false;
      resendPending();
    };
    sock.onmessage = function (e) {
      var f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      if (f && typeof f.type === "string") { onFrame(f); }
    };
    sock.onclose = function () {
      if (ws !== sock) { return; }
      ws = null;
      showTyping(false);
      setStatus(S.reconnecting);
      var wait = backoff + Math.floor(Math.random() * 300);
      backoff = Math.min(backoff * 2, 15000);
      setTimeout(connect, wait);
    };
  }

  function sendFrame(f) {
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      notice(S.reconnecting);
      return false;
    }
    ws.send(JSON.stringify(f));
    return true;
  }

  function newID() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    var s = "";
    for (var i = 0; i < b.length; i++) { s += ("0" + b[i].toString(16)).slice(-2); }
    return s;
  }

  // sendPending sends a message or click the server must acknowledge; text
  // is what the user typed ("" for a click).
  function sendPending(f, text) {
    f.id = newID();
    if (!sendFrame(f)) { return false; }
    pending.push({ f: f, text: text, tries: 1 });
    return true;
  }

  function findPending(id) {
    for (var i = 0; i < pending.length; i++) {
      if (pending[i].f.id === id) { return i; }
    }
    return -1;
  }

  // settle forgets a pending frame; refused, its text goes back.
  function settle(id, refused) {
    var i = findPending(String(id || ""));
    if (i < 0) { return; }
    var p = pending.splice(i, 1)[0];
    if (refused) { restoreText(p.text); }
  }

  function resendPending() {
    clearTimeout(retryTimer);
    var keep = [];
    pending.forEach(function (p) {
      if (p.tries >= maxTries) {
        restoreText(p.text);
        return;
      }
      if (ws && ws.readyState === WebSocket.OPEN) {
        p.tries++;
        ws.send(JSON.stringify(p.f));
      }
      keep.push(p);
    });
    pending = keep;
  }

  function onFrame(f) {
    switch (f.type) {
      case "history":
        logEl.replaceChildren();
        setHints([]);
        (f.items || []).forEach(function (it) { addTurn(it); });
        scrollDown();
        break;
      case "msg":
        if (f.from === "bot") { showTyping(false); }
        reveal(addTurn(f));
        break;
      case "edit":
        editTurn(f.id, f.msg);
        break;
      case "typing":
        showTyping(true);
        break;
      case "ack":
        settle(f.id, false);
        break;
      case "error":
        showTyping(false);
        notice(f.text);
        if (f.retry && findPending(String(f.id || "")) >= 0) {
          clearTimeout(retryTimer);
          retryTimer = setTimeout(resendPending, 2000 + Math.floor(Math.random() * 1000));
        } else {
          settle(f.id, true);
        }
        break;
    }
  }

  /* ---------- turns ---------- */

  function addTurn(it) {
    var turn = el("div", "turn " + (it.from === "user" ? "user" : "bot"));
    turn.setAttribute("data-id", String(it.id || ""));
    turn.appendChild(el("span", "sr-only", (it.from === "user" ? S.you : S.bot) + ":"));
    var bubble;
    if (it.from === "user") {
      bubble = el("div", "bubble", it.text);
      turn.appendChild(bubble);
    } else {
      bubble = el("div", "bubble");
      renderMsg(bubble, it.msg, String(it.id || ""));
      turn.appendChild(bubble);
      setHints(hintsOf(it.msg), String(it.id || ""));
    }
    logEl.appendChild(turn);
    return turn;
  }

  // reveal scrolls a new message into view: to the bottom, or to its top when
  // it is taller than the log, so a long answer is read from its beginning.
  function reveal(turn) {
    if (turn.offsetHeight > logEl.clientHeight - 24) {
      logEl.scrollTop = turn.offsetTop - 8;
    } else {
      scrollDown();
    }
  }

  function turnOf(id) {
    return logEl.querySelector('.turn.bot[data-id="' + CSS.escape(String(id)) + '"]');
  }

  function editTurn(id, msg) {
    var turn = turnOf(id);
    if (!turn) { return; }
    var bubble = turn.querySelector(".bubble");
    var nearBottom = logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 60;
    bubble.replaceChildren();
    renderMsg(bubble, msg, String(id));
    var last = logEl.lastElementChild;
    if (last === turn) { setHints(hintsOf(msg), String(id)); }
    if (nearBottom) { scrollDown(); }
  }

  /* ---------- buttons ---------- */

  // button makes an action button (a <button> sending a click) or, for a URL, a
  // link styled as one that opens in a new tab.
  function button(b, ref) {
    if (!b) { return null; }
    var label = String(b.label || "");
    if (b.url) {
      var a = link(b.url, "btn link", label);
      return a;
    }
    var btn = el("button", "btn", label);
    btn.type = "button";
    btn.setAttribute("data-token", String(b.token || ""));
    if (b.style === "primary") { btn.classList.add("primary"); }
    if (b.style === "danger") { btn.classList.add("danger"); }
    btn.addEventListener("click", function () {
      sendPending({ type: "click", token: String(b.token || ""), ref: ref, label: label }, "");
    });
    return btn;
  }

  function buttonRow(items, ref, cls) {
    var row = el("div", cls || "btns");
    (items || []).forEach(function (b) {
      var n = button(b, ref);
      if (n) { row.appendChild(n); }
    });
    return row;
  }

  function setHints(items, ref) {
    hintsEl.replaceChildren();
    (items || []).forEach(function (b) {
      var n = button(b, ref);
      if (n) { hintsEl.appendChild(n); }
    });
  }

  /* ---------- messages (webfmt.Msg) ---------- */

  function hintsOf(msg) {
    return (msg && Array.isArray(msg.inputHints)) ? msg.inputHints : [];
  }

  // renderMsg builds a bot message from webfmt's parts. Only "html" strings made
  // by webfmt go through innerHTML; every other string is text.
  function renderMsg(into, msg, ref) {
    var parts = (msg && Array.isArray(msg.parts)) ? msg.parts : [];
    parts.forEach(function (p) {
      var n = renderPart(p || {}, ref);
      if (n) {
        n.classList.add("part");
        into.appendChild(n);
      }
    });
  }

  function html(cls, safeHTML) {
    var d = el("div", cls);
    d.innerHTML = safeHTML || ""; // webfmt's escaped HTML only
    return d;
  }

  function renderPart(p, ref) {
    switch (p.kind) {
      case "html":
        return html(p.context ? "rich context" : "rich", p.html);
      case "buttons":
        return renderButtons(p.buttons || {}, ref);
      case "select":
        return renderSelect(p.select || {}, ref);
      case "card":
        return renderCard(p.card || {}, ref);
      case "products":
        return renderProducts(p.products || {}, ref);
      case "location":
        return renderLocation(p.location || {});
      case "audio":
        return renderAudio(p.audio || {});
      case "file":
        return renderFile(p.file || {});
      case "divider":
        return el("hr", "divider");
    }
    return null;
  }

  function renderButtons(g, ref) {
    var box = el("div", "group");
    if (g.title) { box.appendChild(el("div", "btns-title", g.title)); }
    var row = buttonRow(g.items, ref, "btns");
    var cols = parseInt(g.columns, 10);
    if (cols > 1) {
      row.classList.add("grid");
      row.style.setProperty("--cols", String(Math.min(cols, 4)));
    }
    box.appendChild(row);
    return box;
  }

  function renderSelect(s, ref) {
    var box = el("div", "group");
    var sel = el("select", "select");
    var ph = el("option", "", s.placeholder || "…");
    ph.value = "";
    ph.disabled = true;
    ph.selected = true;
    sel.appendChild(ph);
    if (s.placeholder) { sel.setAttribute("aria-label", s.placeholder); }
    var opts = Array.isArray(s.options) ? s.options : [];
    opts.forEach(function (o, i) {
      var opt = el("option", "", o.label);
      opt.value = String(i);
      sel.appendChild(opt);
    });
    sel.addEventListener("change", function () {
      var o = opts[parseInt(sel.value, 10)];
      if (!o) { return; }
      if (o.url) {
        var u = safeURL(o.url);
        if (u) { window.open(u, "_blank", "noopener,noreferrer"); }
      } else {
        sendPending({ type: "click", token: String(o.token || ""), ref: ref, label: String(o.label || "") }, "");
      }
      sel.value = "";
    });
    box.appendChild(sel);
    return box;
  }

  function renderCard(c, ref) {
    var card = el("div", "card");
    var img = safeImage(c.imageUrl);
    if (img) {
      var im = el("img", "card-img");
      im.src = img;
      im.alt = "";
      im.loading = "lazy";
      card.appendChild(im);
    }
    var b = el("div", "card-body");
    if (c.title || c.iconUrl) {
      var head = el("div", "card-head");
      var icon = safeImage(c.iconUrl);
      if (icon) {
        var ic = el("img", "card-icon");
        ic.src = icon;
        ic.alt = "";
        head.appendChild(ic);
      }
      if (c.title) {
        head.appendChild(c.url ? link(c.url, "card-title", c.title) : el("span", "card-title", c.title));
      }
      b.appendChild(head);
    }
    if (c.subtitle) { b.appendChild(el("div", "card-sub", c.subtitle)); }
    if (c.bodyHtml) { b.appendChild(html("rich", c.bodyHtml)); }
    if (Array.isArray(c.fields) && c.fields.length) {
      var dl = el("dl", "fields");
      c.fields.forEach(function (f) {
        dl.appendChild(el("dt", "", f.label));
        var dd = el("dd", "rich");
        dd.innerHTML = f.valueHtml || ""; // webfmt's escaped HTML only
        dl.appendChild(dd);
      });
      b.appendChild(dl);
    }
    if (Array.isArray(c.buttons) && c.buttons.length) { b.appendChild(buttonRow(c.buttons, ref, "btns")); }
    card.appendChild(b);
    return card;
  }

  function renderProducts(p, ref) {
    var box = el("div", "group");
    if (p.title) { box.appendChild(el("div", "products-title", p.title)); }
    var list = el("div", "products");
    (Array.isArray(p.items) ? p.items : []).forEach(function (c) { list.appendChild(renderCard(c, ref)); });
    box.appendChild(list);
    if (p.prev || p.next || p.pageLabel) {
      var pager = el("div", "pager");
      if (p.prev) { pager.appendChild(button(p.prev, ref)); }
      if (p.pageLabel) { pager.appendChild(el("span", "", p.pageLabel)); }
      if (p.next) { pager.appendChild(button(p.next, ref)); }
      box.appendChild(pager);
    }
    return box;
  }

  function renderLocation(l) {
    var box = el("div", "place");
    var text = el("div", "");
    var name = l.name || l.address || (l.hasCoords ? l.lat + ", " + l.lng : "");
    text.appendChild(l.mapUrl ? link(l.mapUrl, "place-name", name) : el("div", "place-name", name));
    if (l.address && l.address !== name) { text.appendChild(el("div", "card-sub", l.address)); }
    box.appendChild(text);
    return box;
  }

  function renderAudio(a) {
    var box = el("div", "group");
    if (a.caption) { box.appendChild(el("div", "", a.caption)); }
    var u = safeURL(a.url);
    if (u && /^https?:/.test(u)) {
      var au = el("audio", "");
      au.controls = true;
      au.preload = "none";
      au.src = u;
      box.appendChild(au);
    }
    return box;
  }

  function renderFile(f) {
    var box = el("div", "file");
    box.appendChild(f.url ? link(f.url, "", f.name) : el("span", "", f.name));
    if (f.sizeText) { box.appendChild(el("span", "file-size", f.sizeText)); }
    return box;
  }

  // A picture that cannot load (gone, blocked, offline) is hidden rather than
  // shown broken; its caption or alt text stays. Error events do not bubble, so
  // listen in the capture phase.
  logEl.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t.tagName === "IMG") { t.classList.add("broken"); }
  }, true);

  /* ---------- composer ---------- */

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 140) + "px";
  }

  // restoreText puts a sent text that was not taken back into an empty
  // composer, so the user can send it again.
  function restoreText(text) {
    if (text && !input.value.trim()) {
      input.value = text;
      autosize();
    }
  }

  function submit() {
    var text = input.value.trim();
    if (!text) { return; }
    if (encoder.encode(text).length > maxBytes) {
      notice(S.tooLong);
      return;
    }
    if (sendPending({ type: "text", text: text }, text)) {
      input.value = "";
      autosize();
      notice("");
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    submit();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", autosize);

  if (embedded) {
    closeBtn.hidden = false;
    closeBtn.addEventListener("click", function () {
      window.parent.postMessage({ kmb: "close" }, "*");
    });
  }

  sendBtn.disabled = true;
  setStatus(S.connecting);
  connect();
})();
