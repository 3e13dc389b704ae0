/* A finished project's public page (群众满意度): the citizen's rating 1-5 with the challenge,
 * sent as JSON; the page reloads to show the satisfaction with this rating counted. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("intake-config").textContent);
  var S = config.strings;
  var $ = function (id) { return document.getElementById(id); };

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function showError(message) {
    $("f-error").textContent = message;
    $("f-error").hidden = !message;
  }

  function newCaptcha() {
    return fetch(config.captchaRefreshUrl, { headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        $("f-captcha-key").value = data.key;
        $("f-captcha-img").src = data.image_url;
        $("f-captcha").value = "";
      });
  }

  $("f-captcha-new").addEventListener("click", function () { newCaptcha(); });

  $("rate-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    showError("");
    var picked = document.querySelector("#rate-form input[name=rating]:checked");
    var button = $("f-submit");
    var label = button.textContent;
    button.disabled = true;
    button.textContent = S.sending;
    fetch(config.submitUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({
        rating: picked ? Number(picked.value) : null,
        captcha_key: $("f-captcha-key").value,
        captcha: $("f-captcha").value,
      }),
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (!res.ok) {
        showError(res.data.message || S.failed);
        return newCaptcha();
      }
      $("rate-form").hidden = true;
      $("done").hidden = false;
      window.location.reload();
    }).catch(function () {
      showError(S.failed);
    }).then(function () {
      button.disabled = false;
      button.textContent = label;
    });
  });
})();
