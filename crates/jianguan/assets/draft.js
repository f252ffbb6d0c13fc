// The inspector's form keeps itself (form[data-draft]): every change is saved
// in the browser, restored when the page is opened again, and a form
// submitted without network is kept whole, photos included (IndexedDB), and
// sent as soon as the network returns. Pages work without it.
(function () {
  var PREFIX = "jianguan-draft:";
  // The record page names the draft its signature completed.
  var done = document.querySelector("[data-draft-done]");
  if (done) { try { localStorage.removeItem(PREFIX + done.dataset.draftDone); } catch (e) {} }

  function outbox(mode, fn) {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) return reject(new Error("no IndexedDB"));
      var open = indexedDB.open("jianguan", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("outbox", { keyPath: "key" }); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var tx = open.result.transaction("outbox", mode);
        var out = fn(tx.objectStore("outbox"));
        tx.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        tx.onerror = function () { reject(tx.error); };
      };
    });
  }

  var form = document.querySelector("form[data-draft]");
  var status = form && form.querySelector("[data-draft-status]");
  function say(msg, cls) {
    if (!status) return;
    status.hidden = false;
    status.className = "alert " + (cls || "");
    status.textContent = msg;
  }

  // Send what was kept while offline. A refusal comes back as the form with
  // its message (and every answer, photos held by hash): show it.
  function flush() {
    if (!navigator.onLine) return;
    outbox("readonly", function (s) { return s.getAll(); }).then(function (items) {
      (items || []).forEach(function (item) {
        var fd = new FormData();
        item.entries.forEach(function (kv) {
          if (kv[1] instanceof Blob) fd.append(kv[0], kv[1], kv[1].name || "photo.jpg");
          else fd.append(kv[0], kv[1]);
        });
        if (form) say("网络已恢复，正在提交保存的检查记录……", "");
        fetch(item.action, { method: "POST", body: fd, credentials: "same-origin", headers: { "X-CSRF-Token": item.csrf } })
          .then(function (res) {
            return res.text().then(function (html) {
              outbox("readwrite", function (s) { s.delete(item.key); });
              if (res.redirected) { window.location.href = res.url; return; }
              document.open(); document.write(html); document.close();
            });
          })
          .catch(function () { if (form) say("网络仍不稳定，检查记录保存在本机，稍后自动重试。", "warn"); });
      });
    }).catch(function () {});
  }
  window.addEventListener("online", flush);
  flush();

  if (!form) return;
  var key = PREFIX + form.dataset.draft;
  function kept(el) {
    return el.name && el.type !== "file" && el.type !== "hidden" && el.name !== "sign" && el.name !== "csrf_token";
  }
  function save() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el)) return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      fields[el.name] = el.value;
    });
    try { localStorage.setItem(key, JSON.stringify({ at: Date.now(), fields: fields })); } catch (e) {}
  }
  // Restore only what the page does not already hold (after a refusal the
  // server sends the answers back itself).
  try {
    var saved = JSON.parse(localStorage.getItem(key) || "null");
    if (saved && saved.fields) {
      var restored = 0;
      Object.keys(saved.fields).forEach(function (name) {
        var v = saved.fields[name];
        var els = form.querySelectorAll('[name="' + name.replace(/"/g, "") + '"]');
        if (!els.length) return;
        if (els[0].type === "radio") {
          if (Array.prototype.some.call(els, function (r) { return r.checked; })) return;
          Array.prototype.forEach.call(els, function (r) { if (r.value === v) { r.checked = true; restored++; } });
        } else if (kept(els[0]) && !els[0].value) {
          els[0].value = v; restored++;
        }
      });
      if (restored) say("已恢复本机保存的草稿（" + new Date(saved.at).toLocaleString("zh-CN") + "）。照片须重新拍摄。", "ok");
    }
  } catch (e) {}
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", function (e) {
    save();
    if (navigator.onLine || !window.indexedDB || !form.checkValidity()) return;
    e.preventDefault();
    var entries = [];
    new FormData(form).forEach(function (v, k) {
      if (v instanceof Blob && !v.size) return;
      entries.push([k, v]);
    });
    var csrf = document.querySelector('meta[name="csrf-token"]');
    var item = { key: form.dataset.draft, action: form.action, csrf: csrf ? csrf.content : "", entries: entries, at: Date.now() };
    outbox("readwrite", function (s) { s.put(item); })
      .then(function () { say("网络已断开：检查记录已完整保存在本机（含照片），联网后自动提交。请勿清除浏览器数据。", "warn"); })
      .catch(function () { say("网络已断开，且本机无法保存照片；请联网后再提交。", "error"); });
  });
})();
