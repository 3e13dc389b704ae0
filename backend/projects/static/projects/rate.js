/* A finished project's public page (群众满意度): the citizen's rating 1-5 through the shared
 * public form (intake/pubform.js); the page reloads to show the satisfaction with this rating
 * counted. */
(function () {
  "use strict";
  var f = window.pubForm, $ = f.$;
  f.submit("rate-form", function () {
    var picked = document.querySelector("#rate-form input[name=rating]:checked");
    return { rating: picked ? Number(picked.value) : null };
  }, function () {
    $("rate-form").hidden = true;
    $("done").hidden = false;
    window.location.reload();
  });
})();
