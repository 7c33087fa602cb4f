// The line grid of every document with lines (erp/linegrid.py, erp/_line_grid.html).
// No inline JavaScript (the Content-Security-Policy allows only our files): everything is wired
// here from data attributes.
//
// - add / remove / duplicate a line; the names keep the Django formset form (lines-0-item …)
//   and lines-TOTAL_FORMS follows the rows;
// - item lookup by number, name or pinyin initials (data-lookup-url), arrows + Enter to pick;
// - unit, price and tax rate filled from the document's defaults (?lg=defaults), editable: a
//   value the user typed is never overwritten;
// - line and document totals computed exactly (BigInt decimals, half-up to the cent, the rule
//   of the server: amount = round(qty × price × (1 − discount)), tax = round(amount × rate));
//   summed columns (data-lg-sum: a voucher's debit and credit) and their difference (data-lg-diff);
// - Enter moves like Tab; leaving the last cell of the last line adds a new line; Ctrl+Enter saves;
// - the server validates the cells the user touched (POST with X-Line-Grid: validate, never
//   saves) and the message appears in the cell.
(function () {
  "use strict";

  // --- exact decimals -----------------------------------------------------------------------
  function parseDec(text) {
    var s = String(text == null ? "" : text).trim().replace(/,/g, "");
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return null;
    var neg = s[0] === "-";
    s = s.replace(/^[+-]/, "");
    var parts = s.split(".");
    var frac = parts[1] || "";
    return { n: BigInt((parts[0] || "0") + frac) * (neg ? -1n : 1n), s: frac.length };
  }
  function pow10(k) { return 10n ** BigInt(k); }
  function roundTo(n, scale, places) {
    // n / 10^scale rounded half-up (away from zero) to `places` decimals -> BigInt at `places`
    if (scale <= places) return n * pow10(places - scale);
    var d = pow10(scale - places);
    var neg = n < 0n;
    var a = neg ? -n : n;
    var q = a / d, r = a % d;
    if (r * 2n >= d) q += 1n;
    return neg ? -q : q;
  }
  function fmtCents(c) {
    var neg = c < 0n;
    var a = neg ? -c : c;
    var whole = (a / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = (a % 100n).toString().padStart(2, "0");
    return (neg ? "-" : "") + whole + "." + cents;
  }
  function fmtQty(n, scale) {
    // trailing zeros dropped, thousands separators
    var neg = n < 0n, a = neg ? -n : n;
    var str = a.toString().padStart(scale + 1, "0");
    var whole = str.slice(0, str.length - scale) || "0";
    var frac = scale ? str.slice(str.length - scale).replace(/0+$/, "") : "";
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg ? "-" : "") + whole + (frac ? "." + frac : "");
  }

  function debounce(fn, ms) {
    var t = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function Grid(root) {
    this.root = root;
    this.form = root.closest("form");
    this.prefix = root.getAttribute("data-prefix");
    this.body = root.querySelector("[data-lg-body]");
    this.template = root.querySelector("template[data-lg-template]");
    this.total = root.querySelector("input[name='" + this.prefix + "-TOTAL_FORMS']");
    this.lookupUrl = root.getAttribute("data-lookup-url");
    this.defaultsUrl = root.getAttribute("data-defaults-url");
    this.amounts = root.getAttribute("data-amounts") === "1";
    this.msgNone = root.getAttribute("data-msg-none") || "";
    this.validateSoon = debounce(this.validate.bind(this), 350);
    this.bind();
    this.renumber();
    this.rows().forEach(function (row) { this.computeRow(row); }, this);
    this.computeTotals();
    this.computeHeaderAmount();
  }

  Grid.prototype.rows = function () {
    return Array.prototype.slice.call(this.body.querySelectorAll("tr[data-lg-row]"));
  };
  Grid.prototype.cells = function (row) {
    return Array.prototype.slice.call(row.querySelectorAll("input:not([type=hidden]), select, textarea"));
  };
  Grid.prototype.role = function (row, role) {
    return row.querySelector("[data-lg-role='" + role + "']");
  };
  Grid.prototype.isBlank = function (row) {
    var item = this.role(row, "item"), qty = this.role(row, "qty");
    return !(item && item.value.trim()) && !(qty && qty.value.trim());
  };

  Grid.prototype.renumber = function () {
    var prefix = this.prefix;
    var re = new RegExp("^(id_)?" + prefix + "-(\\d+|__prefix__)-");
    this.rows().forEach(function (row, i) {
      row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v && re.test(v)) el.setAttribute(attr, v.replace(re, "$1" + prefix + "-" + i + "-"));
        });
      });
      var no = row.querySelector("[data-lg-no]");
      if (no) no.textContent = String(i + 1);
    });
    if (this.total) this.total.value = String(this.rows().length);
  };

  Grid.prototype.newRow = function (after) {
    var frag = this.template.content.cloneNode(true);
    var row = frag.querySelector("tr[data-lg-row]");
    if (after && after.nextSibling) this.body.insertBefore(frag, after.nextSibling);
    else if (after) this.body.appendChild(frag);
    else this.body.appendChild(frag);
    this.renumber();
    this.computeRow(row);
    return row;
  };

  Grid.prototype.duplicate = function (row) {
    var copy = this.newRow(row);
    var src = this.cells(row), dst = this.cells(copy);
    src.forEach(function (el, i) {
      if (!dst[i]) return;
      dst[i].value = el.value;
      if (el.hasAttribute("data-lg-touched")) dst[i].setAttribute("data-lg-touched", "");
      if (el.hasAttribute("data-lg-auto")) dst[i].setAttribute("data-lg-auto", "");
    });
    ["[data-lg-item-name]", "[data-lg-uom]"].forEach(function (sel) {
      var a = row.querySelector(sel), b = copy.querySelector(sel);
      if (a && b) b.textContent = a.textContent;
    });
    this.computeRow(copy);
    this.computeTotals();
    var first = this.cells(copy)[0];
    if (first) first.focus();
  };

  Grid.prototype.remove = function (row) {
    var rows = this.rows();
    var next = row.nextElementSibling || row.previousElementSibling;
    if (rows.length === 1) {
      this.cells(row).forEach(function (el) { el.value = ""; el.removeAttribute("data-lg-touched"); });
      ["[data-lg-item-name]", "[data-lg-uom]"].forEach(function (sel) {
        var el = row.querySelector(sel); if (el) el.textContent = "";
      });
      this.clearErrors(row);
      next = row;
    } else {
      row.parentNode.removeChild(row);
      this.renumber();
    }
    this.computeTotals();
    this.validateSoon();
    var focus = next && this.cells(next)[0];
    if (focus) focus.focus();
  };

  // --- amounts ---------------------------------------------------------------------------------
  Grid.prototype.computeRow = function (row) {
    if (!this.amounts) return;
    var q = parseDec((this.role(row, "qty") || {}).value);
    var p = parseDec((this.role(row, "price") || {}).value);
    var taxEl = this.role(row, "tax"), discEl = this.role(row, "discount");
    var t = taxEl ? parseDec(taxEl.value || "0") : { n: 0n, s: 0 };
    var d = discEl ? parseDec(discEl.value || "0") : { n: 0n, s: 0 };
    var out = ["", "", ""];
    row._cents = null;
    if (q && p && t && d) {
      // base = qty × price × (100 − discount%) / 100
      var hundred = 100n * pow10(d.s);
      var base = roundTo(q.n * p.n * (hundred - d.n), q.s + p.s + d.s + 2, 2);
      var tax = roundTo(base * t.n, 2 + t.s + 2, 2);
      row._cents = [base, tax, base + tax];
      out = [fmtCents(base), fmtCents(tax), fmtCents(base + tax)];
    }
    var a = row.querySelector("[data-lg-amount]"), x = row.querySelector("[data-lg-tax]"),
      g = row.querySelector("[data-lg-gross]");
    if (a) a.textContent = out[0];
    if (x) x.textContent = out[1];
    if (g) g.textContent = out[2];
  };

  Grid.prototype.computeTotals = function () {
    var sums = [0n, 0n, 0n], qty = 0n, qScale = 0, qtyOk = true, self = this;
    this.rows().forEach(function (row) {
      if (row._cents) for (var i = 0; i < 3; i++) sums[i] += row._cents[i];
      var q = parseDec((self.role(row, "qty") || {}).value);
      if (q) {
        if (q.s > qScale) { qty *= pow10(q.s - qScale); qScale = q.s; }
        qty += q.n * pow10(qScale - q.s);
      } else if ((self.role(row, "qty") || {}).value) qtyOk = false;
    });
    var set = function (name, text) {
      var el = self.root.querySelector("[data-lg-total='" + name + "']");
      if (el) el.textContent = text;
    };
    if (this.amounts) {
      set("amount", fmtCents(sums[0]));
      set("tax", fmtCents(sums[1]));
      set("gross", fmtCents(sums[2]));
    }
    set("qty", qtyOk ? fmtQty(qty, qScale) : "");
    // summed columns (a voucher's debit and credit) to the cent, and a pair's difference
    var cents = {};
    this.root.querySelectorAll("[data-lg-sum]").forEach(function (el) {
      var name = el.getAttribute("data-lg-sum"), sum = 0n, ok = true;
      self.rows().forEach(function (row) {
        var input = row.querySelector("[data-lg-col='" + name + "']");
        var v = input && input.value.trim() ? parseDec(input.value) : { n: 0n, s: 0 };
        if (v) sum += roundTo(v.n, v.s, 2); else ok = false;
      });
      cents[name] = ok ? sum : null;
      el.textContent = ok ? fmtCents(sum) : "";
    });
    this.root.querySelectorAll("[data-lg-diff]").forEach(function (el) {
      var pair = el.getAttribute("data-lg-diff").split(",");
      var a = cents[pair[0]], b = cents[pair[1]];
      var known = a !== undefined && a !== null && b !== undefined && b !== null;
      el.textContent = known ? fmtCents(a - b) : "";
      el.classList.toggle("text-danger", !known || a !== b);
      el.classList.toggle("text-success", known && a === b);
    });
  };

  // a header amount (an outsourcing order's processing fee: quantity × unit fee with tax), exact as
  // the lines; a blank price shows the box's message (the server fills it, e.g. from a price list)
  Grid.prototype.computeHeaderAmount = function () {
    var box = this.form && this.form.querySelector("[data-lg-header-amount]");
    if (!box) return;
    var names = box.getAttribute("data-lg-header-amount").split(","), form = this.form;
    var value = function (name) { var el = form.elements[name]; return el ? el.value : ""; };
    var q = parseDec(value(names[0])), priceText = value(names[1]).trim();
    var p = parseDec(priceText), t = parseDec(value(names[2]).trim() || "0");
    var out = ["", "", ""];
    if (q && p && t) {
      var base = roundTo(q.n * p.n, q.s + p.s, 2), tax = roundTo(base * t.n, 2 + t.s + 2, 2);
      out = [fmtCents(base), fmtCents(tax), fmtCents(base + tax)];
    } else if (!priceText) {
      out[0] = box.getAttribute("data-msg-blank") || "";
    }
    ["amount", "tax", "gross"].forEach(function (part, i) {
      var el = box.querySelector("[data-lg-h='" + part + "']");
      if (el) el.textContent = out[i];
    });
  };

  // --- item lookup -------------------------------------------------------------------------------
  Grid.prototype.suggest = function (input) {
    var box = input.parentNode.querySelector("[data-lg-suggest]");
    var q = input.value.trim(), self = this;
    if (!q || !this.lookupUrl) { this.closeSuggest(box); return; }
    var url = this.lookupUrl + (this.lookupUrl.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q);
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) {
        if (input.value.trim() !== q) return; // typed on meanwhile
        self.showSuggest(input, box, data.items || []);
      })
      .catch(function () { self.closeSuggest(box); });
  };

  Grid.prototype.showSuggest = function (input, box, items) {
    var self = this;
    box.innerHTML = "";
    if (!items.length) {
      var none = document.createElement("div");
      none.className = "list-group-item small text-secondary";
      none.textContent = this.msgNone;
      box.appendChild(none);
    }
    items.forEach(function (it, i) {
      var b = document.createElement("button");
      b.type = "button";
      b.tabIndex = -1;
      b.className = "list-group-item list-group-item-action py-1 small" + (i === 0 ? " active" : "");
      b.setAttribute("role", "option");
      b.setAttribute("data-code", it.code);
      var code = document.createElement("strong");
      code.textContent = it.code;
      b.appendChild(code);
      b.appendChild(document.createTextNode(" " + it.name + (it.spec ? " · " + it.spec : "") + (it.uom ? " (" + it.uom + ")" : "")));
      b._item = it;
      b.addEventListener("mousedown", function (e) { e.preventDefault(); self.pick(input, it); });
      box.appendChild(b);
    });
    box.classList.remove("d-none");
    input._suggest = items;
  };

  Grid.prototype.closeSuggest = function (box) {
    if (!box) return;
    box.classList.add("d-none");
    box.innerHTML = "";
  };

  Grid.prototype.moveSuggest = function (box, delta) {
    var opts = Array.prototype.slice.call(box.querySelectorAll("[data-code]"));
    if (!opts.length) return;
    var i = opts.findIndex(function (o) { return o.classList.contains("active"); });
    if (i >= 0) opts[i].classList.remove("active");
    i = Math.max(0, Math.min(opts.length - 1, i + delta));
    opts[i].classList.add("active");
    opts[i].scrollIntoView({ block: "nearest" });
  };

  Grid.prototype.pick = function (input, it) {
    var row = input.closest("tr[data-lg-row]");
    input.value = it.code;
    input._picked = it.code;
    input.setAttribute("data-lg-touched", "");
    var name = row.querySelector("[data-lg-item-name]");
    if (name) name.textContent = it.name + (it.spec ? " · " + it.spec : "");
    var uom = row.querySelector("[data-lg-uom]");
    if (uom) uom.textContent = it.uom || "";
    this.closeSuggest(input.parentNode.querySelector("[data-lg-suggest]"));
    this.showError(input, []);
    this.fillDefaults(row, true);
  };

  Grid.prototype.checkItem = function (input) {
    // the user typed a number and left the cell without picking: look it up exactly
    var code = input.value.trim(), self = this;
    var row = input.closest("tr[data-lg-row]");
    if (!code) {
      var n = row.querySelector("[data-lg-item-name]"); if (n) n.textContent = "";
      var u = row.querySelector("[data-lg-uom]"); if (u) u.textContent = "";
      return;
    }
    if (input._picked === code || !this.lookupUrl) return;
    var url = this.lookupUrl + (this.lookupUrl.indexOf("?") < 0 ? "?" : "&") + "exact=1&q=" + encodeURIComponent(code);
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) {
        if (input.value.trim() !== code) return;
        var it = (data.items || [])[0];
        if (it) self.pick(input, it);
        else self.validateSoon();
      });
  };

  // --- defaults ----------------------------------------------------------------------------------
  Grid.prototype.headerParams = function () {
    var params = new URLSearchParams();
    var root = this.root;
    Array.prototype.forEach.call(this.form.elements, function (el) {
      if (!el.name || root.contains(el) || el.type === "submit" || el.type === "button") return;
      if (el.name === "csrfmiddlewaretoken" || el.name === "_submit_token") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      params.append(el.name, el.value);
    });
    return params;
  };

  Grid.prototype.fillDefaults = function (row, itemChanged) {
    var item = this.role(row, "item");
    if (!item || !item.value.trim() || !this.defaultsUrl) return;
    var params = this.headerParams();
    params.set("lg", "defaults");
    params.set("item", item.value.trim());
    var qty = this.role(row, "qty");
    if (qty && qty.value.trim()) params.set("qty", qty.value.trim());
    var self = this;
    var ask = (row._ask = (row._ask || 0) + 1);
    // a later request (the quantity left) supersedes an earlier one (the item picked): it must
    // still apply the item's defaults when the earlier answer was dropped
    if (itemChanged) row._pendingItem = true;
    var forItem = !!row._pendingItem;
    fetch(this.defaultsUrl + "?" + params.toString(), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { values: {} }; })
      .then(function (data) {
        if (ask !== row._ask) return;
        row._pendingItem = false;
        var values = data.values || {};
        Object.keys(values).forEach(function (name) {
          var el = row.querySelector("[data-lg-col='" + name + "']");
          if (!el) return;
          // a value the user typed stays; defaults replace empty and earlier defaults
          if (el.value.trim() && el.hasAttribute("data-lg-touched") && !el.hasAttribute("data-lg-auto")) return;
          if (!forItem && el.value.trim() && !el.hasAttribute("data-lg-auto")) return;
          el.value = values[name];
          el.setAttribute("data-lg-auto", "");
          el.removeAttribute("data-lg-touched");
        });
        self.computeRow(row);
        self.computeTotals();
        self.validateSoon();
      });
  };

  // --- validation by the server -------------------------------------------------------------------
  Grid.prototype.errorBox = function (el) {
    var cell = el.closest("td");
    if (cell) return cell.querySelector("[data-lg-error]");
    var wrap = el.closest(".mb-3") || el.parentNode;
    var box = wrap.querySelector("[data-lg-error]");
    if (!box) {
      box = document.createElement("div");
      box.className = "invalid-feedback";
      box.setAttribute("data-lg-error", "");
      wrap.appendChild(box);
    }
    return box;
  };

  Grid.prototype.showError = function (el, msgs) {
    var box = this.errorBox(el);
    if (msgs && msgs.length) {
      el.classList.add("is-invalid");
      if (box) { box.textContent = msgs.join(" "); box.classList.add("d-block"); }
    } else {
      el.classList.remove("is-invalid");
      if (box) { box.textContent = ""; box.classList.remove("d-block"); }
    }
  };

  Grid.prototype.clearErrors = function (row) {
    this.cells(row).forEach(function (el) { this.showError(el, []); }, this);
  };

  Grid.prototype.validate = function () {
    var data = new FormData(this.form);
    data.delete("_submit_token");
    var token = data.get("csrfmiddlewaretoken") || "";
    var self = this;
    // the answer is shown only if it is the latest and only for cells not typed in meanwhile
    var seq = (this._validateSeq = (this._validateSeq || 0) + 1);
    var sent = {};
    Array.prototype.forEach.call(this.form.elements, function (el) { if (el.name) sent[el.name] = el.value; });
    fetch(this.form.getAttribute("action") || window.location.pathname, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Line-Grid": "validate", "X-CSRFToken": token, "Accept": "application/json" },
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (res) {
        if (!res || seq !== self._validateSeq) return;
        var errors = res.errors || {};
        Array.prototype.forEach.call(self.form.elements, function (el) {
          if (!el.name || !el.hasAttribute("data-lg-touched")) return;
          if (sent[el.name] !== el.value) return;
          self.showError(el, errors[el.name] || []);
        });
        var live = self.root.querySelector("[data-lg-live-errors]");
        if (live) {
          live.textContent = (res.non_field || []).join(" ");
          live.classList.toggle("d-none", !(res.non_field || []).length);
        }
      })
      .catch(function () {});
  };

  // --- keyboard and events -----------------------------------------------------------------------
  Grid.prototype.focusNext = function (el) {
    var row = el.closest("tr[data-lg-row]");
    if (!row) {
      // a header field: the next header field, else the first cell of the grid
      var all = Array.prototype.slice.call(this.form.querySelectorAll("input:not([type=hidden]), select"))
        .filter(function (x) { return !x.disabled && x.offsetParent !== null; });
      var i = all.indexOf(el);
      if (i >= 0 && all[i + 1]) all[i + 1].focus();
      return;
    }
    var cells = this.cells(row), k = cells.indexOf(el);
    if (k < cells.length - 1) { cells[k + 1].focus(); selectText(cells[k + 1]); return; }
    var next = row.nextElementSibling;
    if (!next) {
      if (this.isBlank(row)) { var save = this.form.querySelector("[data-lg-save]"); if (save) save.focus(); return; }
      next = this.newRow(row);
    }
    var first = this.cells(next)[0];
    if (first) first.focus();
  };

  function selectText(el) {
    if (el && el.select && el.tagName === "INPUT") { try { el.select(); } catch (e) { /* date inputs */ } }
  }

  Grid.prototype.bind = function () {
    var self = this, root = this.root, form = this.form;

    root.addEventListener("click", function (e) {
      var t = e.target;
      var add = t.closest("[data-lg-add]");
      if (add) { var last = self.rows().slice(-1)[0]; var r = self.newRow(last); var f = self.cells(r)[0]; if (f) f.focus(); return; }
      var dup = t.closest("[data-lg-dup]");
      if (dup) { self.duplicate(dup.closest("tr[data-lg-row]")); return; }
      var rm = t.closest("[data-lg-remove]");
      if (rm) { self.remove(rm.closest("tr[data-lg-row]")); }
    });

    var suggestSoon = debounce(function (input) { self.suggest(input); }, 180);
    form.addEventListener("input", function (e) {
      var el = e.target;
      if (!el.name) return;
      el.setAttribute("data-lg-touched", "");
      el.removeAttribute("data-lg-auto");
      var row = el.closest("tr[data-lg-row]");
      if (row && root.contains(row)) {
        if (el.getAttribute("data-lg-role") === "item") { el._picked = null; suggestSoon(el); }
        self.computeRow(row);
        self.computeTotals();
      } else if (!root.contains(el)) {
        self.computeHeaderAmount();
      }
    });

    form.addEventListener("change", function (e) {
      var el = e.target;
      if (!el.name) return;
      el.setAttribute("data-lg-touched", "");
      var row = el.closest("tr[data-lg-row]");
      if (row && root.contains(row)) {
        var role = el.getAttribute("data-lg-role");
        if (role === "item") { self.checkItem(el); return; }
        if (role === "qty") {
          var price = self.role(row, "price");
          if (price && (price.hasAttribute("data-lg-auto") || !price.value.trim())) self.fillDefaults(row, false);
        }
      } else if (!root.contains(el)) {
        // a header field (customer, supplier, date …): prices that came from defaults follow it
        self.rows().forEach(function (r) {
          var p = self.role(r, "price");
          if (p && p.hasAttribute("data-lg-auto")) self.fillDefaults(r, false);
        });
      }
      self.validateSoon();
    });

    form.addEventListener("focusout", function (e) {
      var el = e.target;
      if (el.getAttribute && el.getAttribute("data-lg-role") === "item") {
        var box = el.parentNode.querySelector("[data-lg-suggest]");
        setTimeout(function () { self.closeSuggest(box); }, 150);
      }
    });

    form.addEventListener("keydown", function (e) {
      var el = e.target;
      if (!el.name && !el.matches("input, select")) return;
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
        return;
      }
      var isItem = el.getAttribute("data-lg-role") === "item";
      var box = isItem ? el.parentNode.querySelector("[data-lg-suggest]") : null;
      var open = box && !box.classList.contains("d-none") && box.querySelector("[data-code]");
      if (open && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
        e.preventDefault();
        self.moveSuggest(box, e.key === "ArrowDown" ? 1 : -1);
        return;
      }
      if (open && e.key === "Escape") { e.preventDefault(); self.closeSuggest(box); return; }
      if (e.key === "Enter" && el.tagName !== "TEXTAREA" && el.type !== "submit" && el.tagName !== "BUTTON") {
        e.preventDefault();
        if (open) {
          var act = box.querySelector("[data-code].active") || box.querySelector("[data-code]");
          self.pick(el, act._item);
        }
        self.focusNext(el);
        return;
      }
      if (e.key === "Tab" && !e.shiftKey && open) {
        var a2 = box.querySelector("[data-code].active") || box.querySelector("[data-code]");
        self.pick(el, a2._item);
      }
      if (e.key === "Tab" && !e.shiftKey) {
        var row = el.closest("tr[data-lg-row]");
        if (row && root.contains(row) && !row.nextElementSibling) {
          var cells = self.cells(row);
          if (cells.indexOf(el) === cells.length - 1 && !self.isBlank(row)) {
            e.preventDefault();
            var nr = self.newRow(row);
            var f = self.cells(nr)[0];
            if (f) f.focus();
          }
        }
      }
    });

    form.addEventListener("submit", function () {
      // blank lines are skipped by the server; drop trailing blank rows so the numbering stays short
      var rows = self.rows();
      for (var i = rows.length - 1; i > 0 && self.isBlank(rows[i]); i--) rows[i].parentNode.removeChild(rows[i]);
      self.renumber();
    });
  };

  function init() {
    document.querySelectorAll("[data-line-grid]").forEach(function (root) {
      if (!root._grid) root._grid = new Grid(root);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSwap", init);
})();
