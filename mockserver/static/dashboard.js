// The live dashboard: polls the admin API's journal for new entries and shows the state of one API.
// Everything a client sent is shown with textContent, never parsed as HTML.
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("dashboard-config").textContent);
  var POLL_MS = 500;
  var CHECK_EVERY = 10; // polls between checks that the journal was not cleared or the mock restarted
  var SHOWN_FIELDS = ["seq", "time", "api", "operation_id", "method", "path", "query", "status",
    "duration_ms", "effects", "request", "response"];

  var TOKEN_KEY = "mockserver-admin-token"; // read by docs.js too; kept for this tab only
  var asked = false;
  var rows = []; // newest first: {entry, row, detail}
  var lastSeq = 0;
  var polls = 0;
  var paused = false;
  var stateApi = cfg.apis[0];
  var stateTimer = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "text") node.textContent = props[key];
      else if (key === "class") node.className = props[key];
      else node.setAttribute(key, props[key]);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function request(method, url) {
    var init = { method: method, headers: { Accept: "application/json" }, cache: "no-store",
      credentials: "same-origin" };
    if (method !== "GET") {
      init.headers["Content-Type"] = "application/json";
      if (method === "POST" || method === "PUT") init.body = "{}";
    }
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) init.headers.Authorization = "Bearer " + token;
    return fetch(url, init).then(function (response) {
      if (response.status === 401 && !asked) { // the mock was started with an admin token
        asked = true;
        var given = window.prompt("This mock's admin API needs its admin token (printed at start-up):");
        if (given) { sessionStorage.setItem(TOKEN_KEY, given.trim()); asked = false; return request(method, url); }
      }
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) throw new Error(body.message || (method + " " + url + ": " + response.status));
        return body;
      });
    });
  }

  // ---- the journal table ----

  function timeOf(entry) {
    var at = new Date(entry.time);
    if (isNaN(at.getTime())) return String(entry.time);
    var pad = function (n, width) { return String(n).padStart(width || 2, "0"); };
    return pad(at.getHours()) + ":" + pad(at.getMinutes()) + ":" + pad(at.getSeconds()) + "." +
      pad(at.getMilliseconds(), 3);
  }

  // "prefer: status 503": where the fault came from and what it did (the seed and draw that
  // replay it are in the row's details)
  var REPLAY_KEYS = ["source", "seed", "draw"];

  function describe(effect) {
    if (effect === null || typeof effect !== "object") return String(effect);
    var parts = Object.keys(effect).filter(function (key) { return REPLAY_KEYS.indexOf(key) < 0; })
      .map(function (key) {
        var value = effect[key];
        return key + " " + (typeof value === "object" ? JSON.stringify(value) : value);
      });
    return (effect.source ? effect.source + ": " : "") + parts.join(", ");
  }

  function faultOf(entry) {
    var effects = entry.effects;
    if (!effects || (Array.isArray(effects) && !effects.length)) return "";
    return (Array.isArray(effects) ? effects : [effects]).map(describe).join("; ");
  }

  function pretty(body) {
    if (body === null || body === undefined || body === "") return "(empty)";
    return typeof body === "string" ? body : JSON.stringify(body, null, 2);
  }

  function headerTable(headers) {
    var names = Object.keys(headers || {});
    if (!names.length) return el("p", { class: "muted", text: "(no headers recorded)" });
    return el("table", { class: "headers" }, [el("tbody", {}, names.map(function (name) {
      return el("tr", {}, [el("th", { text: name }), el("td", { text: String(headers[name]) })]);
    }))]);
  }

  function bodyBlock(part, label) {
    if (!part || !("body" in part)) {
      return el("p", { class: "muted", text: label + ": not recorded by this mock's journal" });
    }
    var note = part.truncated ? " (cut: " + part.size + " bytes in all)" : (part.size ? " (" + part.size + " bytes)" : "");
    return el("div", {}, [el("h4", { text: label + note }), el("pre", { class: "body", text: pretty(part.body) })]);
  }

  function detailOf(entry) {
    var target = entry.path + (entry.query ? "?" + entry.query : "");
    var requestPart = entry.request || {};
    var responsePart = entry.response || {};
    var extra = Object.keys(entry).filter(function (key) { return SHOWN_FIELDS.indexOf(key) < 0; });
    return el("div", { class: "detail" }, [
      el("section", {}, [
        el("h3", { text: "Request" }),
        el("p", {}, [el("code", { text: entry.method + " " + target })]),
        entry.request ? headerTable(requestPart.headers) : null,
        bodyBlock(entry.request, "request body"),
      ]),
      el("section", {}, [
        el("h3", { text: "Response" }),
        el("p", {}, [el("code", { text: String(entry.status) }), " in " + entry.duration_ms + " ms",
          entry.operation_id ? " by operation " + entry.operation_id : " (no operation matched)"]),
        bodyBlock(entry.response, "response body"),
        faultOf(entry) ? el("div", {}, [el("h4", { text: "injected" }),
          el("pre", { class: "body", text: JSON.stringify(entry.effects, null, 2) })]) : null,
        extra.length ? el("div", {}, [el("h4", { text: "other fields" }), el("pre", { class: "body",
          text: JSON.stringify(extra.reduce(function (o, k) { o[k] = entry[k]; return o; }, {}), null, 2) })]) : null,
      ]),
    ]);
  }

  function rowOf(entry) {
    var statusClass = "s" + String(entry.status).charAt(0) + "xx";
    var row = el("tr", { class: "entry fresh", tabindex: "0", "data-seq": String(entry.seq),
      "aria-expanded": "false" }, [
      el("td", { title: entry.time, text: timeOf(entry) }),
      el("td", { text: entry.api || "—" }),
      el("td", { text: entry.operation_id || "—" }),
      el("td", { class: "method", text: entry.method }),
      el("td", { class: "path", text: entry.path + (entry.query ? "?" + entry.query : "") }),
      el("td", { class: "num status " + statusClass, text: String(entry.status) }),
      el("td", { class: "num", text: Number(entry.duration_ms).toFixed(1) }),
      el("td", { class: "fault", text: faultOf(entry), title: entry.effects ? JSON.stringify(entry.effects) : "" }),
    ]);
    var item = { entry: entry, row: row, detail: null };
    function toggle() {
      var open = row.getAttribute("aria-expanded") !== "true";
      row.setAttribute("aria-expanded", String(open));
      if (open && !item.detail) {
        item.detail = el("tr", { class: "detail-row" }, [el("td", { colspan: "8" }, [detailOf(entry)])]);
        row.after(item.detail);
      }
      if (item.detail) item.detail.hidden = !open;
    }
    row.addEventListener("click", toggle);
    row.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); }
    });
    return item;
  }

  function filters() {
    return { api: $("filter-api").value, status: $("filter-status").value,
      operation: $("filter-operation").value, path: $("filter-path").value.trim().toLowerCase() };
  }

  function matches(entry, f) {
    if (f.api && entry.api !== f.api) return false;
    if (f.status) {
      var status = String(entry.status);
      if (/^\dxx$/.test(f.status) ? status.charAt(0) !== f.status.charAt(0) : status !== f.status) return false;
    }
    if (f.operation) {
      var parts = f.operation.split(" ");
      if (entry.api !== parts[0] || entry.operation_id !== parts[1]) return false;
    }
    if (f.path && (entry.path + "?" + entry.query).toLowerCase().indexOf(f.path) < 0) return false;
    return true;
  }

  function applyFilters() {
    var f = filters();
    var shown = 0;
    rows.forEach(function (item) {
      var visible = matches(item.entry, f);
      item.row.hidden = !visible;
      if (item.detail) item.detail.hidden = !visible || item.row.getAttribute("aria-expanded") !== "true";
      if (visible) shown += 1;
    });
    $("journal-empty").hidden = rows.length > 0;
    var noun = rows.length === 1 ? " request" : " requests";
    $("journal-count").textContent = rows.length
      ? (shown === rows.length ? rows.length + noun : "showing " + shown + " of " + rows.length + noun)
      : "";
    var params = new URLSearchParams();
    Object.keys(f).forEach(function (key) { if (f[key]) params.set(key, f[key]); });
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }

  function fillOperations() {
    var select = $("filter-operation");
    var chosen = select.value;
    var api = $("filter-api").value;
    while (select.options.length > 1) select.remove(1);
    (api ? [api] : cfg.apis).forEach(function (name) {
      cfg.operations[name].forEach(function (operation) {
        var value = name + " " + operation;
        select.add(new Option(api ? operation : operation + " (" + name + ")", value, false, value === chosen));
      });
    });
  }

  function noteStatus(status) {
    var select = $("filter-status");
    var value = String(status);
    for (var i = 0; i < select.options.length; i++) if (select.options[i].value === value) return;
    var option = new Option(value, value);
    var at = 5; // after "all" and the four classes
    while (at < select.options.length && select.options[at].value < value) at += 1;
    select.add(option, at < select.options.length ? at : null);
  }

  function add(entries) {
    if (!entries.length) return;
    var f = filters();
    var body = $("journal-rows");
    var touched = {};
    entries.forEach(function (entry) {
      lastSeq = Math.max(lastSeq, entry.seq);
      var item = rowOf(entry);
      item.row.hidden = !matches(entry, f);
      body.insertBefore(item.row, body.firstChild);
      rows.unshift(item);
      noteStatus(entry.status);
      if (entry.api) touched[entry.api] = true;
      setTimeout(function () { item.row.classList.remove("fresh"); }, 1500);
    });
    while (rows.length > cfg.journalSize) {
      var old = rows.pop();
      old.row.remove();
      if (old.detail) old.detail.remove();
    }
    applyFilters();
    if (touched[stateApi]) scheduleState();
  }

  function dropAll() {
    rows.forEach(function (item) { item.row.remove(); if (item.detail) item.detail.remove(); });
    rows = [];
    lastSeq = 0;
    applyFilters();
  }

  function setLive(ok, text) {
    var live = $("live");
    live.textContent = text || (ok ? (paused ? "paused" : "live") : "mock unreachable, retrying…");
    live.className = "live " + (ok ? (paused ? "paused" : "ok") : "down");
  }

  function poll() {
    if (paused) { setTimeout(poll, POLL_MS); return; }
    polls += 1;
    var check = polls % CHECK_EVERY === 0 && lastSeq > 0;
    var url = cfg.admin + "/journal?" + (check ? "limit=1" : "since=" + lastSeq + "&limit=" + cfg.journalSize);
    request("GET", url).then(function (data) {
      var entries = data.entries || [];
      if (check) {
        // the journal was cleared by another client, or the mock restarted (seq starts again at 1)
        if (!entries.length || entries[entries.length - 1].seq < lastSeq) dropAll();
      } else {
        add(entries);
      }
      setLive(true);
    }).catch(function () { setLive(false); }).then(function () { setTimeout(poll, POLL_MS); });
  }

  // ---- the state view ----

  function cell(value) {
    if (value === null || value === undefined) return el("td", { class: "muted", text: "null" });
    if (typeof value === "object") {
      var text = JSON.stringify(value);
      return el("td", { class: "json", title: text, text: text.length > 120 ? text.slice(0, 117) + "…" : text });
    }
    return el("td", { text: String(value) });
  }

  function recordTable(records, keyName) {
    var columns = [];
    records.forEach(function (record) {
      Object.keys(record[1]).forEach(function (key) { if (columns.indexOf(key) < 0) columns.push(key); });
    });
    ["id", "Id"].reverse().forEach(function (key) { // the record's identity first
      var at = columns.indexOf(key);
      if (at > 0) columns.unshift(columns.splice(at, 1)[0]);
    });
    var head = (keyName ? [keyName] : []).concat(columns);
    return el("div", { class: "scroll" }, [el("table", { class: "grid records" }, [
      el("thead", {}, [el("tr", {}, head.map(function (name) { return el("th", { text: name }); }))]),
      el("tbody", {}, records.map(function (record) {
        var cells = columns.map(function (column) { return cell(record[1][column]); });
        return el("tr", {}, (keyName ? [el("th", { text: record[0] })] : []).concat(cells));
      })),
    ])]);
  }

  function isRecord(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }

  function tree(value) {
    if (!isRecord(value) && !Array.isArray(value)) return el("code", { text: JSON.stringify(value) });
    var keys = Object.keys(value);
    if (!keys.length) return el("code", { text: Array.isArray(value) ? "[]" : "{}" });
    return el("ul", { class: "tree" }, keys.map(function (key) {
      var child = value[key];
      if (isRecord(child) || Array.isArray(child)) {
        return el("li", {}, [el("details", {}, [el("summary", { text: key }), tree(child)])]);
      }
      return el("li", {}, [el("span", { class: "key", text: key + ": " }), el("code", { text: JSON.stringify(child) })]);
    }));
  }

  function section(name, value) {
    var count = Array.isArray(value) ? value.length : isRecord(value) ? Object.keys(value).length : null;
    var title = el("h3", { text: name }, count === null ? [] : [el("span", { class: "muted", text: " " + count })]);
    var content;
    if (count === 0) {
      content = el("p", { class: "empty-records", text: "empty" });
    } else if (Array.isArray(value) && value.every(isRecord)) {
      content = recordTable(value.map(function (record, i) { return [String(i), record]; }), null);
    } else if (isRecord(value) && Object.keys(value).every(function (k) { return isRecord(value[k]); })) {
      content = recordTable(Object.keys(value).map(function (k) { return [k, value[k]]; }), "key");
    } else if (count === null) {
      return el("p", { class: "scalar", "data-key": name }, [el("span", { class: "key", text: name + ": " }),
        el("code", { text: JSON.stringify(value) })]);
    } else {
      content = tree(value);
    }
    return el("div", { class: "state-part", "data-key": name }, [title, content]);
  }

  function showState(state) {
    var view = $("state-view");
    view.textContent = "";
    var keys = Object.keys(state || {});
    var lists = keys.filter(function (k) { return typeof state[k] === "object" && state[k] !== null; });
    var scalars = keys.filter(function (k) { return lists.indexOf(k) < 0; });
    lists.concat(scalars).forEach(function (key) { view.appendChild(section(key, state[key])); });
    if (!keys.length) view.appendChild(el("p", { class: "muted", text: "(no state)" }));
  }

  function loadState() {
    var api = stateApi;
    return request("GET", cfg.admin + "/state/" + encodeURIComponent(api)).then(function (data) {
      if (api === stateApi) showState(data[api]);
    }).catch(function (error) { notice(error.message, true); });
  }

  function scheduleState() {
    clearTimeout(stateTimer);
    stateTimer = setTimeout(loadState, 200);
  }

  function notice(text, bad) {
    var node = $("notice");
    node.textContent = text;
    node.className = "notice" + (bad ? " bad" : "");
    node.hidden = false;
  }

  function chooseApi(api) {
    stateApi = api;
    document.querySelectorAll(".tab").forEach(function (tab) {
      tab.setAttribute("aria-selected", String(tab.getAttribute("data-api") === api));
    });
    var link = $("state-export");
    link.href = cfg.admin + "/state/" + encodeURIComponent(api);
    link.setAttribute("download", api + "-state.json");
    $("state-reset").textContent = "Reset " + api;
    $("notice").hidden = true;
    loadState();
  }

  // ---- wiring ----

  var params = new URLSearchParams(location.search);
  ["api", "status", "path"].forEach(function (key) {
    if (params.get(key)) $("filter-" + key).value = params.get(key);
  });
  if (params.get("status") && $("filter-status").value !== params.get("status")) {
    noteStatus(params.get("status"));
    $("filter-status").value = params.get("status");
  }
  fillOperations();
  if (params.get("operation")) $("filter-operation").value = params.get("operation");

  $("filter-api").addEventListener("change", function () { fillOperations(); applyFilters(); });
  ["filter-status", "filter-operation"].forEach(function (id) { $(id).addEventListener("change", applyFilters); });
  $("filter-path").addEventListener("input", applyFilters);
  $("pause").addEventListener("click", function () {
    paused = !paused;
    this.setAttribute("aria-pressed", String(paused));
    this.textContent = paused ? "Resume" : "Pause";
    setLive(true);
  });
  $("clear-journal").addEventListener("click", function () {
    request("DELETE", cfg.admin + "/journal").then(function () { dropAll(); })
      .catch(function (error) { notice(error.message, true); });
  });
  document.querySelectorAll(".tab").forEach(function (tab) {
    tab.addEventListener("click", function () { chooseApi(tab.getAttribute("data-api")); });
  });
  $("state-refresh").addEventListener("click", loadState);
  $("state-reset").addEventListener("click", function () {
    var api = stateApi;
    request("POST", cfg.admin + "/reset/" + encodeURIComponent(api)).then(function () {
      notice(api + " is back to its start-up state.", false);
      return loadState();
    }).catch(function (error) { notice("reset failed: " + error.message, true); });
  });

  applyFilters();
  loadState();
  poll();
})();
