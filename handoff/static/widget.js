// One-tag embed: <script src="https://gateway.example/static/widget.js" data-gateway="https://gateway.example/" defer></script>
// Optional: data-lang="en" to start in English; data-branch / data-service name the branch (region) and
// service of the embedding page, for the service centre's figures; data-digits="latn" (default: 0123456789) or
// "arab" (٠١٢٣٤٥٦٧٨٩) for every number the widget shows (times, queue, answers). Classic script on purpose (works with `defer` on any
// page); the widget itself is a set of ES modules loaded from the same folder.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__faqWidgetLoaded) return;
  window.__faqWidgetLoaded = true;
  var staticBase = new URL(".", script.src).href;
  var gateway = new URL(script.getAttribute("data-gateway") || "/", script.src).href;
  var lang = script.getAttribute("data-lang") || "";
  var context = { branch: script.getAttribute("data-branch") || "", service: script.getAttribute("data-service") || "",
    page: location.pathname.slice(0, 200) };
  var digits = script.getAttribute("data-digits") || "latn";

  // Fonts must be declared in the document: @font-face inside a shadow root is ignored.
  if (!document.querySelector('link[data-faq-widget-fonts]')) {
    var fonts = document.createElement("link");
    fonts.rel = "stylesheet";
    fonts.href = staticBase + "fonts.css";
    fonts.setAttribute("data-faq-widget-fonts", "");
    document.head.appendChild(fonts);
  }

  function start() {
    var host = document.createElement("div");
    host.id = "faq-widget";
    document.body.appendChild(host);
    var shadow = host.attachShadow({ mode: "open" });
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = staticBase + "widget.css";
    shadow.appendChild(css);
    import(staticBase + "widget/app.js")
      .then(function (mod) {
        return mod.mount(shadow, { gateway: gateway, staticBase: staticBase, lang: lang, context: context, digits: digits });
      })
      .catch(function (err) {
        console.error("faq widget failed to start", err);
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
