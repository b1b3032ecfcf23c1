/* The home-page map: desa boundaries from /peta/desa.geojson, drawn with no tile layer (the
 * district's offices may have no internet, and the boundaries alone make a readable map).
 * Plain ES5 so old office browsers run it; no build step. */
(function () {
  "use strict";

  var el = document.getElementById("peta");
  var status = document.getElementById("status-peta");
  var select = document.getElementById("pilih-kecamatan");
  if (!el || !window.L) { return; }

  // code -> {nama, warna, lat, lng}, from the view (json_script), same colours as the table.
  var kecamatan = JSON.parse(document.getElementById("peta-kecamatan").textContent);
  var baseUrl = el.getAttribute("data-geojson-url");

  var map = L.map(el, { zoomSnap: 0.25, minZoom: 7, maxZoom: 15 });
  // Leaflet's default prefix is a link to leafletjs.com; the page makes no outside links or requests.
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Batas: cahyadsn/wilayah_boundaries (MIT) · Kode: Kemendagri");

  var desaLayer = null;
  var labelLayer = L.layerGroup().addTo(map);
  // Flag layers: aggregates from /peta/data.json (counts under 5 already shown as "<5").
  var dataUrl = el.getAttribute("data-mapdata-url");
  var layerSelect = document.getElementById("pilih-lapisan");
  var periodSelect = document.getElementById("pilih-periode");
  var indexBox = document.getElementById("pilih-indeks");
  var legend = document.getElementById("legenda");
  var layerData = null;   // the current flag's data, or null for the kecamatan colours
  var breaks = [];
  var RAMP = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];
  var INDEX_RAMP = ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"];

  function pct(x) { return (x * 100).toFixed(1).replace(".", ",") + "%"; }

  // Five classes by quantile of the desa values shown (suppressed desa stay grey).
  function quantileBreaks(values) {
    var v = values.slice().sort(function (a, b) { return a - b; });
    if (!v.length) { return []; }
    var out = [];
    for (var k = 1; k < 5; k++) { out.push(v[Math.min(v.length - 1, Math.floor(k * v.length / 5))]); }
    return out;
  }

  function valueOf(code) {
    if (!layerData || !layerData.desa[code]) { return null; }
    var d = layerData.desa[code];
    if (indexBox.checked) { return d.hotspot ? d.hotspot.index : null; }
    return d.rate;
  }

  function classOf(value) {
    var i = 0;
    while (i < breaks.length && value > breaks[i]) { i++; }
    return i;
  }

  function drawLegend() {
    if (!layerData) { legend.innerHTML = ""; return; }
    var ramp = indexBox.checked ? INDEX_RAMP : RAMP;
    var fmt = indexBox.checked ? function (x) { return x.toFixed(2).replace(".", ","); } : pct;
    var html = "<strong>" + escapeHtml(indexBox.checked ? "Indeks kerentanan / vulnerability index" : layerData.judul.id) +
      "</strong> · " + escapeHtml(layerData.periode) + "<br>";
    for (var i = 0; i <= breaks.length; i++) {
      var lo = i === 0 ? null : breaks[i - 1];
      var hi = i < breaks.length ? breaks[i] : null;
      var label = lo === null ? "≤ " + fmt(hi) : (hi === null ? "> " + fmt(lo) : fmt(lo) + " – " + fmt(hi));
      if (lo === null && hi === null) { label = "semua / all"; }
      html += '<span class="legend-item"><span class="swatch" style="background:' + ramp[Math.min(i, 4)] + '"></span>' + label + "</span>";
    }
    html += '<span class="legend-item"><span class="swatch" style="background:#cccccc"></span>disembunyikan / hidden (&lt;5)</span>' +
      '<span class="legend-item"><span class="swatch swatch-hot"></span>kantong kerentanan (Gi*, p &lt; 0,05)</span>';
    if (layerData.kabupaten && layerData.kabupaten.rate !== null) {
      html += '<br>Kabupaten: ' + escapeHtml(Number(layerData.kabupaten.n).toLocaleString("id-ID")) + " / " + layerData.kabupaten.d.toLocaleString("id-ID") + " = " + pct(layerData.kabupaten.rate);
    }
    html += ' · data per ' + escapeHtml(layerData.tanggal_data || "—");
    legend.innerHTML = html;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function colourOf(code) {
    return (kecamatan[code] && kecamatan[code].warna) || "#999999";
  }

  function styleOf(feature) {
    var code = feature.properties.kode;
    var fill = colourOf(feature.properties.kecamatan_kode);
    var border = "#ffffff";
    var weight = 1;
    if (layerData) {
      var value = valueOf(code);
      var ramp = indexBox.checked ? INDEX_RAMP : RAMP;
      fill = value === null ? "#cccccc" : ramp[Math.min(classOf(value), 4)];
      var d = layerData.desa[code];
      if (d && d.hotspot && d.hotspot["class"] === "hot") { border = "#6a0000"; weight = 3; }
    }
    return { color: border, weight: weight, opacity: 1, fillColor: fill, fillOpacity: 0.8 };
  }

  function figuresOf(code) {
    if (!layerData || !layerData.desa[code]) { return ""; }
    var d = layerData.desa[code];
    var text = "<br>" + escapeHtml(layerData.judul.id) + ": " + escapeHtml(String(d.n)) + " / " + d.d +
      (d.rate === null ? " (persentase disembunyikan)" : " = " + pct(d.rate) + " [" + pct(d.lo) + " – " + pct(d.hi) + "]");
    if (d.hotspot) {
      text += "<br>Indeks " + d.hotspot.index.toFixed(2).replace(".", ",") + " · Gi* z " + d.hotspot.z.toFixed(2).replace(".", ",") +
        " (p " + d.hotspot.p.toFixed(3).replace(".", ",") + ")" + (d.hotspot["class"] === "hot" ? " · <strong>kantong kerentanan</strong>" : "");
    }
    return text;
  }

  function onEachFeature(feature, layer) {
    var p = feature.properties;
    var jenis = p.jenis === "kelurahan" ? "Kelurahan" : "Desa";
    layer.bindTooltip(function () {
      return '<div class="desa-tip"><strong>' + jenis + " " + escapeHtml(p.nama) + "</strong>" +
        '<span class="code">' + escapeHtml(p.kode) + "</span><br>Kecamatan " + escapeHtml(p.kecamatan) +
        figuresOf(p.kode) + "</div>";
    }, { sticky: true });
    layer.on("add", function () {
      if (layer.getElement) { var node = layer.getElement(); if (node) { node.setAttribute("data-desa", p.kode); } }
    });
    layer.on("click", function () {
      el.setAttribute("data-selected-desa", p.kode);
      var panel = document.getElementById("desa-terpilih");
      if (panel) {
        var childrenUrl = el.getAttribute("data-children-url");
        panel.innerHTML = "<h3>" + jenis + " " + escapeHtml(p.nama) + ' <span class="code">' + escapeHtml(p.kode) + "</span></h3>" +
          (layerData ? figuresOf(p.kode).replace(/^<br>/, "") : "Pilih lapisan untuk angka desa ini. / Choose a layer for this desa's figures.") +
          (childrenUrl && layerData ? '<p><a data-testid="desa-children" href="' + childrenUrl + "?desa=" + encodeURIComponent(p.kode) +
            "&penanda=" + encodeURIComponent(layerData.kode) + '">Anak yang ditandai di desa ini / flagged children here ›</a></p>' : "");
      }
    });
    layer.on("mouseover", function () { layer.setStyle({ weight: 3, color: "#1d2733" }); layer.bringToFront(); });
    layer.on("mouseout", function () { desaLayer.resetStyle(layer); });
  }

  function addLabels(data, kecamatanCode) {
    labelLayer.clearLayers();
    if (kecamatanCode) {
      // One kecamatan: name each desa at its centroid.
      data.features.forEach(function (f) {
        if (!f.properties.pusat) { return; }
        L.tooltip({ permanent: true, direction: "center", className: "kec-label" })
          .setLatLng(f.properties.pusat).setContent(escapeHtml(f.properties.nama)).addTo(labelLayer);
      });
      return;
    }
    // Whole district: name each kecamatan.
    Object.keys(kecamatan).forEach(function (code) {
      var k = kecamatan[code];
      if (k.lat === null || k.lng === null) { return; }
      L.tooltip({ permanent: true, direction: "center", className: "kec-label" })
        .setLatLng([k.lat, k.lng]).setContent(escapeHtml(k.nama)).addTo(labelLayer);
    });
  }

  // Leaflet does not stop labels overlapping. Hide a label that would cover one placed before
  // it (kecamatan in code order, so the district capital, 61.07.04, wins); zooming in shows it.
  function declutterLabels() {
    var placed = [];
    labelLayer.eachLayer(function (tooltip) {
      var node = tooltip.getElement();
      if (!node) { return; }
      node.style.visibility = "";
      var box = node.getBoundingClientRect();
      var clash = placed.some(function (other) {
        return box.left < other.right && box.right > other.left && box.top < other.bottom && box.bottom > other.top;
      });
      if (clash) { node.style.visibility = "hidden"; } else { placed.push(box); }
    });
  }
  map.on("zoomend", declutterLabels);

  function highlightRow(code) {
    var rows = document.querySelectorAll("#tabel-kecamatan tbody tr");
    for (var i = 0; i < rows.length; i++) {
      rows[i].classList.toggle("selected", rows[i].getAttribute("data-kecamatan") === code);
    }
  }

  function setStatus(text, isError) {
    status.textContent = text;
    status.className = "map-status" + (isError ? " error" : "");
  }

  function load(kecamatanCode) {
    setStatus("Memuat peta… / Loading map…", false);
    el.setAttribute("data-state", "loading");
    var url = baseUrl + (kecamatanCode ? "?kecamatan=" + encodeURIComponent(kecamatanCode) : "");
    fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.error || ("HTTP " + response.status)); }
          return body;
        });
      })
      .then(function (data) {
        if (desaLayer) { map.removeLayer(desaLayer); }
        desaLayer = L.geoJSON(data, { style: styleOf, onEachFeature: onEachFeature }).addTo(map);
        restyle();
        addLabels(data, kecamatanCode);
        if (data.features.length) { map.fitBounds(desaLayer.getBounds(), { padding: [8, 8] }); }
        declutterLabels();
        var where = kecamatanCode && kecamatan[kecamatanCode] ? "Kecamatan " + kecamatan[kecamatanCode].nama : "Kabupaten Bengkayang";
        setStatus(data.features.length + " desa/kelurahan · " + where, false);
        highlightRow(kecamatanCode || "");
        el.setAttribute("data-state", "ready");
        el.setAttribute("data-features", String(data.features.length));
      })
      .catch(function (err) {
        setStatus("Peta gagal dimuat / map failed to load: " + err.message, true);
        el.setAttribute("data-state", "error");
      });
  }

  function choose(code) {
    select.value = code;
    // Keep the address shareable (and the no-JS form in step) without reloading the page.
    var query = code ? "?kecamatan=" + encodeURIComponent(code) : location.pathname;
    history.replaceState(null, "", query);
    load(code);
  }

  function restyle() {
    if (!desaLayer) { return; }
    if (layerData) {
      var values = [];
      Object.keys(layerData.desa).forEach(function (code) {
        var v = valueOf(code);
        if (v !== null) { values.push(v); }
      });
      breaks = quantileBreaks(values);
    }
    desaLayer.setStyle(styleOf);
    drawLegend();
    el.setAttribute("data-layer", layerData ? layerData.kode + ":" + layerData.periode : "");
  }

  function loadLayer() {
    var code = layerSelect.value;
    if (!code) { layerData = null; restyle(); return; }
    var url = dataUrl + "?kode=" + encodeURIComponent(code) + (periodSelect.value ? "&periode=" + encodeURIComponent(periodSelect.value) : "");
    el.setAttribute("data-layer-state", "loading");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.error || ("HTTP " + response.status)); }
          return body;
        });
      })
      .then(function (data) {
        layerData = data;
        // quarters of this flag, newest first; keep the chosen one when it exists
        var chosen = data.periode;
        periodSelect.innerHTML = "";
        data.periode_pilihan.forEach(function (p) {
          var opt = document.createElement("option");
          opt.value = p; opt.textContent = p; if (p === chosen) { opt.selected = true; }
          periodSelect.appendChild(opt);
        });
        restyle();
        el.setAttribute("data-layer-state", "ready");
      })
      .catch(function (err) {
        layerData = null; restyle();
        setStatus("Lapisan gagal dimuat / layer failed to load: " + err.message, true);
        el.setAttribute("data-layer-state", "error");
      });
  }

  // The layer list comes with the data itself (the flags computed so far).
  fetch(dataUrl + "?kode=stunting").then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
    if (!data) { return; }
    data.kode_pilihan.forEach(function (k) {
      var opt = document.createElement("option");
      opt.value = k.kode; opt.textContent = k.id + " / " + k.en;
      layerSelect.appendChild(opt);
    });
  }).catch(function () { /* no flags yet: the map stays by kecamatan */ });
  layerSelect.addEventListener("change", function () { periodSelect.value = ""; loadLayer(); });
  periodSelect.addEventListener("change", loadLayer);
  indexBox.addEventListener("change", function () {
    if (indexBox.checked && !layerSelect.value) { layerSelect.value = "stunting"; loadLayer(); } else { restyle(); }
  });

  // Facilities: puskesmas (green ring when child-friendly, PRAP), posyandu and schools per desa.
  var facilityBox = document.getElementById("pilih-fasilitas");
  var facilityLayer = null;
  var FACILITY_STYLE = {
    puskesmas: { radius: 8, color: "#0d5c75", fillColor: "#ffffff", fillOpacity: 1, weight: 3 },
    posyandu: { radius: 4, color: "#6a1b9a", fillColor: "#ce93d8", fillOpacity: 0.9, weight: 1 },
    sekolah: { radius: 4, color: "#1565c0", fillColor: "#90caf9", fillOpacity: 0.9, weight: 1 }
  };
  function facilityMarker(feature, latlng) {
    var p = feature.properties;
    var style = L.Util.extend({}, FACILITY_STYLE[p.jenis] || FACILITY_STYLE.posyandu);
    if (p.jenis === "puskesmas" && p.ramah_anak) { style.color = "#2e7d32"; }
    else if (p.jenis === "puskesmas" && p.prap_proses) { style.color = "#e0a526"; }  // on the way to PRAP
    // posyandu and schools of one desa share its centre: nudge them apart a little
    if (p.jenis === "sekolah") { latlng = L.latLng(latlng.lat - 0.004, latlng.lng + 0.004); }
    var label = p.jenis === "puskesmas"
      ? "Puskesmas " + escapeHtml(p.nama) + (p.ramah_anak ? " · <strong>Ramah Anak (PRAP)</strong>" : "") +
        (p.prap ? "<br>PRAP: " + escapeHtml(p.prap) : "")
      : escapeHtml(String(p.jumlah)) + " " + p.jenis + " · Desa " + escapeHtml(p.desa);
    return L.circleMarker(latlng, style).bindTooltip(label + '<br><span class="note">lokasi ' + escapeHtml(p.lokasi) + "</span>");
  }
  facilityBox.addEventListener("change", function () {
    if (!facilityBox.checked) { if (facilityLayer) { map.removeLayer(facilityLayer); } return; }
    if (facilityLayer) { facilityLayer.addTo(map); return; }
    fetch(el.getAttribute("data-facilities-url")).then(function (r) { return r.json(); }).then(function (data) {
      facilityLayer = L.geoJSON(data, { pointToLayer: facilityMarker }).addTo(map);
      el.setAttribute("data-facilities", String(data.features.length));
    });
  });

  select.addEventListener("change", function () { choose(select.value); });
  var links = document.querySelectorAll("[data-kecamatan-link]");
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener("click", function (event) {
      event.preventDefault();
      choose(this.getAttribute("data-kecamatan-link"));
    });
  }

  load(select.value);
})();
