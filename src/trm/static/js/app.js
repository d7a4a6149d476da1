// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Send Django's CSRF token with htmx requests.
    document.body.addEventListener("htmx:configRequest", function (event) {
      var input = document.querySelector("input[name=csrfmiddlewaretoken]");
      if (input) { event.detail.headers["X-CSRFToken"] = input.value; }
    });
    // Confirm dangerous actions declared with data-confirm.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
