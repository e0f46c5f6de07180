// Starts Swagger UI on /docs (app/apidocs.py) from the vendored bundle. A file, not an
// inline script, so the page runs under the same Content-Security-Policy as every other.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // Never send the document to validator.swagger.io: the page makes no request off-site.
    validatorUrl: null,
  });
})();
