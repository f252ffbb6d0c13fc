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
