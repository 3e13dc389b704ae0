/* Shared by the map pages: configuration, JSON fetches, the coverage cell layer (vector tiles)
 * and the live websocket. Every page script waits for window.cgMapInit (django-leaflet callback).
 *
 * Testability: the map container carries data-cells-rendered (distinct cells drawn from the
 * loaded tiles), data-tiles-loading and data-live; window.cg exposes cellState(id). */
(function () {
  "use strict";

  // Leaflet >= 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3's canvas tiles still call.
  if (!L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { e._stopped = true; };
  }

  var config = JSON.parse(document.getElementById("cg-config").textContent);
  var S = config.strings;

  var COLORS = {
    covered: "#2f9e44", stale: "#f59f00", never: "#e03131",
    assigned: "#1c7ed6", selected: "#7048e8", line: "#ffffff",
  };

  function getCookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  function api(url, opts) {
    opts = opts || {};
    var init = { credentials: "same-origin", headers: { Accept: "application/json" } };
    if (opts.method && opts.method !== "GET") {
      init.method = opts.method;
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRFToken"] = getCookie("csrftoken");
      init.body = JSON.stringify(opts.body || {});
    }
    return fetch(url, init).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!r.ok) {
          var err = new Error((data && data.message) || r.status + " " + r.statusText);
          err.status = r.status; err.code = data && data.code; err.data = data;
          throw err;
        }
        return data;
      });
    });
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== undefined && params[k] !== null && params[k] !== "") {
        parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
      }
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  function url(name, params, subs) {
    var u = config.urls[name];
    Object.keys(subs || {}).forEach(function (k) { u = u.replace("{" + k + "}", subs[k]); });
    return u + query(params || {});
  }

  function tileUrl(layer, params) {
    return config.urls.tiles.replace("{layer}", layer) + query(params || {});
  }

  function fmtInt(n) {
    if (n === null || n === undefined || isNaN(n)) { return "–"; }
    return Number(n).toLocaleString(document.documentElement.lang === "en" ? "en" : "zh-CN");
  }

  function fmtPct(x) {
    if (x === null || x === undefined || isNaN(x)) { return "–"; }
    return (Math.round(x * 10) / 10).toFixed(1) + "%";
  }

  function fmtDate(iso) {
    if (!iso) { return S.noVisit; }
    var d = new Date(iso);
    if (isNaN(d)) { return iso; }
    return d.toLocaleDateString(document.documentElement.lang === "en" ? "en" : "zh-CN");
  }

  function esc(s) {
    return String(s === undefined || s === null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function fitBbox(map, bbox, animate) {
    if (!bbox || bbox.length !== 4) { return; }
    var pad = map.getSize().x < 500 ? 24 : 56;
    map.fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]], { padding: [pad, pad], animate: animate !== false });
  }

  /* ---- the coverage cells layer ------------------------------------------------------- */

  /* Fill by coverage state. An uncovered cell that has a deputy assigned is either filled blue
   * (assignment page: what is left to assign stands out in red) or only outlined in blue
   * (dashboard: the coverage colours stay readable; the outline shows from zoom 13). */
  function cellStyle(props, extra, zoom, assignedMode) {
    extra = extra || {};
    var state = props.state || "never";
    var style = {
      fill: true, fillColor: COLORS[state] || COLORS.never, fillOpacity: state === "never" ? 0.5 : 0.72,
      color: "#ffffff", weight: zoom !== undefined && zoom < 12 ? 0.3 : 0.8, opacity: 0.9,
    };
    if (props.assigned && state !== "covered") {
      if (assignedMode === "fill") {
        style.fillColor = COLORS.assigned; style.fillOpacity = 0.55;
        style.color = "#0b4f8a"; style.weight = zoom !== undefined && zoom < 13 ? 0.6 : 1.6;
        style.dashArray = zoom !== undefined && zoom < 13 ? null : "4 3";
      } else if (zoom === undefined || zoom >= 13) {
        style.color = COLORS.assigned; style.weight = 2;
      }
    }
    if (extra.selected) {
      style.color = COLORS.selected; style.weight = 3; style.dashArray = null;
      style.fillColor = COLORS.selected; style.fillOpacity = 0.45;
    }
    if (extra.highlight) {
      style.color = "#111111"; style.weight = 3; style.dashArray = null;
    }
    return style;
  }

  /* A VectorGrid over /tiles/cells with: the cells' latest known properties (from tiles, then
   * from live events), a count of distinct cells drawn, and re-styling by id. */
  function CellLayer(map, opts) {
    this.map = map;
    this.opts = opts || {};
    this.props = {};      // id -> properties seen in tiles, merged with live overrides
    this.overrides = {};  // id -> {state, assigned, ...} from live events or local actions
    this.extra = {};      // id -> {selected, highlight}
    this.rendered = {};
    this.tilesLoading = 0;
    this.days = this.opts.days || config.days;
    this.build();
  }

  CellLayer.prototype.effective = function (id) {
    var p = this.props[id] || {};
    var o = this.overrides[id] || {};
    return L.extend({}, p, o);
  };

  CellLayer.prototype.build = function () {
    var self = this;
    this.props = {}; this.rendered = {}; this.renderedCount = 0;
    var container = this.map.getContainer();
    container.dataset.cellsRendered = "0";
    this.layer = L.vectorGrid.protobuf(tileUrl("cells", { days: this.days }), {
      rendererFactory: L.canvas.tile,
      fetchOptions: { credentials: "same-origin" },
      interactive: true,
      zIndex: 2,
      maxNativeZoom: 16,
      maxZoom: config.maxZoom,
      getFeatureId: function (f) { return f.properties.id; },
      vectorTileLayerStyles: {
        cells: function (props, zoom) {
          var id = props.id;
          self.props[id] = L.extend(self.props[id] || {}, props);
          if (!self.rendered[id]) {
            self.rendered[id] = true;
            self.renderedCount += 1;
            container.dataset.cellsRendered = String(self.renderedCount);
          }
          return cellStyle(self.effective(id), self.extra[id], zoom, self.opts.assignedMode);
        },
      },
    });
    fitZoomRange(this.layer, "cells");
    this.layer.on("loading", function () { container.dataset.tilesLoading = "1"; });
    this.layer.on("load", function () {
      container.dataset.tilesLoading = "0";
      container.dataset.cellsLoaded = String(Date.now());
    });
    this.layer.on("click", function (e) {
      var id = e.layer && e.layer.properties && e.layer.properties.id;
      if (id !== undefined && self.opts.onClick) {
        self.opts.onClick(id, self.effective(id), e);
      }
    });
    this.layer.addTo(this.map);
    return this.layer;
  };

  CellLayer.prototype.setDays = function (days) {
    // Same layer object (it stays in the layers control); fresh tiles, no stale overrides.
    this.days = days; this.overrides = {}; this.props = {}; this.rendered = {};
    this.renderedCount = 0;
    this.layer._overriddenStyles = {};
    this.map.getContainer().dataset.cellsRendered = "0";
    this.layer.setUrl(tileUrl("cells", { days: days }));
  };

  CellLayer.prototype.restyle = function (id) {
    if (!this.layer) { return; }
    this.layer.setFeatureStyle(id, cellStyle(this.effective(id), this.extra[id],
                                             this.map.getZoom(), this.opts.assignedMode));
  };

  CellLayer.prototype.override = function (id, changes) {
    this.overrides[id] = L.extend(this.overrides[id] || {}, changes);
    this.restyle(id);
  };

  CellLayer.prototype.setExtra = function (id, extra) {
    if (extra) { this.extra[id] = extra; } else { delete this.extra[id]; }
    this.restyle(id);
  };

  /* TileJSON of a layer (zoom range), fetched once per page. */
  var tileJsonCache = {}, tileJsonKnown = {};
  function tileJson(layer) {
    if (!tileJsonCache[layer]) {
      tileJsonCache[layer] = api("/tiles/" + layer + ".json")
        .catch(function () { return null; })
        .then(function (tj) { tileJsonKnown[layer] = tj; return tj; });
    }
    return tileJsonCache[layer];
  }

  /* Fit a vector-tile layer to its TileJSON zoom range: above maxzoom, tiles of maxzoom are
   * over-zoomed; below minzoom the layer is hidden (no flood of small tiles). `extra(tj)` may
   * adjust more options. */
  function fitZoomRange(gridLayer, layer, extra) {
    function apply(tj) {
      if (!tj) { return; }
      gridLayer.options.maxNativeZoom = tj.maxzoom;
      gridLayer.options.minZoom = tj.minzoom;
      if (extra) { extra(tj); }
    }
    if (layer in tileJsonKnown) {  // prefetched before the page scripts run: no reload
      apply(tileJsonKnown[layer]);
    } else {
      tileJson(layer).then(function (tj) { apply(tj); if (gridLayer._map) { gridLayer.redraw(); } });
    }
    return gridLayer;
  }

  /* County borders (vector tiles), drawn under the cells for context on a plain background. */
  function countyOutlines(map, opts) {
    opts = opts || {};
    var layer = L.vectorGrid.protobuf(tileUrl("counties", { days: config.days }), {
      rendererFactory: L.canvas.tile,
      fetchOptions: { credentials: "same-origin" },
      maxNativeZoom: 9, maxZoom: config.maxZoom, zIndex: 0,
      vectorTileLayerStyles: {
        counties: function (p) {
          return opts.style ? opts.style(p) : {
            fill: true, fillColor: "#ffffff", fillOpacity: 0.55, color: "#5c6b7a", weight: 1.5,
            opacity: 0.9, dashArray: "6 4",
          };
        },
      },
    });
    // Over-zoomed more than two levels the borders blur; the cells show the shape there.
    fitZoomRange(layer, "counties", function (tj) {
      layer.options.minZoom = 0;
      layer.options.maxZoom = tj.maxzoom + (opts.maxOverzoom === undefined ? 2 : opts.maxOverzoom);
    });
    return layer.addTo(map);
  }

  /* County roll-up coloured by coverage, for the zooms where cell tiles are not served. */
  var RAMP = ["#e03131", "#f76707", "#f59f00", "#94d82d", "#2f9e44"];
  function countyCoverage(map, days) {
    var layer = L.vectorGrid.protobuf(tileUrl("counties", { days: days }), {
      rendererFactory: L.canvas.tile,
      fetchOptions: { credentials: "same-origin" },
      maxNativeZoom: 9, maxZoom: 9.99, zIndex: 1,
      vectorTileLayerStyles: {
        counties: function (p) {
          var r = Math.max(0, Math.min(0.999, p.coverage_ratio || 0));
          return { fill: true, fillColor: RAMP[Math.floor(r * RAMP.length)], fillOpacity: 0.6,
                   color: "#ffffff", weight: 1.5, opacity: 1 };
        },
      },
    });
    fitZoomRange(layer, "counties", function () {
      var cells = tileJsonKnown.cells;
      layer.options.minZoom = 0;
      layer.options.maxZoom = cells ? cells.minzoom - 0.01 : 9.99;
    });
    return layer.addTo(map);
  }

  function cellPopupHtml(p) {
    var state = p.assigned && p.state !== "covered" ? S.assigned + " · " + S[p.state] : S[p.state] || p.state;
    var ratio = p.coverage_ratio === undefined ? null : p.coverage_ratio * 100;
    return "<h3>" + esc(p.name || p.code) + "</h3><div class='popup-grid'>" +
      "<span>" + esc(S.code) + "</span><span>" + esc(p.code) + "</span>" +
      "<span>" + esc(S.state) + "</span><span>" + esc(state) + "</span>" +
      "<span>" + esc(S.visits) + "</span><span>" + fmtInt(p.visits) + "</span>" +
      "<span>" + esc(S.householdsVisited) + "</span><span>" + fmtInt(p.households_visited) + " / " + fmtInt(p.households) + "</span>" +
      "<span>" + esc(S.coverageRatio) + "</span><span>" + fmtPct(ratio) + "</span>" +
      "<span>" + esc(S.lastVisit) + "</span><span>" + esc(fmtDate(p.last_visit)) + "</span></div>";
  }

  /* ---- the live websocket, with reconnect and backoff ---------------------------------- */

  function Live(handlers) {
    this.handlers = handlers || {};
    this.attempt = 0;
    this.status = document.getElementById("live-status");
    this.connect();
  }

  Live.prototype.setStatus = function (state, label) {
    document.body.dataset.live = state;
    if (!this.status) { return; }
    this.status.dataset.state = state;
    this.status.querySelector(".label").textContent = label;
  };

  Live.prototype.connect = function () {
    var self = this;
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + config.urls.live);
    this.ws = ws;
    ws.onmessage = function (msg) {
      var payload;
      try { payload = JSON.parse(msg.data); } catch (e) { return; }
      if (payload.event === "live.ready") {
        self.attempt = 0;
        self.setStatus("live", S.live);
        return;
      }
      var fn = self.handlers[payload.event];
      var items = (payload.data && payload.data.items) || [];
      if (fn) { items.forEach(function (item) { fn(item, payload); }); }
      if (self.handlers.any) { self.handlers.any(payload.event, items); }
    };
    ws.onclose = function (ev) {
      if (ev.code === 4401 || ev.code === 4403) {
        self.setStatus("closed", S.signedOut);
        return; // not signed in (or no region access): retrying cannot help
      }
      self.setStatus("offline", S.offline);
      var delay = Math.min(30000, 1000 * Math.pow(2, self.attempt)) * (0.75 + Math.random() * 0.5);
      self.attempt += 1;
      setTimeout(function () { self.connect(); }, delay);
    };
  };

  function debounce(fn, ms) {
    var t = null;
    return function () {
      var args = arguments;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  var pageInits = [];
  window.cgMapInit = function (map) {
    window.cg.map = map;
    // Whole zoom levels only: VectorGrid's canvas hit-testing assumes unscaled tiles.
    map.options.zoomSnap = 1;
    if (config.region.bbox) { fitBbox(map, config.region.bbox, false); }
    // Zoom ranges of the tile layers first, so that no layer loads its tiles twice.
    Promise.all(["cells", "counties", "heat"].map(tileJson)).then(function () {
      pageInits.forEach(function (fn) { fn(map); });
    });
  };

  window.cg = {
    config: config, S: S, COLORS: COLORS, api: api, url: url, tileUrl: tileUrl, query: query,
    fmtInt: fmtInt, fmtPct: fmtPct, fmtDate: fmtDate, esc: esc, fitBbox: fitBbox,
    CellLayer: CellLayer, cellStyle: cellStyle, countyOutlines: countyOutlines,
    countyCoverage: countyCoverage, fitZoomRange: fitZoomRange, tileJson: tileJson, cellPopupHtml: cellPopupHtml, Live: Live,
    debounce: debounce, onMap: function (fn) { pageInits.push(fn); },
    cellState: function (id) {
      var layer = window.cg.cells;
      if (!layer) { return null; }
      var p = layer.effective(id);
      if (!p || p.state === undefined) { return null; }
      return p.assigned && p.state !== "covered" ? "assigned" : p.state;
    },
  };
})();
