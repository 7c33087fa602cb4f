// MRP workbench: select all planned orders; collapse / expand supply-tree branches.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll("input[name=" + box.dataset.selectAll + "]").forEach(function (c) { c.checked = box.checked; });
    });
  });
  document.querySelectorAll(".tree-toggle").forEach(function (b) {
    b.addEventListener("click", function () {
      var id = b.dataset.node, open = b.textContent.trim() === "▾";
      b.textContent = open ? "▸" : "▾";
      document.querySelectorAll('#supply-tree tr[data-parent^="' + id + '"]').forEach(function (tr) {
        tr.style.display = open ? "none" : "";
      });
    });
  });
});
