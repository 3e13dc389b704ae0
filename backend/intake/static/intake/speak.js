/* The public QR page (上码说): the opinion with its category, an optional place and number,
 * through the shared public form (intake/pubform.js); shows the tracking code. */
(function () {
  "use strict";
  var f = window.pubForm, $ = f.$;
  var place = f.placePicker();
  f.submit("speak-form", function () {
    return place.add({
      category: $("f-category").value,
      text: $("f-text").value,
      phone: $("f-phone").value,
      consent: $("f-consent").checked,
    });
  }, function (answer) {
    $("speak-form").hidden = true;
    $("done-code").textContent = answer.tracking_code;
    $("done-link").href = answer.tracking_url;
    $("done").hidden = false;
    window.scrollTo(0, 0);
  });
})();
