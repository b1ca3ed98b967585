// gendertrack web workspace: small improvements over plain forms.
// Without this file every page still works (plain POST, redirect, GET).
'use strict';
(function () {
  var form = document.getElementById('area-form');
  if (!form || form.dataset.editable !== 'true' || !window.fetch || !window.localStorage) { return; }

  var key = form.dataset.storageKey;
  var status = document.getElementById('save-status');
  var banner = document.getElementById('draft-banner');
  var retryTimer = null;
  var sending = false;

  function say(name) { if (status) { status.textContent = form.dataset['msg' + name] || ''; } }
  function read(k) { try { return JSON.parse(localStorage.getItem(k) || 'null'); } catch (e) { return null; } }
  function write(k, v) { try { localStorage.setItem(k, JSON.stringify(v)); } catch (e) { /* storage full or off */ } }
  function drop(k) { try { localStorage.removeItem(k); } catch (e) { /* ignore */ } }

  // The answers as typed, without the versions (the server's stay).
  function fields() {
    var out = [];
    new FormData(form).forEach(function (v, n) { if (n.indexOf('ver.') !== 0) { out.push([n, v]); } });
    return out;
  }
  function body() { return new URLSearchParams(new FormData(form)).toString(); }

  function restore(list) {
    var els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!el.name || el.name.indexOf('ver.') === 0) { continue; }
      if (el.type === 'checkbox' || el.type === 'radio') { el.checked = false; } else if (el.type !== 'hidden') { el.value = ''; }
    }
    list.forEach(function (p) {
      var named = form.querySelectorAll('[name="' + CSS.escape(p[0]) + '"]');
      for (var j = 0; j < named.length; j++) {
        var el = named[j];
        if (el.type === 'checkbox' || el.type === 'radio') { if (el.value === p[1]) { el.checked = true; } } else { el.value = p[1]; }
      }
    });
  }

  // Keep what is typed until the server has it.
  function keep() { write(key, { at: Date.now(), fields: fields() }); }
  form.addEventListener('input', keep);
  form.addEventListener('change', keep);

  var draft = read(key);
  if (draft && draft.fields && banner) {
    banner.hidden = false;
    document.getElementById('draft-restore').addEventListener('click', function () {
      restore(draft.fields); banner.hidden = true; say('Restored');
    });
    document.getElementById('draft-discard').addEventListener('click', function () {
      drop(key); drop(key + ':pending'); banner.hidden = true;
    });
  }

  function clearErrors() {
    var errs = form.querySelectorAll('.field-error');
    for (var i = 0; i < errs.length; i++) { errs[i].textContent = ''; }
    var qs = form.querySelectorAll('.question.has-error');
    for (var j = 0; j < qs.length; j++) { qs[j].classList.remove('has-error'); }
  }
  function showError(q, msg) {
    var box = document.getElementById('err-' + q);
    if (!box) { return; }
    var p = document.createElement('p');
    p.textContent = msg;
    box.appendChild(p);
    box.parentNode.classList.add('has-error');
  }
  function setVersion(q, v) {
    var el = form.querySelector('input[name="ver.' + CSS.escape(q) + '"]');
    if (el) { el.value = String(v); }
  }

  function send() {
    if (sending) { return; }
    var b = body();
    var pending = read(key + ':pending');
    // The same answers are sent again with the same key, so that a save
    // the server applied before the connection dropped is not applied twice.
    var idem = (pending && pending.body === b) ? pending.key : newKey();
    write(key + ':pending', { key: idem, body: b });
    sending = true;
    say('Saving');
    fetch(form.action, {
      method: 'POST', body: b, credentials: 'same-origin', redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json', 'Idempotency-Key': idem }
    }).then(function (res) {
      sending = false;
      if (res.type === 'opaqueredirect' || res.status === 401 || res.status === 0) { say('Signin'); return null; }
      if (res.status >= 500) { throw new Error('server ' + res.status); }
      return res.json().then(function (out) { answered(res.status, out); });
    }).catch(function () {
      sending = false;
      say('Offline');
      if (!retryTimer) { retryTimer = setTimeout(function () { retryTimer = null; send(); }, 15000); }
    });
  }

  function answered(code, out) {
    drop(key + ':pending');
    clearErrors();
    if (out.ok) {
      Object.keys(out.versions || {}).forEach(function (q) { setVersion(q, out.versions[q]); });
      drop(key);
      if (banner) { banner.hidden = true; }
      say('Saved');
      return;
    }
    (out.errors || []).forEach(function (e) { showError(e.question, e.message); });
    // Someone else saved these meanwhile: the user's answers stay on screen,
    // the message says what is stored, and saving again replaces it.
    (out.conflicts || []).forEach(function (e) { showError(e.question, e.message); setVersion(e.question, e.version || 0); });
    if (status) { status.textContent = (out.general || []).join(' ') || form.dataset.msgFailed; }
    var first = form.querySelector('.question.has-error');
    if (first) { first.scrollIntoView({ block: 'center' }); }
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  form.addEventListener('submit', function (ev) { ev.preventDefault(); send(); });
  window.addEventListener('online', function () { if (read(key + ':pending')) { send(); } });
})();
