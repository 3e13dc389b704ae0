/* Shared by the map pages (dashboard, assign, stations, opinions): the page configuration,
 * JSON fetches, DOM helpers, the one popup builder, the coverage cell layer (vector tiles) and
 * the live websocket. Map page scripts wait for window.cgMapInit (django-leaflet callback).
 *
 * The configuration is read once, from the json_script "cg-config" the view renders
 * (map_ui.views.map_context): its `urls` come from reverse(), so no script spells an API path;
 * `{name}` placeholders are filled by url(name, params, subs).
 *
 * Data reaches the DOM as text only: h() builds elements and sets textContent, popup() builds
 * a popup's node; no page assigns innerHTML from data.
 *
 * Testability: the map container carries data-cells-rendered (distinct cells drawn from the
 * loaded tiles), data-tiles-loading and data-live; window.cg exposes cellState(id). */
(function () {
  "use strict";

  // Leaflet >= 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3's canvas tiles still call.
  // (A page without a map may load this file too: Leaflet is only needed by the map parts.)
  if (window.L && !L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { e._stopped = true; };
  }

  var configNode = document.getElementById("cg-config");
  var config = configNode ? JSON.parse(configNode.textContent) : {};
  config.urls = config.urls || {};
  var S = config.strings = config.strings || {};

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
    return url("tiles", params, { layer: layer });
  }

  /* ---- language and formatting ---- */
  function lang() { return document.documentElement.lang === "en" ? "en" : "zh-CN"; }

  function fmtInt(n) {
    if (n === null || n === undefined || isNaN(n)) { return "–"; }
    return Number(n).toLocaleString(lang());
  }

  function fmtPct(x) {
    if (x === null || x === undefined || isNaN(x)) { return "–"; }
    return (Math.round(x * 10) / 10).toFixed(1) + "%";
  }

  /* Every date and time is shown in Beijing time, whatever the browser's zone (a leader's
   * laptop set to another zone, a wall display's default UTC). A date-only string
   * ("2026-12-04") is read as UTC midnight, which is the same day in Asia/Shanghai. */
  var ZONE = "Asia/Shanghai";

  function fmtDate(iso) {
    if (!iso) { return S.noVisit; }
    var d = new Date(iso);
    if (isNaN(d)) { return iso; }
    return d.toLocaleDateString(lang(), { timeZone: ZONE });
  }

  function fmtDateTime(iso) {
    if (!iso) { return "–"; }
    var d = new Date(iso);
    if (isNaN(d)) { return iso; }
    return d.toLocaleString(lang(), {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      timeZone: ZONE, hourCycle: "h23",
    });
  }

  function fmtTime(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString(lang(), {
      hour: "2-digit", minute: "2-digit", timeZone: ZONE, hourCycle: "h23",
    });
  }

  /* ---- the DOM: elements by id, text, built nodes, toasts ---- */
  function $(id) { return document.getElementById(id); }

  /* Text of #id ("–" when empty); with `tick`, a changed value flashes (class "tick"). */
  function setText(id, text, tick) {
    var el = typeof id === "string" ? $(id) : id;
    if (!el) { return; }
    text = text === null || text === undefined || text === "" ? "–" : String(text);
    if (tick && el.textContent !== text) {
      el.classList.remove("tick"); void el.offsetWidth; el.classList.add("tick");
    }
    el.textContent = text;
  }

  /* h("li", {class: "row", dataset: {id: 3}, style: {width: "40%"}, click: fn}, [children]):
   * an element; `text` sets textContent, functions become event listeners, other props become
   * attributes (true: present, null/false/undefined: left out). Children are nodes or strings
   * (as text), nested arrays are flattened, null/undefined/false/"" are skipped (a number, 0
   * too, is text: write `n ? x : null` for a conditional part). */
  function h(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      var v = props[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k === "class") { node.className = v; }
      else if (k === "text") { node.textContent = v; }
      else if (k === "style" || k === "dataset") {
        Object.keys(v).forEach(function (key) { node[k][key] = v[key]; });
      }
      else if (typeof v === "function") { node.addEventListener(k, v); }
      else { node.setAttribute(k, v === true ? "" : String(v)); }
    });
    return append(node, children);
  }

  function append(node, children) {
    (Array.isArray(children) ? children : [children]).forEach(function (c) {
      if (c === null || c === undefined || c === false || c === "") { return; }
      if (Array.isArray(c)) { append(node, c); return; }
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    });
    return node;
  }

  /* Replace the children of a node (by id or node). */
  function fill(target, children) {
    var node = typeof target === "string" ? $(target) : target;
    node.textContent = "";
    return append(node, children);
  }

  /* The muted line of an empty list. */
  function emptyItem(text, cls) { return h("li", { class: "muted" + (cls ? " " + cls : "") }, text); }

  /* [label, value] rows as a definition list's dt/dd pairs. */
  function facts(rows) {
    return rows.map(function (r) { return [h("dt", null, r[0]), h("dd", null, r[1])]; });
  }

  /* The one popup builder: a title and [label, value] rows (a node, for bindPopup/setContent). */
  function popup(title, rows) {
    return h("div", { class: "popup" }, [
      h("h3", null, title),
      h("div", { class: "popup-grid" }, rows.map(function (r) {
        return [h("span", null, r[0]), h("span", null, r[1])];
      })),
    ]);
  }

  /* A message box (#id): show(text, isError) shows it for `ms` (errors stay with keepErrors),
   * show.hide() hides it. */
  function notifier(id, opts) {
    opts = opts || {};
    var timer = null;
    function show(text, isError) {
      var el = $(id);
      el.textContent = text;
      el.classList.toggle("error", !!isError);
      el.hidden = false;
      clearTimeout(timer);
      if (!(isError && opts.keepErrors)) {
        timer = setTimeout(function () { el.hidden = true; }, opts.ms || 6000);
      }
    }
    show.hide = function () { clearTimeout(timer); $(id).hidden = true; };
    return show;
  }

  /* Fit the map to a region's bbox. A county or anything below it is never shown below the
   * cells layer's minzoom: on a phone a whole county fits only at a zoom where cells are not
   * served, and its leader would see one county-coloured blob instead of the cells (the edges
   * are a pan away). */
  var CELL_LEVELS = { county: true, township: true, village: true };
  function fitBbox(map, bbox, animate, level) {
    if (!bbox || bbox.length !== 4) { return; }
    var pad = map.getSize().x < 500 ? 24 : 56;
    var bounds = L.latLngBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]]);
    var zoom = map.getBoundsZoom(bounds, false, L.point(2 * pad, 2 * pad));
    var cells = tileJsonKnown.cells;
    if (CELL_LEVELS[level || config.region.level] && cells && zoom < cells.minzoom) {
      zoom = cells.minzoom;
    }
    map.setView(bounds.getCenter(), zoom, { animate: animate !== false });
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
    if (extra.gap) {  // the dashboard's gaps: a dark outline on the cell's own fill
      style.color = "#212529"; style.weight = zoom !== undefined && zoom < 13 ? 1.2 : 2.5;
      style.opacity = 0.95; style.dashArray = null;
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

  /* What styles a cell beyond its properties: the page's extra (selected, highlight) over the
   * gap outline, which the cells layer draws itself (no second layer fetching the same tiles). */
  CellLayer.prototype.extraOf = function (id) {
    var gap = this.gapsShown && !!(this.gapIds && this.gapIds[id]);
    return gap ? L.extend({ gap: true }, this.extra[id]) : this.extra[id];
  };

  CellLayer.prototype.setGaps = function (ids, shown) {
    var before = this.gapIds || {}, id;
    this.gapIds = ids;
    if (shown !== undefined) { this.gapsShown = shown; }
    for (id in before) { if (!(id in ids)) { this.restyle(id); } }
    for (id in ids) { this.restyle(id); }
  };

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
          return cellStyle(self.effective(id), self.extraOf(id), zoom, self.opts.assignedMode);
        },
      },
    });
    fitZoomRange(this.layer, "cells");
    this.cacheTiles();
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

  /* Decoded tiles kept by URL (the window's) and coordinates: a switch back to a window, or a
   * pan back, draws them again without a request. An entry is dropped when a live event (or a
   * local action) touches one of its cells, and after TILE_CACHE_MS (the windows roll daily);
   * the oldest go beyond TILE_CACHE_MAX. */
  var TILE_CACHE_MS = 10 * 60 * 1000, TILE_CACHE_MAX = 600;
  CellLayer.prototype.cacheTiles = function () {
    var self = this, fetchTile = this.layer._getVectorTilePromise;
    this.tileCache = {};    // key -> {at, tile (a promise)}
    this.tilesOfCell = {};  // cell id -> {key: true}
    this.layer._getVectorTilePromise = function (coords, tileBounds) {
      var key = this._url + "|" + coords.z + "/" + coords.x + "/" + coords.y;
      var hit = self.tileCache[key];
      if (hit && Date.now() - hit.at < TILE_CACHE_MS) { return hit.tile; }
      var tile = fetchTile.call(this, coords, tileBounds);
      self.tileCache[key] = { at: Date.now(), tile: tile };
      var keys = Object.keys(self.tileCache);
      if (keys.length > TILE_CACHE_MAX) { delete self.tileCache[keys[0]]; }
      tile.then(function (json) {
        var cells = json && json.layers && json.layers.cells;
        ((cells && cells.features) || []).forEach(function (f) {
          var id = f.properties && f.properties.id;
          if (id !== undefined) { (self.tilesOfCell[id] = self.tilesOfCell[id] || {})[key] = true; }
        });
      }, function () { delete self.tileCache[key]; });
      return tile;
    };
  };

  /* Forget the decoded tiles holding a cell (its state changed): they are fetched afresh. */
  CellLayer.prototype.forgetTilesOf = function (id) {
    var keys = this.tilesOfCell[id] || {};
    for (var key in keys) { delete this.tileCache[key]; }
    delete this.tilesOfCell[id];
  };

  CellLayer.prototype.setDays = function (days) {
    // Same layer object (it stays in the layers control); fresh tiles, no stale overrides.
    this.days = days; this.overrides = {}; this.props = {}; this.rendered = {};
    this.renderedCount = 0;
    this.layer._overriddenStyles = {};
    this.map.getContainer().dataset.cellsRendered = "0";
    this.layer.setUrl(tileUrl("cells", { days: days }));
  };

  /* Restyle a cell already drawn. One not drawn yet is left alone: VectorGrid draws a feature
   * with an overridden style without calling the layer's style function, so overriding it early
   * (gaps answered before the tiles) would keep it out of `rendered`; its tile's style call
   * reads the same overrides and extras anyway. */
  CellLayer.prototype.restyle = function (id) {
    if (!this.layer || !this.rendered[id]) { return; }
    this.layer.setFeatureStyle(id, cellStyle(this.effective(id), this.extraOf(id),
                                             this.map.getZoom(), this.opts.assignedMode));
  };

  CellLayer.prototype.override = function (id, changes) {
    this.overrides[id] = L.extend(this.overrides[id] || {}, changes);
    this.forgetTilesOf(id);
    this.restyle(id);
  };

  CellLayer.prototype.setExtra = function (id, extra) {
    if (extra) { this.extra[id] = extra; } else { delete this.extra[id]; }
    this.restyle(id);
  };

  /* The zoom range and bounds of the page's tile layers (what their TileJSON says) come with
   * the page config (map_ui.views.tile_layers): no TileJSON request per layer. Another layer's
   * TileJSON is fetched once per page. */
  var tileJsonKnown = Object.assign({}, config.tileLayers || {}), tileJsonCache = {};
  function tileJson(layer) {
    if (!tileJsonCache[layer]) {
      tileJsonCache[layer] = layer in tileJsonKnown ? Promise.resolve(tileJsonKnown[layer])
        : api(url("tilejson", {}, { layer: layer }))
          .catch(function () { return null; })
          .then(function (tj) { tileJsonKnown[layer] = tj; return tj; });
    }
    return tileJsonCache[layer];
  }

  /* Fit a vector-tile layer to its TileJSON zoom range and bounds: above maxzoom, tiles of
   * maxzoom are over-zoomed; below minzoom the layer is hidden (no flood of small tiles); no
   * tile is requested outside the bounds (the caller's jurisdiction: nothing there to draw).
   * `extra(tj)` may adjust more options. */
  function fitZoomRange(gridLayer, layer, extra) {
    function apply(tj) {
      if (!tj) { return; }
      gridLayer.options.maxNativeZoom = tj.maxzoom;
      gridLayer.options.minZoom = tj.minzoom;
      var b = tj.bounds;
      if (b && b.length === 4) { gridLayer.options.bounds = L.latLngBounds([[b[1], b[0]], [b[3], b[2]]]); }
      if (extra) { extra(tj); }
    }
    if (layer in tileJsonKnown) {  // known before the page scripts run: no reload
      apply(tileJsonKnown[layer]);
    } else {
      tileJson(layer).then(function (tj) { apply(tj); if (gridLayer._map) { gridLayer.redraw(); } });
    }
    return gridLayer;
  }

  /* Layers that draw the same tiles (the counties' outline and their coverage) share one fetch
   * per tile: the decoded tile is kept by template and coordinates while in flight and for a few
   * seconds after, so the second layer asking for it gets it without a request. */
  var sharedTiles = {};
  var SHARED_TILE_MS = 5000;
  function shareTiles(layer) {
    var fetchTile = layer._getVectorTilePromise;
    layer._getVectorTilePromise = function (coords, tileBounds) {
      var key = this._url + "|" + coords.z + "/" + coords.x + "/" + coords.y;
      if (!sharedTiles[key]) {
        sharedTiles[key] = fetchTile.call(this, coords, tileBounds);
        sharedTiles[key].then(
          function () { setTimeout(function () { delete sharedTiles[key]; }, SHARED_TILE_MS); },
          function () { delete sharedTiles[key]; });
      }
      return sharedTiles[key];
    };
    return layer;
  }

  /* County borders (vector tiles), drawn under the cells for context on a plain background. */
  function countyOutlines(map, opts) {
    opts = opts || {};
    var layer = shareTiles(L.vectorGrid.protobuf(tileUrl("counties", { days: opts.days || config.days }), {
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
    }));
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
    var layer = shareTiles(L.vectorGrid.protobuf(tileUrl("counties", { days: days }), {
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
    }));
    fitZoomRange(layer, "counties", function () {
      var cells = tileJsonKnown.cells;
      layer.options.minZoom = 0;
      layer.options.maxZoom = cells ? cells.minzoom - 0.01 : 9.99;
    });
    return layer.addTo(map);
  }

  /* What a cell's popup and the dashboard's cell card show: [label, value] rows. */
  function cellFacts(p) {
    return [
      [S.code, p.code],
      [S.state, (p.assigned && p.state !== "covered" ? S.assigned + " · " : "") + (S[p.state] || p.state)],
      [S.visits, fmtInt(p.visits)],
      [S.householdsVisited, fmtInt(p.households_visited) + " / " + fmtInt(p.households)],
      [S.coverageRatio, fmtPct(p.coverage_ratio === undefined ? null : p.coverage_ratio * 100)],
      [S.lastVisit, fmtDate(p.last_visit)],
    ];
  }

  function cellPopup(p) { return popup(p.name || p.code, cellFacts(p)); }

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
    // The zoom ranges of the tile layers are in the config: the view is fitted once, with the
    // cells' minzoom, before any layer loads a tile.
    if (config.region.bbox) { fitBbox(map, config.region.bbox, false); }
    // Tianditu's annotation (place names) above the cells, never catching a click.
    if (config.basemapLabels) {
      map.createPane("basemapLabels");
      map.getPane("basemapLabels").style.zIndex = 450;
      map.getPane("basemapLabels").style.pointerEvents = "none";
      L.tileLayer(config.basemapLabels.url, L.Util.extend({ pane: "basemapLabels", maxZoom: 18 },
        config.basemapLabels.options)).addTo(map);
    }
    pageInits.forEach(function (fn) { fn(map); });
    pageInits = null;
  };

  /* Run fn(map) once the map is up (at once when it already is). */
  function onMap(fn) {
    if (pageInits) { pageInits.push(fn); } else { fn(window.cg.map); }
  }

  window.cg = {
    config: config, S: S, COLORS: COLORS, api: api, url: url, tileUrl: tileUrl, query: query,
    lang: lang, fmtInt: fmtInt, fmtPct: fmtPct, fmtDate: fmtDate, fmtDateTime: fmtDateTime,
    fmtTime: fmtTime, $: $, setText: setText, h: h, append: append, fill: fill,
    emptyItem: emptyItem, facts: facts, popup: popup, notifier: notifier, fitBbox: fitBbox,
    CellLayer: CellLayer, cellStyle: cellStyle, countyOutlines: countyOutlines,
    countyCoverage: countyCoverage, RAMP: RAMP, shareTiles: shareTiles, fitZoomRange: fitZoomRange, tileJson: tileJson,
    cellFacts: cellFacts, cellPopup: cellPopup, Live: Live,
    debounce: debounce, onMap: onMap,
    cellState: function (id) {
      var layer = window.cg.cells;
      if (!layer) { return null; }
      var p = layer.effective(id);
      if (!p || p.state === undefined) { return null; }
      return p.assigned && p.state !== "covered" ? "assigned" : p.state;
    },
  };
})();
