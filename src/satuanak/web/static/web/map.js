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

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function colourOf(code) {
    return (kecamatan[code] && kecamatan[code].warna) || "#999999";
  }

  function styleOf(feature) {
    return {
      color: "#ffffff",
      weight: 1,
      opacity: 1,
      fillColor: colourOf(feature.properties.kecamatan_kode),
      fillOpacity: 0.75
    };
  }

  function onEachFeature(feature, layer) {
    var p = feature.properties;
    var jenis = p.jenis === "kelurahan" ? "Kelurahan" : "Desa";
    layer.bindTooltip(
      '<div class="desa-tip"><strong>' + jenis + " " + escapeHtml(p.nama) + "</strong>" +
      '<span class="code">' + escapeHtml(p.kode) + "</span><br>Kecamatan " + escapeHtml(p.kecamatan) + "</div>",
      { sticky: true }
    );
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
