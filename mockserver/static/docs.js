// Swagger UI for every spec the mock serves, offline: the dev token pre-authorised, a token the
// user authorises kept across reloads (persistAuthorization), no validator badge.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("docs-config").textContent);

  // After each spec loads: every HTTP bearer scheme nobody has authorised yet gets the dev token.
  // Not persisted, so a token the user authorises (persisted by Swagger UI) wins after a reload.
  function preauthorize(system) {
    if (!config.devToken) return;
    var schemes = system.specSelectors.specJson().getIn(["components", "securitySchemes"]);
    if (!schemes) return;
    var authorized = system.authSelectors.authorized();
    schemes.forEach(function (scheme, name) {
      var bearer = scheme.get("type") === "http" && String(scheme.get("scheme")).toLowerCase() === "bearer";
      if (bearer && !(authorized && authorized.get(name))) {
        var grant = {};
        grant[name] = { value: config.devToken, schema: scheme.toJS() };
        system.authActions.authorize(grant);
      }
    });
  }

  function DevTokenPlugin() {
    return {
      statePlugins: {
        spec: {
          wrapActions: {
            updateJsonSpec: function (original, system) {
              return function () {
                var result = original.apply(null, arguments);
                preauthorize(system);
                return result;
              };
            },
          },
        },
      },
    };
  }

  window.ui = SwaggerUIBundle({
    dom_id: "#swagger-ui",
    urls: config.urls,
    "urls.primaryName": config.primary,
    layout: "StandaloneLayout",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl, DevTokenPlugin],
    deepLinking: true,
    persistAuthorization: true,
    validatorUrl: null,
    tryItOutEnabled: true,
    displayOperationId: true,
    displayRequestDuration: true,
    filter: true,
    queryConfigEnabled: false,
    // the admin token the dashboard was given (a mock started with one), for the admin API's calls
    requestInterceptor: function (request) {
      var token = sessionStorage.getItem("mockserver-admin-token");
      var path = new URL(request.url, location.href).pathname;
      if (token && path.indexOf(config.admin + "/") === 0 && !request.headers.Authorization) {
        request.headers.Authorization = "Bearer " + token;
      }
      return request;
    },
  });
})();
