// Starts Swagger UI on the document named by index.html (/openapi.json). Kept
// out of index.html so that a Content-Security-Policy without 'unsafe-inline'
// scripts still allows it.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url") || "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Keep the bearer token given to "Authorize" across reloads.
    persistAuthorization: true,
    displayRequestDuration: true,
    // No calls to the public validator service: the page must work offline.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "BaseLayout",
  });
});
