// The door's camera: where the browser has a BarcodeDetector that reads QR codes, show the scan button;
// a code read fills the code field and sends the same form a typed code sends. Elsewhere nothing changes.
(function () {
  "use strict";
  var box = document.querySelector("[data-door-scan]");
  var form = document.getElementById("door-code-form");
  if (!box || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") === -1) {
      return;
    }
    box.hidden = false;
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var video = box.querySelector("video");
    var start = box.querySelector("[data-door-scan-start]");
    start.addEventListener("click", function () {
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (stream) {
          video.srcObject = stream;
          video.hidden = false;
          start.hidden = true;
          return video.play().then(function () {
            scan(stream);
          });
        })
        .catch(function () {
          start.hidden = false;
        });
    });

    function scan(stream) {
      detector
        .detect(video)
        .then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (track) {
              track.stop();
            });
            form.querySelector("input[name=code]").value = codes[0].rawValue;
            form.submit();
            return;
          }
          window.requestAnimationFrame(function () {
            scan(stream);
          });
        })
        .catch(function () {
          window.setTimeout(function () {
            scan(stream);
          }, 300);
        });
    }
  });
})();
