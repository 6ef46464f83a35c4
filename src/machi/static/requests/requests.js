/* The residents' requests pages: the description's counter, the map (Leaflet, vendored) and the 流用
   reason shown when an expenditure goes past the fund's money left. Every page works without it: the
   address field takes the place of the map, and the server checks everything again. */
(function () {
  "use strict";

  function digits(text) {
    return (text || "").replace(/[０-９]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/[,，円\s]/g, "");
  }

  function counters() {
    document.querySelectorAll("[data-counter-for]").forEach(function (out) {
      var field = document.getElementById(out.getAttribute("data-counter-for"));
      var max = parseInt(out.getAttribute("data-max"), 10);
      if (!field || !max) return;
      var show = function () {
        var left = max - field.value.length;
        out.textContent = field.value.length + " / " + max;
        out.classList.toggle("counter--over", left < 0);
      };
      out.hidden = false;
      field.addEventListener("input", show);
      show();
    });
  }

  function overdraw() {
    document.querySelectorAll("[data-overdraw][data-left]").forEach(function (box) {
      var form = box.closest("form");
      var amount = form && form.querySelector("input[name=amount_yen]");
      var left = parseInt(box.getAttribute("data-left"), 10);
      if (!amount || isNaN(left)) return;
      var show = function () {
        var yen = parseInt(digits(amount.value), 10);
        box.hidden = !(yen > left);
      };
      amount.addEventListener("input", show);
      show();
    });
  }

  function escape(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function tiles(el, map) {
    var attribution = escape(el.getAttribute("data-attribution") || "");
    var url = el.getAttribute("data-attribution-url");
    if (url) attribution = '<a href="' + escape(url) + '">' + attribution + "</a>";
    L.tileLayer(el.getAttribute("data-tiles"), { maxZoom: 18, attribution: attribution }).addTo(map);
  }

  function showPoints(el, map) {
    var source = document.getElementById(el.getAttribute("data-points"));
    var points = source ? JSON.parse(source.textContent) : [];
    var bounds = [];
    points.forEach(function (point) {
      var at = [parseFloat(point.lat), parseFloat(point.lon)];
      var title = point.label + (point.category ? " " + point.category : "") + (point.status ? " " + point.status : "");
      var marker = L.marker(at, { title: title, alt: title }).addTo(map);
      if (point.url) {
        marker.bindPopup('<a href="' + escape(point.url) + '">' + escape(point.label) + "</a><br>" +
          escape(point.category || "") + " " + escape(point.status || ""));
      }
      bounds.push(at);
    });
    if (bounds.length === 1) map.setView(bounds[0], 16);
    else if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
  }

  function pickPoint(el, map) {
    var form = el.closest("form");
    var lat = form.querySelector("[data-map-lat]");
    var lon = form.querySelector("[data-map-lon]");
    var tools = form.querySelector("[data-map-tools]");
    var chosen = form.querySelector("[data-map-chosen]");
    var label = el.getAttribute("data-label-pin");
    var marker = null;
    if (tools) tools.hidden = false;

    var say = function (key) {
      if (chosen && chosen.getAttribute("data-text-" + key)) chosen.textContent = chosen.getAttribute("data-text-" + key);
    };
    var set = function (at, move) {
      lat.value = at.lat.toFixed(6);
      lon.value = at.lng.toFixed(6);
      if (!marker) {
        marker = L.marker(at, { draggable: true, title: label, alt: label }).addTo(map);
        marker.on("dragend", function () { set(marker.getLatLng(), false); });
      } else {
        marker.setLatLng(at);
      }
      if (move) map.panTo(at);
      say("chosen");
    };
    if (lat.value && lon.value) {
      var start = L.latLng(parseFloat(lat.value), parseFloat(lon.value));
      set(start, false);
      map.setView(start, 17);
    }
    map.on("click", function (event) { set(event.latlng, false); });

    var locate = form.querySelector("[data-map-locate]");
    if (locate) {
      if (!navigator.geolocation) locate.hidden = true;
      locate.addEventListener("click", function () {
        say("locating");
        navigator.geolocation.getCurrentPosition(function (position) {
          set(L.latLng(position.coords.latitude, position.coords.longitude), true);
          map.setZoom(17);
        }, function () { say("failed"); }, { enableHighAccuracy: true, timeout: 15000 });
      });
    }
    var clear = form.querySelector("[data-map-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        lat.value = "";
        lon.value = "";
        if (marker) { map.removeLayer(marker); marker = null; }
        say("none");
      });
    }
  }

  function maps() {
    if (!window.L) return;
    document.querySelectorAll("[data-map-mode]").forEach(function (el) {
      el.hidden = false;
      var map = L.map(el, { scrollWheelZoom: false }).setView(
        [parseFloat(el.getAttribute("data-lat")), parseFloat(el.getAttribute("data-lon"))], 14);
      tiles(el, map);
      if (el.getAttribute("data-map-mode") === "pick") pickPoint(el, map);
      else showPoints(el, map);
    });
  }

  counters();
  overdraw();
  maps();
})();
