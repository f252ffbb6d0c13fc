// jianguan front-end glue. Pages work without it; it only adds comfort.
// Send the CSRF token with every htmx request (forms also carry it as a field).
document.addEventListener("htmx:configRequest", function (e) {
  var m = document.querySelector('meta[name="csrf-token"]');
  if (m && m.content) e.detail.headers["X-CSRF-Token"] = m.content;
});
// Toggle the navigation on narrow screens.
document.addEventListener("click", function (e) {
  var t = e.target.closest("[data-nav-toggle]");
  if (t) document.body.classList.toggle("nav-open");
});
// Check-in forms carry the phone's position when the user allows it; the
// form is sent either way (a refusal or a timeout leaves the place empty).
document.addEventListener("submit", function (e) {
  var f = e.target.closest("form[data-geo]");
  if (!f || f.dataset.located || !navigator.geolocation) return;
  e.preventDefault();
  var send = function () { f.dataset.located = "1"; f.submit(); };
  navigator.geolocation.getCurrentPosition(function (p) {
    f.elements.latitude.value = p.coords.latitude;
    f.elements.longitude.value = p.coords.longitude;
    send();
  }, send, { timeout: 5000, maximumAge: 60000 });
});
