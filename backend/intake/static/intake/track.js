/* The tracking page's rating form: 1-5 and a comment, sent as JSON; the page reloads to show
 * the new status (closed, or re-handling once). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("intake-config").textContent);
  var form = document.getElementById("rate-form");
  var error = document.getElementById("r-error");

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var picked = form.querySelector("input[name=rating]:checked");
    var body = {
      rating: picked ? Number(picked.value) : null,
      comment: document.getElementById("r-comment").value,
    };
    fetch(config.rateUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
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
