// Starts Swagger UI on the API docs page (/api/docs). A file, not an inline
// script, so the page keeps the app's Content-Security-Policy.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) { return; }
  var without = document.getElementById("api-docs-without-js");
  if (without) { without.hidden = true; }
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null,  // no badge fetched from swagger.io
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    persistAuthorization: false
  });
});
