// Kitting analysis: drag demand rows into the order the planner wants them served
// (writes the document numbers into the manual-order field and selects the manual priority).
(function () {
  const tbody = document.querySelector("#kitting-table tbody");
  const field = document.getElementById("k-order");
  const priority = document.getElementById("k-priority");
  if (!tbody || !field || !priority) return;
  let dragged = null;
  tbody.querySelectorAll("tr.demand-row").forEach(function (tr) {
    tr.draggable = true;
    tr.addEventListener("dragstart", function () { dragged = tr; });
    tr.addEventListener("dragover", function (e) { e.preventDefault(); });
    tr.addEventListener("drop", function (e) {
      e.preventDefault();
      if (!dragged || dragged === tr) return;
      const detail = dragged.nextElementSibling;
      tbody.insertBefore(dragged, tr);
      tbody.insertBefore(detail, tr);
      field.value = Array.from(tbody.querySelectorAll("tr.demand-row")).map(function (r) {
        return r.dataset.demand;
      }).join("\n");
      priority.value = "manual";
    });
  });
})();
