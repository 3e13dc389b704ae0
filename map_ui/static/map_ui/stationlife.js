/* The link and deliberation pages: each form posts its fields as JSON to the map-data API
 * operation named by data-action (config.actions), then reloads the page. Field types from
 * data attributes: data-int, data-int-list (checked boxes / selected options), data-list
 * (comma-separated names), data-lines (one item a line), data-bool (a checkbox). */
(function () {
  "use strict";
  var cg = window.cg, config = cg.config;

  function value(form, el) {
    var name = el.name;
    if (el.dataset.intList) {
      if (el.tagName === "SELECT") {
        return Array.prototype.map.call(el.selectedOptions, function (o) { return parseInt(o.value, 10); });
      }
      return Array.prototype.filter.call(form.querySelectorAll('[name="' + name + '"]'), function (b) {
        return b.checked;
      }).map(function (b) { return parseInt(b.value, 10); });
    }
    if (el.dataset.bool) { return el.checked; }
    if (el.type === "number" || el.dataset.int) { return el.value === "" ? undefined : parseInt(el.value, 10); }
    if (el.dataset.list) { return el.value.split(/[,，、]/).map(function (s) { return s.trim(); }).filter(Boolean); }
    if (el.dataset.lines) { return el.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean); }
    return el.value === "" ? undefined : el.value;
  }

  function body(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || out.hasOwnProperty(el.name)) { return; }
      var v = value(form, el);
      if (v !== undefined) { out[el.name] = v; }
    });
    return out;
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.life-form"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = (config.actions || {})[form.dataset.action];
      if (!url) { return; }
      if (form.dataset.id) { url = url.replace("{id}", form.dataset.id); }
      var error = form.querySelector(".life-error");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      cg.api(url, { method: "POST", body: body(form) }).then(function () {
        window.location.reload();
      }).catch(function (err) {
        if (button) { button.disabled = false; }
        if (error) { error.hidden = false; error.textContent = err.message; }
      });
    });
  });
})();
