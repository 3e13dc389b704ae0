/* The record pages (/records/, /records/<id>/): the year selector shows its year when changed;
 * each form.rec-form posts its fields as JSON to the map-data API operation named by
 * data-action (config.actions, `{id}` from data-id), the pressed button's name/value included
 * (verify, audit, reject), then reloads the page. The API's error (its message and, for a bad
 * field, the field's label) is shown beside the form: the rules are the service's, not ours. */
(function () {
  "use strict";
  var cg = window.cg, config = cg.config, S = config.strings || {};

  var year = document.getElementById("year-select");
  if (year) {
    year.addEventListener("change", function () { year.form.submit(); });
  }

  function body(form, submitter) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.tagName === "BUTTON" || el.disabled) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      if (el.value === "") { return; }
      out[el.name] = el.type === "number" || el.dataset.int ? parseInt(el.value, 10) : el.value;
    });
    if (submitter && submitter.name) { out[submitter.name] = submitter.value; }
    return out;
  }

  function fieldLabel(form, name) {
    var input = name && form.querySelector('[name="' + name + '"]');
    var label = input && input.closest("label");
    return label ? label.firstChild.textContent.trim() : name;
  }

  function show(form, text) {
    var error = form.querySelector(".life-error");
    if (error) { error.hidden = false; error.textContent = text; }
  }

  function check(form, data) {
    if (form.dataset.action !== "resolve") { return ""; }
    if (data.outcome === "upheld" && data.adjusted_points === undefined) { return S.needPoints; }
    if (data.outcome !== "upheld") { delete data.adjusted_points; }
    return data.note && data.note.trim() ? "" : S.needNote;
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.rec-form"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = (config.actions || {})[form.dataset.action];
      if (!url) { return; }
      if (form.dataset.id) { url = url.replace("{id}", form.dataset.id); }
      var data = body(form, event.submitter);
      var problem = check(form, data);
      if (problem) { show(form, problem); return; }
      var buttons = form.querySelectorAll("button");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      form.dataset.state = "sending";
      cg.api(url, { method: "POST", body: data }).then(function () {
        form.dataset.state = "done";
        window.location.reload();
      }).catch(function (err) {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
        form.dataset.state = "error";
        form.dataset.errorCode = err.code || "";
        var field = err.data && err.data.field;
        show(form, (err.message || S.failed) + (field ? " (" + fieldLabel(form, field) + ")" : ""));
      });
    });
  });
})();
