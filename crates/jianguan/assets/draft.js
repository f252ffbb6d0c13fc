// The inspector's form keeps itself (form[data-draft]): every change is saved
// in the browser, restored when the page is opened again, and a form
// submitted without network is kept whole, photos included (IndexedDB), and
// sent when the network returns. Pages work without it.
//
// Sending is safe to repeat: each form carries a submission id, and the
// server signs one record per id. A kept form is removed only once the
// server has answered with the signed record or with the form refused (which
// it sends back filled in); on any other answer (signed out, server error)
// it stays and is tried again later. Kept forms belong to the account that
// made them and are sent one at a time.
(function () {
  var PREFIX = "jianguan-draft:";
  var owner = document.querySelector("[data-user]");
  var user = owner ? owner.dataset.user : "";
  // The record page, right after signing, names the draft it completed.
  var done = document.querySelector("[data-draft-done]");
  if (done) { try { localStorage.removeItem(PREFIX + user + ":" + done.dataset.draftDone); } catch (e) {} }

  function outbox(mode, fn) {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) return reject(new Error("no IndexedDB"));
      var open = indexedDB.open("jianguan", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("outbox", { keyPath: "key" }); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var tx = open.result.transaction("outbox", mode);
        var req = fn(tx.objectStore("outbox"));
        tx.oncomplete = function () { resolve(req && req.result); };
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
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }

  // Send one kept form; resolves true when the page was replaced.
  function send(item) {
    var fd = new FormData();
    item.entries.forEach(function (kv) {
      if (kv[1] instanceof Blob) fd.append(kv[0], kv[1], kv[1].name || "photo.jpg");
      else fd.append(kv[0], kv[1]);
    });
    item.sending = Date.now();
    return outbox("readwrite", function (s) { return s.put(item); })
      .then(function () {
        return fetch(item.action, { method: "POST", body: fd, credentials: "same-origin", headers: { "X-CSRF-Token": csrf() } });
      })
      .then(function (res) {
        return res.text().then(function (html) {
          var signed = res.redirected && /\/inspections\/\d+/.test(res.url);
          var refused = !res.redirected && res.status >= 400 && res.status < 500 && html.indexOf("data-draft=") >= 0;
          if (!signed && !refused) {
            // Signed out, forbidden, server trouble: keep it for later.
            item.sending = 0;
            return outbox("readwrite", function (s) { return s.put(item); }).then(function () {
              if (form) say("保存在本机的检查记录暂未提交成功（" + res.status + "），请确认已登录，稍后自动重试。", "warn");
              return false;
            });
          }
          return outbox("readwrite", function (s) { return s.delete(item.key); }).then(function () {
            if (signed) { window.location.href = res.url; return true; }
            document.open(); document.write(html); document.close();
            return true;
          });
        });
      })
      .catch(function () {
        item.sending = 0;
        return outbox("readwrite", function (s) { return s.put(item); }).then(function () {
          if (form) say("网络仍不稳定，检查记录保存在本机，稍后自动重试。", "warn");
          return false;
        });
      });
  }

  // Send this account's kept forms, oldest first, one at a time; a form
  // another tab is sending (marked within the last minute) is left to it.
  var flushing = false;
  function flush() {
    if (!navigator.onLine || flushing || !user) return;
    flushing = true;
    outbox("readonly", function (s) { return s.getAll(); }).then(function (items) {
      var mine = (items || []).filter(function (i) {
        return i.user === user && !(i.sending && Date.now() - i.sending < 60000);
      }).sort(function (a, b) { return a.at - b.at; });
      if (mine.length && form) say("网络已恢复，正在提交保存在本机的检查记录……", "");
      var next = function (k) {
        if (k >= mine.length) { flushing = false; return; }
        send(mine[k]).then(function (replaced) { if (!replaced) next(k + 1); });
      };
      next(0);
    }).catch(function () { flushing = false; });
  }
  window.addEventListener("online", flush);
  flush();

  if (!form) return;
  var key = PREFIX + user + ":" + form.dataset.draft;
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
  // Restore the draft over the page's defaults (dates, team, selects too),
  // except when the page is the server's answer to a refused form: that
  // page holds what was just sent.
  try {
    var saved = JSON.parse(localStorage.getItem(key) || "null");
    if (saved && saved.fields && !document.querySelector(".alert.error")) {
      var restored = 0;
      Object.keys(saved.fields).forEach(function (name) {
        var v = saved.fields[name];
        var els = form.querySelectorAll('[name="' + name.replace(/"/g, "") + '"]');
        if (!els.length || !kept(els[0])) return;
        if (els[0].type === "radio") {
          Array.prototype.forEach.call(els, function (r) { if (r.value === v && !r.checked) { r.checked = true; restored++; } });
        } else if (els[0].value !== v) {
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
    var sid = form.elements.submission_id ? form.elements.submission_id.value : "";
    var item = { key: user + ":" + (sid || Date.now() + ":" + Math.random()), user: user, action: form.action,
                 entries: entries, at: Date.now(), sending: 0 };
    outbox("readwrite", function (s) { return s.put(item); })
      .then(function () { say("网络已断开：检查记录已完整保存在本机（含照片），联网后自动提交。请勿清除浏览器数据。", "warn"); })
      .catch(function () { say("网络已断开，且本机无法保存照片；请联网后再提交。", "error"); });
  });
})();
