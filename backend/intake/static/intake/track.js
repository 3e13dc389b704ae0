/* The tracking page's rating form: 1-5 and a comment, sent as JSON (intake/pubform.js's post);
 * the page reloads to show the new status (closed, or re-handling once). */
(function () {
  "use strict";
  var f = window.pubForm, config = f.config;
  var form = document.getElementById("rate-form");
  var error = document.getElementById("r-error");

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var picked = form.querySelector("input[name=rating]:checked");
    f.post(config.rateUrl, {
      rating: picked ? Number(picked.value) : null,
      comment: document.getElementById("r-comment").value,
    }).then(function (res) {
      if (!res.ok) {
        error.textContent = res.data.message || config.strings.failed;
        error.hidden = false;
        return;
      }
      window.location.reload();
    }).catch(function () {
      error.textContent = config.strings.failed;
      error.hidden = false;
    });
  });
})();
