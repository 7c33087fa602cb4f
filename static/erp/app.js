// Small behaviours without inline JavaScript (the Content-Security-Policy allows only our files):
// <select data-autosubmit> submits its form on change; <form data-confirm="..."> asks first;
// <button data-print> prints the page; <a data-back> goes back one page.
document.addEventListener("change", function (e) {
  var el = e.target;
  if (el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
});
document.addEventListener("submit", function (e) {
  var form = e.target;
  var text = form.getAttribute && form.getAttribute("data-confirm");
  if (text && !window.confirm(text)) { e.preventDefault(); }
}, true);
document.addEventListener("click", function (e) {
  var el = e.target.closest && e.target.closest("[data-print]");
  if (el) { e.preventDefault(); window.print(); }
  var back = e.target.closest && e.target.closest("[data-back]");
  if (back && window.history.length > 1) { e.preventDefault(); window.history.back(); }
});

// <body data-autoprint>: print views open the print dialog once loaded.
document.addEventListener("DOMContentLoaded", function () {
  if (document.body && document.body.hasAttribute("data-autoprint")) window.print();
});
