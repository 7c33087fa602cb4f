// Portal behaviours without inline JavaScript (CSP): an input with data-expected marks its
// row (closest [data-row]) with .differs when the typed value is not the expected one.
document.addEventListener("input", function (e) {
  var el = e.target;
  if (!el.matches || !el.matches("[data-expected]")) { return; }
  var row = el.closest("[data-row]") || el;
  var typed = (el.value || "").replace(/,/g, "").trim();
  var same = typed !== "" && Number(typed) === Number(el.getAttribute("data-expected"));
  row.classList.toggle("differs", !same);
});
