/* Atende web chat widget (SPEC §15): self-contained, no framework, no CDN.
 * Served by /webchat/<public id>/widget.js, which sets window.AtendeWebchat = {base}.
 * Isolated in a Shadow DOM; Portuguese; keyboard- and screen-reader-usable. */
(function () {
  "use strict";
  var cfg = window.AtendeWebchat || {};
  var base = cfg.base;
  if (!base || window.__atendeWebchatLoaded) return;
  window.__atendeWebchatLoaded = true;
  var KEY = "atende-webchat:" + base;
  var token = "";
  try { token = localStorage.getItem(KEY) || ""; } catch (e) { /* private mode */ }
  var look = null, state = null, seen = {}, lastId = 0, source = null, typingAt = 0, transcript = [];

  var host = document.createElement("div");
  host.setAttribute("data-atende-webchat", "");
  var root = host.attachShadow({ mode: "open" });
  var CSS =
    ":host{all:initial}[hidden]{display:none!important}*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif}" +
    ".launch{position:fixed;right:16px;bottom:16px;z-index:2147483646;border:0;border-radius:28px;padding:14px 20px;" +
    "color:#fff;font-size:16px;font-weight:600;cursor:pointer;box-shadow:0 2px 10px rgba(0,0,0,.3)}" +
    ".panel{position:fixed;right:16px;bottom:16px;z-index:2147483647;width:360px;max-width:calc(100vw - 16px);" +
    "height:560px;max-height:calc(100vh - 32px);background:#fff;color:#1a1a1a;border-radius:12px;display:flex;" +
    "flex-direction:column;box-shadow:0 4px 24px rgba(0,0,0,.35);overflow:hidden;font-size:15px}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}}" +
    ".head{color:#fff;padding:12px 14px;display:flex;align-items:center;gap:8px}.head h2{flex:1;margin:0;font-size:17px}" +
    ".head button{background:transparent;color:#fff;border:1px solid rgba(255,255,255,.7);border-radius:6px;padding:4px 10px;cursor:pointer;font-size:14px}" +
    ".body{flex:1;overflow:auto;padding:12px}.note{background:#fff4d6;color:#3d2e00;border-radius:8px;padding:8px 10px;margin:0 0 10px}" +
    "form label{display:block;margin:8px 0 4px;font-weight:600}form input[type=text],form input[type=email],form input[type=tel]" +
    "{width:100%;padding:9px;border:1px solid #767676;border-radius:6px;font-size:15px;color:#1a1a1a}" +
    ".check{display:flex;gap:8px;align-items:flex-start;font-weight:400}.err{color:#b00020;font-size:13px;margin:2px 0}" +
    ".btn{border:0;border-radius:6px;color:#fff;padding:10px 14px;font-size:15px;font-weight:600;cursor:pointer;margin-top:12px}" +
    ".msg{max-width:85%;margin:6px 0;padding:8px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}" +
    ".them{background:#eceff3;color:#1a1a1a}.mine{margin-left:auto;color:#fff}.who{display:block;font-size:12px;font-weight:700}" +
    ".meta{display:block;font-size:11px;opacity:.85;text-align:right}.choices{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}" +
    ".choices button{border:1px solid #555;background:#fff;color:#1a1a1a;border-radius:6px;padding:8px 10px;min-width:40px;cursor:pointer;font-size:14px}" +
    ".foot{border-top:1px solid #ddd;padding:8px;display:flex;gap:6px;align-items:flex-end}" +
    ".foot textarea{flex:1;resize:none;height:44px;padding:8px;border:1px solid #767676;border-radius:6px;font-size:15px;color:#1a1a1a}" +
    ".foot .btn{margin:0}.tools{display:flex;gap:6px;padding:0 8px 8px;flex-wrap:wrap}" +
    ".tools button,.tools label{background:#fff;color:#1a1a1a;border:1px solid #767676;border-radius:6px;padding:6px 8px;font-size:13px;cursor:pointer}" +
    ".tools input{position:absolute;width:1px;height:1px;opacity:0}.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}" +
    "button:focus-visible,input:focus-visible,textarea:focus-visible,.tools label:focus-within{outline:3px solid #ffbf47;outline-offset:2px}";

  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    }
    (kids || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function api(method, path, body, isForm) {
    var headers = {};
    if (token) headers.Authorization = "Bearer " + token;
    if (body && !isForm) headers["Content-Type"] = "application/json";
    return fetch(base + path, { method: method, headers: headers, body: isForm ? body : body ? JSON.stringify(body) : undefined })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { data._status = r.status; return data; });
      })
      .catch(function () { return { _status: 0, detail: "Sem conexão. Tente de novo em instantes." }; });
  }

  var style = el("style");
  style.textContent = CSS;
  var launcher = el("button", { class: "launch", type: "button", "aria-expanded": "false", text: "Fale conosco" });
  var panel = el("div", { class: "panel", role: "dialog", "aria-modal": "false", hidden: "" });
  var live = el("div", { class: "sr", "aria-live": "polite" });
  root.appendChild(style);
  root.appendChild(launcher);
  root.appendChild(panel);
  root.appendChild(live);

  function color() { return (look && look.color) || "#0b5cad"; }
  function say(text) { live.textContent = text; }

  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    var first = panel.querySelector("input,textarea,button.btn");
    if (first) first.focus();
  }
  function minimise() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", open);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") minimise(); });

  function frame(content, footer) {
    panel.textContent = "";
    var title = (look && look.title) || "Atendimento";
    panel.setAttribute("aria-label", title);
    var head = el("div", { class: "head", style: "background:" + color() }, [
      el("h2", { text: title }),
      el("button", { type: "button", "aria-label": "Minimizar o chat", text: "Fechar", onclick: minimise }),
    ]);
    panel.appendChild(head);
    panel.appendChild(content);
    (footer || []).forEach(function (f) { panel.appendChild(f); });
  }

  function hoursNote() {
    if (!look || look.open_hours !== false) return null;
    return el("p", { class: "note", role: "status", text:
      "Estamos fora do horário de atendimento. Deixe sua mensagem: responderemos assim que voltarmos." });
  }

  var FIELDS = { email: ["E-mail", "email"], phone: ["Telefone", "tel"], document: ["CPF ou CNPJ", "text"] };

  function prechat() {
    var body = el("div", { class: "body" });
    var form = el("form", { novalidate: "" });
    var errors = {};
    function field(name, label, type, required) {
      var id = "f-" + name;
      var input = el("input", { id: id, name: name, type: type, autocomplete: name === "name" ? "name" : name === "phone" ? "tel" : name });
      if (required) { input.required = true; input.setAttribute("aria-required", "true"); }
      var err = el("p", { class: "err", id: id + "-err" });
      input.setAttribute("aria-describedby", id + "-err");
      errors[name] = err;
      form.appendChild(el("label", { for: id, text: label + (required ? " (obrigatório)" : "") }));
      form.appendChild(input);
      form.appendChild(err);
    }
    if (look.greeting) body.appendChild(el("p", { text: look.greeting }));
    var note = hoursNote();
    if (note) body.appendChild(note);
    field("name", "Nome", "text", true);
    Object.keys(FIELDS).forEach(function (k) {
      var mode = (look.prechat || {})[k] || "off";
      if (mode !== "off") field(k, FIELDS[k][0], FIELDS[k][1], mode === "required");
    });
    if (look.consent_text) {
      var box = el("input", { type: "checkbox", id: "f-consent", name: "consent", "aria-describedby": "f-consent-err" });
      form.appendChild(el("label", { class: "check", for: "f-consent" }, [box, el("span", { text: look.consent_text })]));
      errors.consent = el("p", { class: "err", id: "f-consent-err" });
      form.appendChild(errors.consent);
    }
    var general = el("p", { class: "err", role: "alert" });
    form.appendChild(general);
    form.appendChild(el("button", { class: "btn", type: "submit", style: "background:" + color(),
      text: look.open_hours === false ? "Deixar mensagem" : "Iniciar conversa" }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = {};
      Array.prototype.forEach.call(form.elements, function (i) {
        if (i.name) data[i.name] = i.type === "checkbox" ? i.checked : i.value;
      });
      if (cfg.identity) data.identity = cfg.identity;
      Object.keys(errors).forEach(function (k) { errors[k].textContent = ""; });
      general.textContent = "";
      api("POST", "sessions/", data).then(function (r) {
        if (r._status === 201) {
          token = r.visitor_token;
          try { localStorage.setItem(KEY, token); } catch (err) { /* private mode */ }
          conversation();
          return;
        }
        var firstBad = null;
        Object.keys(r.errors || {}).forEach(function (k) {
          if (errors[k]) { errors[k].textContent = r.errors[k].join(" "); firstBad = firstBad || k; }
        });
        if (!firstBad) general.textContent = r.detail || "Não foi possível iniciar a conversa.";
        else { var bad = root.getElementById("f-" + firstBad); if (bad) bad.focus(); }
      });
    });
    body.appendChild(form);
    frame(body);
  }

  var log, choices, textarea, errorLine;

  function conversation() {
    seen = {};
    lastId = 0;
    transcript = [];
    log = el("div", { class: "body", role: "log", "aria-live": "polite", "aria-label": "Mensagens", tabindex: "0" });
    var note = hoursNote();
    if (note) log.appendChild(note);
    if (look.greeting) log.appendChild(el("div", { class: "msg them", text: look.greeting }));
    choices = el("div", { class: "choices", role: "group", "aria-label": "Respostas da pesquisa", hidden: "" });
    errorLine = el("p", { class: "err", role: "alert", style: "padding:0 8px" });
    textarea = el("textarea", { "aria-label": "Escreva sua mensagem", placeholder: "Escreva sua mensagem", maxlength: "4096" });
    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(); }
    });
    textarea.addEventListener("input", function () {
      var now = Date.now();
      if (now - typingAt > 3000) { typingAt = now; api("POST", "typing/"); }
    });
    var file = el("input", { type: "file", id: "f-file" });
    file.addEventListener("change", function () {
      if (!file.files.length) return;
      var data = new FormData();
      data.append("file", file.files[0]);
      api("POST", "messages/", data, true).then(afterSend);
      file.value = "";
    });
    var foot = el("div", { class: "foot" }, [textarea,
      el("button", { class: "btn", type: "button", style: "background:" + color(), text: "Enviar", onclick: send })]);
    var tools = el("div", { class: "tools" }, [
      el("label", { for: "f-file", text: "Anexar arquivo" }, [file]),
      el("button", { type: "button", text: "Baixar conversa", onclick: download }),
      el("button", { type: "button", text: "Encerrar conversa", onclick: finish }),
    ]);
    frame(log, [choices, errorLine, foot, tools]);
    textarea.focus();
    api("GET", "messages/?after=0").then(function (r) {
      if (r._status === 401) return restart();
      (r.results || []).forEach(show);
      setState(r.state);
      listen();
    });
  }

  function restart() {
    token = "";
    try { localStorage.removeItem(KEY); } catch (e) { /* private mode */ }
    if (source) source.close();
    prechat();
  }

  function afterSend(r) {
    if (r._status === 201) { errorLine.textContent = ""; show(r); return; }
    if (r._status === 401) return restart();
    errorLine.textContent = r.detail || "Não foi possível enviar.";
  }

  function send(value) {
    var text = typeof value === "string" ? value : textarea.value.trim();
    if (!text) return;
    if (typeof value !== "string") textarea.value = "";
    api("POST", "messages/", { text: text }).then(afterSend);
  }

  var STATUS = { pending: "Enviando", sent: "Enviada", delivered: "Entregue", read: "Lida", failed: "Falhou" };

  function show(m) {
    if (!m || !m.id || seen[m.id]) return;
    seen[m.id] = true;
    lastId = Math.max(lastId, m.id);
    var text = m.text || (m.file ? "Arquivo: " + m.file : "");
    var who = m.mine ? "Você" : m.name || "Atendimento";
    transcript.push("[" + new Date(m.at).toLocaleString("pt-BR") + "] " + who + ": " + text);
    var bubble = el("div", { class: "msg " + (m.mine ? "mine" : "them") }, [
      el("span", { class: "who", text: who }),
      el("span", { text: text }),
      m.mine ? el("span", { class: "meta", text: "Recebida" }) : null,
    ]);
    if (m.mine) bubble.style.background = color();
    log.appendChild(bubble);
    log.scrollTop = log.scrollHeight;
  }

  function setState(s) {
    if (!s) return;
    state = s;
    choices.textContent = "";
    var q = s.question;
    if (q && q.choices && q.choices.length) {
      q.choices.forEach(function (c) {
        choices.appendChild(el("button", { type: "button", text: c.label, onclick: function () { send(c.value); } }));
      });
      choices.hidden = false;
    } else {
      choices.hidden = true;
    }
    if (s.status === "closed" && !q) say("Conversa encerrada.");
  }

  function listen() {
    if (source) source.close();
    if (!window.EventSource) return;
    source = new EventSource(base + "events/?token=" + encodeURIComponent(token) + "&after=" + lastId);
    source.addEventListener("message", function (e) {
      var m = JSON.parse(e.data);
      show(m);
      if (!m.mine) say((m.name || "Atendimento") + ": " + (m.text || m.file));
    });
    source.addEventListener("state", function (e) { setState(JSON.parse(e.data)); });
  }

  function finish() {
    api("POST", "close/").then(function (r) {
      if (r._status === 200) { setState(r.state); say("Conversa encerrada."); }
      else errorLine.textContent = r.detail || "Não foi possível encerrar.";
    });
  }

  function download() {
    var blob = new Blob([transcript.join("\n") + "\n"], { type: "text/plain;charset=utf-8" });
    var a = el("a", { href: URL.createObjectURL(blob), download: "conversa.txt" });
    root.appendChild(a);
    a.click();
    a.remove();
  }

  function start() {
    document.body.appendChild(host);
    api("GET", "sessions/").then(function (r) {
      if (!r.channel) { host.remove(); return; }
      look = r.channel;
      launcher.style.background = color();
      launcher.textContent = look.title || "Fale conosco";
      if (token && r.customer) conversation();
      else { token = ""; prechat(); }
      if (token && r.customer) open();
    });
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
