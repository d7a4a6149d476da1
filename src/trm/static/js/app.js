// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";

  function normal(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function filterBox(name) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "choice-filter";
    input.setAttribute("aria-label", name);
    input.placeholder = name;
    input.autocomplete = "off";
    return input;
  }

  function hideUnmatched(items, query) {
    var q = normal(query.trim());
    items.forEach(function (item) {
      item.hidden = q !== "" && normal(item.textContent).indexOf(q) === -1;
    });
  }

  // A multiple <select data-filterable>: a filter box and a list of checkboxes kept in step
  // with the select (which stays in the form, hidden), so nobody needs Ctrl-click.
  function enhanceSelect(select) {
    var name = select.getAttribute("data-filterable");
    var box = filterBox(name);
    var list = document.createElement("div");
    list.className = "choice-list";
    list.setAttribute("role", "group");
    if (select.labels && select.labels.length) {
      var label = select.labels[0];
      if (!label.id) { label.id = select.id + "-label"; }
      list.setAttribute("aria-labelledby", label.id);
      box.setAttribute("aria-label", label.textContent.replace(/:\s*$/, "") + " — " + name);
    }
    var items = [];
    Array.prototype.forEach.call(select.options, function (option, i) {
      var row = document.createElement("div");
      var id = select.id + "-choice-" + i;
      var input = document.createElement("input");
      input.type = "checkbox";
      input.id = id;
      input.checked = option.selected;
      input.addEventListener("change", function () { option.selected = input.checked; });
      var text = document.createElement("label");
      text.htmlFor = id;
      text.textContent = option.textContent;
      row.appendChild(input);
      row.appendChild(text);
      list.appendChild(row);
      items.push(row);
    });
    box.addEventListener("input", function () { hideUnmatched(items, box.value); });
    select.hidden = true;
    select.setAttribute("data-enhanced", "");
    select.parentNode.insertBefore(box, select.nextSibling);
    select.parentNode.insertBefore(list, box.nextSibling);
  }

  // A list of checkboxes whose inputs carry data-filterable: a filter box above it.
  function enhanceCheckboxes(container, name) {
    var items = Array.prototype.slice.call(container.children);
    if (items.length < 8) { return; }
    var box = filterBox(name);
    box.addEventListener("input", function () { hideUnmatched(items, box.value); });
    container.classList.add("choice-list");
    container.setAttribute("data-enhanced", "");
    container.parentNode.insertBefore(box, container);
  }

  function enhance(root) {
    root.querySelectorAll("select[multiple][data-filterable]:not([data-enhanced])").forEach(enhanceSelect);
    var seen = [];
    root.querySelectorAll("input[type=checkbox][data-filterable]").forEach(function (input) {
      var container = input.closest("div[id]");
      if (container && seen.indexOf(container) === -1 && !container.hasAttribute("data-enhanced")) {
        seen.push(container);
        enhanceCheckboxes(container, input.getAttribute("data-filterable"));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Send Django's CSRF token with htmx requests.
    document.body.addEventListener("htmx:configRequest", function (event) {
      var input = document.querySelector("input[name=csrfmiddlewaretoken]");
      if (input) { event.detail.headers["X-CSRFToken"] = input.value; }
    });
    // A form opened on demand: enhance it and move the focus to its first field.
    document.body.addEventListener("htmx:afterSwap", function (event) {
      enhance(event.detail.target);
      var first = event.detail.target.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
    // Confirm dangerous actions declared with data-confirm.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    enhance(document);
  });
})();
