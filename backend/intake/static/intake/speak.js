/* The public QR page (上码说): sends the form as JSON to the submit URL given by the server,
 * shows the tracking code; the position only after the citizen taps the button (the phone asks
 * for consent). Text is set with textContent only. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("intake-config").textContent);
  var S = config.strings;
  var $ = function (id) { return document.getElementById(id); };
  var position = null;

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function showError(message) {
    var box = $("f-error");
    box.textContent = message;
    box.hidden = !message;
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

  $("f-locate").addEventListener("click", function () {
    var status = $("f-locate-status");
    if (!navigator.geolocation) { status.textContent = S.noLocation; return; }
    status.textContent = S.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      position = { lon: pos.coords.longitude, lat: pos.coords.latitude };
      status.textContent = S.located.replace("%(m)s", String(Math.round(pos.coords.accuracy)));
    }, function () {
      position = null;
      status.textContent = S.noLocation;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  $("speak-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    showError("");
    var button = $("f-submit");
    button.disabled = true;
    var body = {
      category: $("f-category").value,
      text: $("f-text").value,
      phone: $("f-phone").value,
      consent: $("f-consent").checked,
      captcha_key: $("f-captcha-key").value,
      captcha: $("f-captcha").value,
    };
    if (position) { body.lon = position.lon; body.lat = position.lat; }
    button.textContent = S.sending;
    fetch(config.submitUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (!res.ok) {
        showError(res.data.message || S.failed);
        return newCaptcha();
      }
      $("speak-form").hidden = true;
      $("done-code").textContent = res.data.tracking_code;
      $("done-link").href = res.data.tracking_url;
      $("done").hidden = false;
      window.scrollTo(0, 0);
    }).catch(function () {
      showError(S.failed);
    }).then(function () {
      button.disabled = false;
      button.textContent = button.dataset.label;
    });
  });
  $("f-submit").dataset.label = $("f-submit").textContent;
})();
