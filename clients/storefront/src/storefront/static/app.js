// Shopkit storefront: small progressive enhancements. Every page works without them.
// Only same-origin /api/... paths are called (the page is served through the gateway).
"use strict";

(function () {
  function onReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // Forms marked data-autosubmit submit when one of their selects or checkboxes changes.
  function autosubmit() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function (event) {
        if (event.target.matches("select, input[type=checkbox]")) form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
  }

  // Forms marked data-once can be sent once (the checkout also has an Idempotency-Key).
  function submitOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (!button) return;
        setTimeout(function () {
          button.disabled = true;
          button.setAttribute("aria-busy", "true");
        }, 0);
      });
    });
  }

  // Search suggestions as you type: an ARIA combobox with a listbox of options.
  function suggestions() {
    var input = document.getElementById("search-q");
    var list = document.getElementById("search-suggestions");
    if (!input || !list) return;
    var timer = null;
    var active = -1;
    var latest = 0;

    function options() { return list.querySelectorAll("[role=option]"); }
    function close() {
      list.hidden = true;
      list.innerHTML = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
    }
    function choose(text) {
      input.value = text;
      close();
      input.form.submit();
    }
    function show(words) {
      list.innerHTML = "";
      active = -1;
      words.forEach(function (word, i) {
        var item = document.createElement("li");
        item.id = "suggestion-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = word;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(word); });
        list.appendChild(item);
      });
      list.hidden = words.length === 0;
      input.setAttribute("aria-expanded", words.length ? "true" : "false");
    }
    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      var ticket = ++latest;
      fetch("/api/search/suggest?q=" + encodeURIComponent(q), { headers: { accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (body) { if (ticket === latest) show((body.suggestions || []).slice(0, 8)); })
        .catch(close);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(options()[active].textContent); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  // Product page: the chosen variant's price and stock, and stock kept live over SSE.
  function product() {
    var form = document.querySelector("form[data-stream-skus]");
    if (!form) return;
    var select = document.getElementById("variant");
    var price = document.querySelector("[data-testid=price]");
    var stock = document.querySelector("[data-testid=stock]");
    var quantity = document.getElementById("quantity");
    var button = form.querySelector("button[type=submit]");

    function selected() { return select.options[select.selectedIndex]; }
    function render() {
      var option = selected();
      var available = parseInt(option.dataset.available, 10) || 0;
      price.textContent = option.dataset.price;
      stock.textContent = available > 0 ? available + " in stock" : "Out of stock";
      stock.classList.toggle("out", available <= 0);
      stock.dataset.stockFor = option.value;
      button.disabled = available <= 0;
      quantity.max = String(Math.max(1, Math.min(99, available)));
    }
    select.addEventListener("change", render);
    render();

    if (!window.EventSource) return;
    var skus = form.dataset.streamSkus;
    if (!skus) return;
    var source = new EventSource("/api/inventory/stream?skus=" + encodeURIComponent(skus));
    source.onmessage = function (event) {
      var update;
      try { update = JSON.parse(event.data); } catch (e) { return; }
      Array.prototype.forEach.call(select.options, function (option) {
        if (option.value === update.sku) option.dataset.available = String(update.available);
      });
      if (selected().value === update.sku) render();
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  // Order page: ask the storefront's status endpoint until the order is settled. With the
  // order's ETag the endpoint holds its answer until the order changes (or 304 after 20 s),
  // so the next status shows the moment it happens; without one, ask once a second.
  function orderStatus() {
    var section = document.querySelector("[data-order-status-url]");
    if (!section || section.hasAttribute("data-settled")) return;
    var url = section.dataset.orderStatusUrl;
    var statusEl = section.querySelector("[data-testid=order-status]");
    var messageEl = section.querySelector("[data-order-message]");
    var waiting = section.querySelector("[data-order-waiting]");
    var historyEl = document.querySelector("[data-order-history]");
    var started = Date.now();
    var delay = 1000;
    var etag = section.dataset.orderEtag || null;

    function renderHistory(history) {
      if (!historyEl) return;
      historyEl.innerHTML = "";
      history.forEach(function (change) {
        var item = document.createElement("li");
        var label = document.createElement("strong");
        label.textContent = change.label;
        var detail = document.createElement("span");
        detail.className = "muted";
        detail.textContent = " " + change.reason + " · " + change.at;
        item.appendChild(label);
        item.appendChild(detail);
        historyEl.appendChild(item);
      });
    }
    function apply(view) {
      if (statusEl.dataset.status !== view.status) {
        statusEl.textContent = view.status;
        statusEl.dataset.status = view.status;
        statusEl.className = "status status-" + view.status;
      }
      renderHistory(view.history || []);
      if (view.message && !messageEl.querySelector("[role=alert]")) {
        var alert = document.createElement("p");
        alert.className = "flash flash-error";
        alert.setAttribute("role", "alert");
        alert.textContent = view.message;
        messageEl.appendChild(alert);
      }
      if (view.settled && waiting) waiting.hidden = true;
      var cancel = document.querySelector("[data-cancel-form]");
      if (cancel && !view.cancellable) cancel.hidden = true;
    }
    function poll() {
      var headers = { accept: "application/json" };
      if (etag) headers["if-none-match"] = etag;
      fetch(url, { headers: headers, cache: "no-store" })
        .then(function (response) {
          if (response.status === 304) return null;
          if (!response.ok) throw new Error(String(response.status));
          etag = response.headers.get("etag");
          return response.json();
        })
        .then(function (view) {
          delay = 1000;
          if (view) apply(view);
          if (!view || !view.settled) schedule(etag ? 0 : delay);
        })
        .catch(function () { delay = Math.min(delay * 2, 8000); schedule(delay); });
    }
    function schedule(after) {
      if (Date.now() - started < 20 * 60 * 1000) setTimeout(poll, after);
    }
    schedule(etag ? 0 : delay);
  }

  onReady(function () {
    autosubmit();
    submitOnce();
    suggestions();
    product();
    orderStatus();
  });
})();

// Product photos that cannot load (offline, removed) fall back to the placeholder; alt stays.
(function () {
  var placeholder = "/static/placeholder.svg";
  function fallback(img) {
    if (img.tagName === "IMG" && img.src.indexOf(placeholder) === -1) img.src = placeholder;
  }
  document.addEventListener("error", function (event) { fallback(event.target); }, true);
  window.addEventListener("load", function () {
    document.querySelectorAll("img").forEach(function (img) {
      if (img.complete && img.naturalWidth === 0) fallback(img);
    });
  });
})();
