// The open conversation: messages (media inline, delivery status), the composer
// (Enter sends, Shift+Enter breaks the line — or Ctrl+Enter, the agent's choice —;
// attachments per the group's allow_*, receive_only, "/" canned responses) and the
// customer card.

import { S, api, clock, fmt, h, show } from "./util.js";
import { renderMedia } from "./media.js";

const $ = (id) => document.getElementById(id);
const TICKS = ["pending", "sent", "delivered", "read"];
// "Enviar com Enter" (SPEC §7.2): this agent's choice, kept by the browser per user.
const ENTER_KEY = `atende.enterSends.${document.getElementById("ws").dataset.user}`;
const ACCEPT = { image: "image/*", audio: "audio/*", video: "video/*", document: ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.txt,.zip" };

export class Conversation {
  constructor({ onChanged, notice }) {
    this.id = null;
    this.panel = null;
    this.lastMessageId = 0;
    this.canned = [];
    this.onChanged = onChanged;
    this.notice = notice;
    this.file = null;
    this.bindComposer();
    this.loadCanned();
  }

  async open(id) {
    this.id = id;
    this.lastMessageId = 0;
    for (const node of document.querySelectorAll("#inbox .item")) {
      const chosen = Number(node.dataset.id) === id;
      node.classList.toggle("active", chosen);
      if (chosen) node.querySelector(".badge")?.remove(); // read as it opens
    }
    $("messages").replaceChildren();
    this.clearAttachment();
    $("text").value = "";
    show($("composer-error"), false); // an error belongs to the conversation it happened in
    $("note-mode").checked = false; // each conversation starts answering the customer
    show($("canned"), false);
    await this.reload();
  }

  async reload() {
    if (!this.id) return;
    let panel;
    try {
      panel = await api(`/workspace/attendances/${this.id}/panel/`);
    } catch (error) {
      if (error.status === 404) return this.closeView();
      throw error;
    }
    this.panel = panel;
    this.renderHead();
    this.renderComposer();
    this.renderCard();
    await this.fetchNew();
    for (const node of document.querySelectorAll("#inbox .item")) {
      node.classList.toggle("active", Number(node.dataset.id) === this.id);
    }
  }

  closeView() {
    this.id = null;
    this.panel = null;
    show($("chat-empty"), true);
    show($("chat-head"), false);
    show($("composer"), false);
    show($("card"), false);
    $("messages").replaceChildren();
  }

  async fetchNew() {
    if (!this.id) return;
    const id = this.id;
    const rows = await api(`/api/v1/attendances/${id}/messages/?after=${this.lastMessageId}`);
    if (id !== this.id) return;
    const list = $("messages");
    for (const message of rows) {
      const shown = list.querySelector(`[data-id="${message.id}"]`);
      if (shown) {
        // Already on the page: this fetch may have started before a live tick moved it
        // on (a busy server answers late), and a tick never goes back.
        const tick = shown.querySelector(".delivery")?.classList[1];
        if (TICKS.indexOf(tick) > TICKS.indexOf(message.delivery)) message.delivery = tick;
        shown.replaceWith(this.renderMessage(message));
      } else {
        list.append(this.renderMessage(message));
      }
      this.lastMessageId = Math.max(this.lastMessageId, message.id);
    }
    if (rows.length) list.scrollTop = list.scrollHeight;
    if (this.panel?.mine && rows.length) {
      const form = new FormData();
      form.append("message", String(this.lastMessageId));
      await api(`/workspace/attendances/${id}/read/`, { method: "POST", form });
    }
  }

  // The delivery tick of an outbound message: its word, and the provider's reason as the title of a failure.
  renderDelivery(status, error) {
    return h("span", { class: `delivery ${status}`, title: error || S[`delivery_${status}_title`] || "" }, S[`delivery_${status}`] || status);
  }

  // A live ``delivery`` event: false when the message is not on the page (yet). A tick
  // never goes back (the page may have fetched a later status than an event still queued).
  setDelivery({ message, status, error }) {
    const head = $("messages").querySelector(`[data-id="${message}"] .msg-head`);
    if (!head) return false;
    const old = head.querySelector(".delivery");
    const before = old ? TICKS.indexOf(old.classList[1]) : -1;
    if (TICKS.indexOf(status) >= 0 && before > TICKS.indexOf(status)) return true;
    const tick = this.renderDelivery(status, error);
    if (old) old.replaceWith(tick);
    else head.append(tick);
    return true;
  }

  renderMessage(m) {
    if (m.kind === "note") {
      // "Nota interna": set apart, another colour; never sent to the customer.
      return h("li", { class: "msg note", dataset: { id: m.id } },
        h("div", { class: "msg-head" }, h("span", { class: "who" }, `${S.note} · ${m.sender_name}`), h("time", { datetime: m.created_at }, clock(m.created_at))),
        h("div", { class: "body" }, m.body));
    }
    const supervisor = m.sender_name ? `${S.supervisor} · ${m.sender_name}` : S.supervisor; // from the monitor (SPEC §9.1)
    const who = { customer: S.customer, bot: S.bot_sender, agent: m.sender_name || S.agent, system: S.system, supervisor }[m.sender];
    const media = m.media_url ? this.renderMedia(m) : null;
    const status = m.direction === "out" && m.delivery ? this.renderDelivery(m.delivery, m.delivery_error) : null;
    return h(
      "li",
      { class: `msg ${m.sender} ${m.direction}`, dataset: { id: m.id } },
      h("div", { class: "msg-head" }, h("span", { class: "who" }, who), h("time", { datetime: m.created_at }, clock(m.created_at)), status),
      media,
      m.email?.html ? this.renderEmail(m.email) : m.body ? h("div", { class: "body" }, m.body) : null,
      m.email?.quoted ? h("details", { class: "quoted" }, h("summary", {}, S.email_quoted), h("pre", {}, m.email.quoted)) : null,
    );
  }

  // An e-mail's sanitised HTML (SPEC §16), in a sandboxed frame (no script, no form, no
  // navigation of this page) whose policy blocks every remote load: the images the
  // sender linked wait as data-atende-src until the agent asks for them.
  renderEmail(email, withImages = false) {
    const policy = `default-src 'none'; style-src 'unsafe-inline'; img-src data:${withImages ? " https: http:" : ""}`;
    const html = withImages ? email.html.replaceAll("data-atende-src=", "src=") : email.html;
    const frame = h("iframe", { class: "email-html", sandbox: "allow-popups allow-popups-to-escape-sandbox", referrerpolicy: "no-referrer" });
    frame.srcdoc = `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${policy}"><base target="_blank"><body style="font:14px sans-serif;margin:0">${html}</body>`;
    frame.addEventListener("load", () => {
      try { frame.style.height = `${Math.min(frame.contentDocument.body.scrollHeight + 16, 600)}px`; } catch { /* sandboxed: keep the default height */ }
    });
    const box = h("div", { class: "body email" }, frame);
    if (email.remote_images && !withImages) {
      box.prepend(h("button", { type: "button", class: "load-images", onclick: () => box.replaceWith(this.renderEmail(email, true)) },
        fmt(S.email_images, { count: email.remote_images })));
    }
    return box;
  }

  renderMedia(m) {
    return renderMedia(m, S);
  }

  renderHead() {
    const p = this.panel;
    show($("chat-empty"), false);
    show($("chat-head"), true);
    $("chat-customer").textContent = p.customer.name;
    $("chat-meta").textContent = `${p.subject ? `${p.subject} · ` : ""}${p.protocol} · ${p.group.name} · ${S[p.customer.network] || p.customer.network} · ${S[p.status] || p.status}${p.mine ? "" : ` · ${p.agent}`}`;
    show($("open-transfer"), p.mine);
    show($("open-close"), p.mine);
  }

  renderComposer() {
    const p = this.panel;
    show($("composer"), true);
    const blocked = !p.mine ? S.not_mine : p.group.receive_only ? S.receive_only : "";
    $("composer-blocked").textContent = blocked;
    show($("composer-blocked"), Boolean(blocked));
    // Whoever sees the attendance may leave an internal note; answering is what may be blocked.
    const note = $("note-mode");
    if (blocked) note.checked = true;
    note.disabled = Boolean(blocked);
    this.applyNoteMode();
    this.blocked = Boolean(blocked);
    for (const id of ["text", "send"]) $(id).disabled = Boolean(blocked) && !note.checked;
    const kinds = Object.entries(p.group.allow).filter(([, allowed]) => allowed).map(([kind]) => kind);
    this.kinds = kinds;
    show($("attach-label"), !blocked && !note.checked && kinds.length > 0);
    $("attach").disabled = Boolean(blocked);
    $("attach").accept = kinds.map((kind) => ACCEPT[kind]).join(",");
  }

  applyNoteMode() {
    const on = $("note-mode").checked;
    $("composer").classList.toggle("noting", on);
    $("send").textContent = on ? S.add_note : S.send;
    show($("attach-label"), !on && !this.blocked && (this.kinds || []).length > 0);
    if (on) this.clearAttachment();
  }

  renderCard() {
    const c = this.panel.customer;
    const row = (label, value) => (value || value === 0 ? [h("dt", {}, label), h("dd", {}, String(value))] : []);
    const card = $("card");
    card.replaceChildren(...[
      h("h2", {}, c.name),
      h("dl", {},
        row(S.phone, c.phone), row(S.document, c.document), row(S.email_label, c.email), row(S.priority, c.priority),
        row(S.wallet_agent, c.wallet_agent)),
      c.attributes.length ? h("h3", {}, S.attributes) : null,
      c.attributes.length ? h("dl", { class: "attributes" }, c.attributes.map((a) => row(a.name, a.value))) : null,
      h("h3", {}, S.previous),
      c.previous.length
        ? h("ul", { class: "previous" }, c.previous.map((a) => h("li", {}, h("a", { href: "#", onclick: (e) => { e.preventDefault(); this.open(a.id); } }, a.protocol), ` · ${clock(a.opened_at)} · ${a.group}${a.agent ? ` · ${a.agent}` : ""}`)))
        : h("p", { class: "empty" }, S.none),
    ].filter(Boolean));
    show(card, true);
  }

  // Composer -------------------------------------------------------------------------------------
  bindComposer() {
    const text = $("text");
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    const pref = $("enter-sends");
    pref.checked = localStorage.getItem(ENTER_KEY) !== "0";
    const placeholder = () => (text.placeholder = pref.checked ? text.dataset.enter : text.dataset.ctrl);
    placeholder();
    pref.addEventListener("change", () => {
      localStorage.setItem(ENTER_KEY, pref.checked ? "1" : "0");
      placeholder();
      text.focus();
    });
    text.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.isComposing) {
        if (event.key === "Escape") show($("canned"), false);
        return;
      }
      // Ctrl+Enter always sends; Enter alone too when "Enviar com Enter" is on (Shift+Enter: a new line).
      const sends = event.ctrlKey || event.metaKey || (pref.checked && !event.shiftKey && !event.altKey);
      if (sends) {
        event.preventDefault();
        this.send();
      }
    });
    text.addEventListener("input", () => this.suggest());
    $("emoji-button").addEventListener("click", () => this.toggleEmoji().catch((e) => this.notice(e.message)));
    $("note-mode").addEventListener("change", () => {
      this.applyNoteMode();
      text.focus();
    });
    $("attach").addEventListener("change", () => {
      const file = $("attach").files[0];
      if (!file) return;
      this.file = file;
      const line = $("attachment");
      line.replaceChildren(fmt(S.attachment, { name: file.name }), " ", h("button", { type: "button", class: "link", onclick: () => this.clearAttachment() }, S.remove));
      show(line, true);
    });
  }

  // The emoji picker (emoji-mart, vendored with its data: no CDN), built on first use.
  async toggleEmoji() {
    const box = $("emoji-picker");
    const button = $("emoji-button");
    if (!box.hidden) {
      show(box, false);
      button.setAttribute("aria-expanded", "false");
      $("text").focus(); // back to typing
      return;
    }
    if (!this.picker) {
      const root = document.getElementById("ws");
      const [data, i18n] = await Promise.all([
        fetch(root.dataset.emojiData).then((r) => r.json()),
        fetch(root.dataset.emojiI18n).then((r) => r.json()),
      ]);
      this.picker = new window.EmojiMart.Picker({
        data, i18n, locale: "pt", set: "native", theme: "light", previewPosition: "none", skinTonePosition: "search",
        maxFrequentRows: 2, perLine: 8,
        onEmojiSelect: (emoji) => this.insertEmoji(emoji.native),
        onClickOutside: (event) => {
          if (!button.contains(event.target) && !box.hidden) {
            show(box, false);
            button.setAttribute("aria-expanded", "false");
          }
        },
      });
      box.append(this.picker);
    }
    show(box, true);
    button.setAttribute("aria-expanded", "true");
  }

  insertEmoji(character) {
    const text = $("text");
    text.setRangeText(character, text.selectionStart, text.selectionEnd, "end");
    text.focus();
  }

  clearAttachment() {
    this.file = null;
    $("attach").value = "";
    show($("attachment"), false);
  }

  async loadCanned() {
    try {
      const data = await api("/api/v1/canned-responses/?page_size=500");
      this.canned = data.results;
    } catch {
      this.canned = [];
    }
  }

  fill(text) {
    const p = this.panel;
    return text
      .replaceAll("{cliente_nome}", p?.customer.name ?? "")
      .replaceAll("{cliente}", firstName(p?.customer.name))
      .replaceAll("{agente}", document.getElementById("ws").dataset.agentName)
      .replaceAll("{protocolo}", p?.protocol ?? "");
  }

  suggest() {
    const text = $("text").value;
    const list = $("canned");
    const match = /^\/([\w-]*)$/.exec(text.trim());
    const group = this.panel?.group.id;
    const options = match
      ? this.canned.filter((c) => (c.group === null || c.group === group) && c.shortcut.startsWith(match[1])).slice(0, 8)
      : [];
    list.replaceChildren(
      ...options.map((c) =>
        h("li", { onclick: () => this.useCanned(c), tabindex: 0, onkeydown: (e) => e.key === "Enter" && this.useCanned(c) },
          h("strong", {}, `/${c.shortcut}`), " ", h("span", {}, this.fill(c.text))),
      ),
    );
    show(list, options.length > 0);
    if (match && options.length === 1 && options[0].shortcut === match[1] && text.endsWith(" ")) this.useCanned(options[0]);
  }

  useCanned(c) {
    $("text").value = this.fill(c.text);
    show($("canned"), false);
    $("text").focus();
  }

  async send() {
    if (!this.id || $("send").disabled) return;
    const text = $("text").value;
    const exact = /^\/([\w-]+)$/.exec(text.trim());
    const group = this.panel?.group.id;
    const canned = exact && this.canned.find((c) => c.shortcut === exact[1] && (c.group === null || c.group === group));
    if (canned) return this.useCanned(canned);
    if (!text.trim() && !this.file) return;
    const error = $("composer-error");
    show(error, false);
    $("send").disabled = true;
    try {
      if ($("note-mode").checked) {
        await api(`/api/v1/attendances/${this.id}/notes/`, { method: "POST", json: { text } });
      } else if (this.file) {
        const form = new FormData();
        form.append("kind", "text");
        form.append("text", text);
        form.append("file", this.file);
        await api(`/api/v1/attendances/${this.id}/messages/`, { method: "POST", form });
      } else {
        await api(`/api/v1/attendances/${this.id}/messages/`, { method: "POST", json: { kind: "text", text } });
      }
      $("text").value = "";
      this.clearAttachment();
      show($("canned"), false);
      await this.fetchNew();
    } catch (failure) {
      error.textContent = failure.message;
      show(error, true);
    } finally {
      $("send").disabled = false;
    }
  }
}

// ``{cliente}`` in a canned response is the customer's first name; ``{cliente_nome}`` the full one.
export function firstName(name) {
  return (name || "").trim().split(/\s+/)[0] || "";
}
