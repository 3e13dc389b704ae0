/* A call's public page (群众提议): the citizen's proposal with an optional place (a point in
 * the call's township) and number, through the shared public form (intake/pubform.js). */
(function () {
  "use strict";
  var f = window.pubForm, $ = f.$;
  var place = f.placePicker();
  f.submit("propose-form", function () {
    return place.add({
      title: $("f-title").value,
      description: $("f-description").value,
      phone: $("f-phone").value,
      consent: $("f-consent").checked,
    });
  }, function () {
    $("propose-form").hidden = true;
    $("done").hidden = false;
    window.scrollTo(0, 0);
  });
})();
