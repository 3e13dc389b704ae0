/* The citizens' public forms, shared by the QR opinion page (intake/speak.js), a call's
 * proposal page (projects/propose.js) and a project's rating page (projects/rate.js): the page's
 * config (#intake-config), the challenge picture and its renewal, the optional place (the
 * phone's position after a tap, or a point tapped on a small map of the area; the server checks
 * it lies there), and the JSON submit with the CSRF token, its error line and busy button
 * (`post` alone for the tracking page's rating, intake/track.js).
 * Text is set with textContent only. */
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

  if ($("f-captcha-new")) { $("f-captcha-new").addEventListener("click", function () { newCaptcha(); }); }

  /* POST `body` as JSON with the CSRF token: a promise of { ok, data }. */
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    });
  }

  /* The optional place (#f-locate, #f-pick, #f-map, #f-clear, #f-locate-status): returns
   * { add(body) } setting body.lon and body.lat when a place was given. */
  function placePicker() {
    var position = null, map = null, pin = null;

    function setPosition(lon, lat, source) {
      position = lon === null ? null : { lon: lon, lat: lat, source: source };
      $("f-clear").hidden = !position;
      $("f-map").dataset.picked = position ? lat.toFixed(6) + "," + lon.toFixed(6) : "";
      if (!map) { return; }
      if (!position) {
        if (pin) { map.removeLayer(pin); pin = null; }
        return;
      }
      var at = L.latLng(lat, lon);
      if (!pin) {
        pin = L.circleMarker(at, { radius: 9, color: "#fff", weight: 3, fillColor: "#b71c1c", fillOpacity: 1 })
          .addTo(map);
      } else {
        pin.setLatLng(at);
      }
    }

    // The small map (Leaflet): the area's outline, its centre (a station), the tapped point.
    function openMap() {
      var box = $("f-map");
      box.hidden = false;
      $("f-pick").setAttribute("aria-expanded", "true");
      if (map) { map.invalidateSize(); return; }
      var cfg = config.map || {};
      map = L.map(box, { zoomControl: true, attributionControl: !!cfg.basemap });
      if (cfg.basemap) {
        L.tileLayer(cfg.basemap.url, { attribution: cfg.basemap.attribution, maxZoom: 18,
          subdomains: cfg.basemap.subdomains || "abc" }).addTo(map);
      }
      var outline = cfg.outline ? L.geoJSON(cfg.outline, {
        interactive: false,
        style: { color: "#b71c1c", weight: 2, fillColor: "#b71c1c", fillOpacity: 0.06 },
      }) : null;
      if (outline) {  // the view first: Leaflet draws layers only on a map that has one
        map.fitBounds(outline.getBounds(), { padding: [8, 8] });
        outline.addTo(map);
      } else {
        map.setView(cfg.centre || [35, 105], cfg.centre ? 14 : 4);
      }
      if (cfg.centre) {
        L.circleMarker(cfg.centre, {
          radius: 5, color: "#1d1d1f", weight: 2, fillColor: "#fff", fillOpacity: 1, interactive: false,
        }).addTo(map);
      }
      map.on("click", function (ev) {
        var p = ev.latlng.wrap();
        setPosition(p.lng, p.lat, "map");
        $("f-locate-status").textContent = S.picked
          .replace("%(lat)s", p.lat.toFixed(5)).replace("%(lon)s", p.lng.toFixed(5));
      });
      if (position) { setPosition(position.lon, position.lat, position.source); }
      box.dataset.ready = "1";
    }

    $("f-pick").addEventListener("click", openMap);

    $("f-clear").addEventListener("click", function () {
      setPosition(null, null, null);
      $("f-locate-status").textContent = S.cleared;
    });

    $("f-locate").addEventListener("click", function () {
      var status = $("f-locate-status");
      if (!navigator.geolocation) { status.textContent = S.noLocation; return; }
      status.textContent = S.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPosition(pos.coords.longitude, pos.coords.latitude, "gps");
        if (map) { map.panTo([pos.coords.latitude, pos.coords.longitude]); }
        status.textContent = S.located.replace("%(m)s", String(Math.round(pos.coords.accuracy)));
      }, function () {
        status.textContent = S.noLocation;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });

    return {
      add: function (body) {
        if (position) { body.lon = position.lon; body.lat = position.lat; }
        return body;
      },
    };
  }

  /* On submit of #formId: POST fields() plus the challenge as JSON to config.submitUrl; a
   * refusal shows its message and renews the picture, success calls done(answer). */
  function submit(formId, fields, done) {
    var button = $("f-submit");
    var label = button.textContent;
    $(formId).addEventListener("submit", function (ev) {
      ev.preventDefault();
      showError("");
      button.disabled = true;
      var body = fields();
      body.captcha_key = $("f-captcha-key").value;
      body.captcha = $("f-captcha").value;
      button.textContent = S.sending;
      post(config.submitUrl, body).then(function (res) {
        if (!res.ok) {
          showError(res.data.message || S.failed);
          return newCaptcha();
        }
        done(res.data);
      }).catch(function () {
        showError(S.failed);
      }).then(function () {
        button.disabled = false;
        button.textContent = label;
      });
    });
  }

  window.pubForm = { $: $, config: config, post: post, placePicker: placePicker, submit: submit };
})();
