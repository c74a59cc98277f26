/* kmbridge web chat widget: <script src="https://chat.example/widget.js" async></script>
 * puts a floating chat button on the page; it opens the chat page in an iframe.
 * Optional: data-position="left" on the script tag. No globals besides a guard. */
(function () {
  "use strict";
  var cfg = {"kmbWidgetConfig":0};
  var script = document.currentScript;
  if (!script || window.__kmbridgeWidget) { return; }
  window.__kmbridgeWidget = true;
  var src = new URL(script.src, location.href);
  var origin = src.origin;
  var page = new URL(".", src);
  page.searchParams.set("embed", "1");
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var Z = "2147483000";

  function css(el, props) {
    for (var k in props) { if (Object.prototype.hasOwnProperty.call(props, k)) { el.style[k] = props[k]; } }
  }

  function icon(open) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("fill", "currentColor");
    p.setAttribute("d", open
      ? "M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 1 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z"
      : "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
    svg.appendChild(p);
    return svg;
  }

  function init() {
    var btn = document.createElement("button");
    var frame = null;
    var isOpen = false;
    btn.type = "button";
    btn.setAttribute("aria-expanded", "false");
    css(btn, {
      position: "fixed", bottom: "20px", width: "56px", height: "56px", borderRadius: "50%",
      border: "0", padding: "0", margin: "0", cursor: "pointer", zIndex: Z,
      background: "#2563eb", color: "#fff", boxShadow: "0 6px 20px rgba(0,0,0,.25)",
      display: "flex", alignItems: "center", justifyContent: "center"
    });
    btn.style[side] = "20px";

    function label() {
      var text = isOpen ? cfg.close : cfg.open;
      btn.setAttribute("aria-label", text);
      btn.title = text;
      btn.replaceChildren(icon(isOpen));
      btn.setAttribute("aria-expanded", isOpen ? "true" : "false");
    }

    function size() {
      if (!frame) { return; }
      var small = window.matchMedia("(max-width: 480px)").matches;
      css(frame, small
        ? { width: "100vw", height: "100dvh", bottom: "0", borderRadius: "0", left: "0", right: "0" }
        : { width: "min(400px, calc(100vw - 40px))", height: "min(640px, calc(100vh - 120px))",
            bottom: "88px", borderRadius: "16px" });
      if (!small) { frame.style[side] = "20px"; frame.style[side === "left" ? "right" : "left"] = "auto"; }
      btn.style.display = small && isOpen ? "none" : "flex";
    }

    function show(open) {
      isOpen = open;
      if (open && !frame) {
        frame = document.createElement("iframe");
        frame.src = page.href;
        frame.title = cfg.title;
        frame.setAttribute("lang", cfg.lang);
        css(frame, { position: "fixed", border: "0", zIndex: Z, background: "transparent",
          boxShadow: "0 12px 40px rgba(0,0,0,.3)", colorScheme: "normal" });
        document.body.appendChild(frame);
      }
      if (frame) { frame.style.display = open ? "block" : "none"; }
      label();
      size();
      if (!open) { btn.focus(); }
    }

    btn.addEventListener("click", function () { show(!isOpen); });
    window.addEventListener("resize", size);
    window.addEventListener("message", function (e) {
      if (e.origin === origin && e.data && e.data.kmb === "close") { show(false); }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && isOpen) { show(false); }
    });
    label();
    document.body.appendChild(btn);
  }

  if (document.body) { init(); } else { document.addEventListener("DOMContentLoaded", init); }
})();
