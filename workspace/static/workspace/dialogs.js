// The actions' dialogs: transfer, close (classification picker, survey choice),
// "Novo atendimento ativo" (customer search, network, WhatsApp templates) and history.

import { S, api, clock, fmt, h, show } from "./util.js";

const $ = (id) => document.getElementById(id);

function fail(id, error) {
  $(id).textContent = error.message;
  show($(id), true);
}

export function setupDialogs({ conversation, refreshInbox, notice, openAttendance }) {
  // Transfer ----------------------------------------------------------------------------------
  let target = null;
  $("open-transfer").addEventListener("click", () => {
    const options = conversation.panel.transfer;
    target = null;
    show($("transfer-error"), false);
    const pick = (value, input) => {
      target = value;
      for (const other of document.querySelectorAll("#transfer-dialog input[type=radio]")) other.checked = other === input;
    };
    $("transfer-groups").replaceChildren(
      ...(options.groups.length
        ? options.groups.map((g) => {
            const input = h("input", { type: "radio", name: "transfer", value: `g${g.id}` });
            input.addEventListener("change", () => pick({ group: g.id }, input));
            return h("label", { class: "option" }, input, ` ${g.name}`);
          })
        : [h("p", { class: "empty" }, S.no_targets)]),
    );
    $("transfer-agents").replaceChildren(
      ...(options.agents.length
        ? options.agents.map((a) => {
            const input = h("input", { type: "radio", name: "transfer", value: `a${a.id}-${a.group}`, disabled: !a.available });
            input.addEventListener("change", () => pick({ agent: a.id, group: a.group }, input));
            return h("label", { class: `option${a.available ? "" : " unavailable"}` }, input, " ",
              h("span", { class: `dot ${a.state}` }), ` ${a.name} · ${a.group_name} · ${S[a.state]}${a.reason ? ` (${a.reason})` : ""} · ${fmt(S.free, { count: a.free })}`);
          })
        : [h("p", { class: "empty" }, S.no_agents)]),
    );
    $("transfer-dialog").showModal();
  });
  $("transfer-submit").addEventListener("click", async (event) => {
    event.preventDefault();
    if (!target) return fail("transfer-error", { message: S.choose_target });
    try {
      const body = target.agent ? { agent: target.agent, group: target.group } : { group: target.group };
      await api(`/api/v1/attendances/${conversation.id}/transfer/`, { method: "POST", json: body });
      $("transfer-dialog").close();
      conversation.closeView();
      await refreshInbox();
    } catch (error) {
      fail("transfer-error", error);
    }
  });

  // Close -----------------------------------------------------------------------------------------
  let leaf = null;
  const renderLeaves = () => {
    const term = $("classification-search").value.trim().toLowerCase();
    const leaves = conversation.panel.classifications.filter((c) => c.path.toLowerCase().includes(term));
    $("classification-list").replaceChildren(
      ...leaves.map((c) =>
        h("li", { class: c.id === leaf ? "selected" : "", tabindex: 0, role: "option", "aria-selected": c.id === leaf ? "true" : "false",
          onclick: () => { leaf = c.id; show($("close-error"), false); renderLeaves(); } }, c.path),
      ),
    );
  };
  $("open-close").addEventListener("click", () => {
    const p = conversation.panel;
    leaf = null;
    show($("close-error"), false);
    $("classification-search").value = "";
    const has = p.classifications.length > 0;
    show($("classification-search"), has);
    $("classification-label").textContent = has
      ? `${S.classification_required && p.group.classification_required ? S.classification_required : S.classification_optional}`
      : S.no_classification;
    renderLeaves();
    $("send-survey").checked = false;
    show($("survey-choice"), p.group.survey_choice);
    $("close-dialog").showModal();
    if (has) $("classification-search").focus();
  });
  $("classification-search").addEventListener("input", renderLeaves);
  $("close-submit").addEventListener("click", async (event) => {
    event.preventDefault();
    if (!leaf && conversation.panel.group.classification_required) {
      return fail("close-error", { message: S.classification_required });
    }
    try {
      await api(`/api/v1/attendances/${conversation.id}/close/`, {
        method: "POST",
        json: { classification_node: leaf, send_survey: $("send-survey").checked },
      });
      $("close-dialog").close();
      conversation.closeView();
      await refreshInbox();
    } catch (error) {
      fail("close-error", error);
    }
  });

  // Novo atendimento ativo --------------------------------------------------------------------------
  let customer = null;
  let templates = [];
  let searchTimer = null;
  const renderParams = () => {
    const template = templates.find((t) => String(t.id) === $("active-template").value);
    $("active-params").replaceChildren(
      ...Array.from({ length: template ? template.parameter_count : 0 }, (_, i) =>
        h("label", {}, fmt(S.param, { n: i + 1 }), h("input", { class: "param", required: true })),
      ),
    );
    show($("active-text").closest("label"), !template);
  };
  $("open-active").addEventListener("click", async () => {
    customer = null;
    show($("active-error"), false);
    $("active-results").replaceChildren();
    for (const id of ["active-search", "active-phone", "active-email", "active-subject", "active-text"]) $(id).value = "";
    if (!templates.length) {
      const data = await api("/api/v1/whatsapp-templates/?is_active=true&page_size=200");
      templates = data.results;
      $("active-template").replaceChildren($("active-template").options[0], ...templates.map((t) => h("option", { value: t.id }, `${t.name} (${t.language})`)));
    }
    $("active-template").value = "";
    renderParams();
    $("active-dialog").showModal();
  });
  $("active-template").addEventListener("change", renderParams);
  // E-mail: an address instead of a phone, and a subject.
  const emailFields = () => {
    const email = $("active-network").value === "email";
    show($("active-phone-label"), !email);
    show($("active-email-label"), email);
    show($("active-subject-label"), email);
  };
  $("active-network").addEventListener("change", emailFields);
  $("active-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    customer = null;
    searchTimer = setTimeout(async () => {
      const term = $("active-search").value.trim();
      const data = await api(`/workspace/customers/?q=${encodeURIComponent(term)}`);
      $("active-results").replaceChildren(
        ...data.results.map((c) =>
          h("li", { tabindex: 0, onclick: (e) => {
            customer = c;
            for (const li of $("active-results").children) li.classList.toggle("selected", li === e.currentTarget);
            $("active-network").value = c.network;
            $("active-phone").value = c.phone;
            emailFields();
          } }, `${c.name} · ${S[c.network] || c.network} · ${c.phone}`),
        ),
      );
    }, 250);
  });
  $("active-submit").addEventListener("click", async (event) => {
    event.preventDefault();
    const body = { group: Number($("active-group").value) };
    if (customer) body.customer = customer.id;
    else if ($("active-network").value === "email") Object.assign(body, { network: "email", email: $("active-email").value });
    else Object.assign(body, { network: $("active-network").value, phone: $("active-phone").value });
    if ($("active-network").value === "email") body.subject = $("active-subject").value; // one line (SPEC §16)
    const template = $("active-template").value;
    if (template) {
      body.template = Number(template);
      body.params = [...document.querySelectorAll("#active-params .param")].map((input) => input.value);
    } else {
      body.text = $("active-text").value;
    }
    try {
      const result = await api("/api/v1/active-messages/", { method: "POST", json: body });
      $("active-dialog").close();
      notice(result.deliver_at && new Date(result.deliver_at) > new Date()
        ? fmt(S.delayed, { time: clock(result.deliver_at) })
        : fmt(S.sent_active, { protocol: result.protocol }));
      await refreshInbox();
      await openAttendance(result.attendance);
    } catch (error) {
      fail("active-error", error);
    }
  });

  // History ------------------------------------------------------------------------------------------
  const search = async () => {
    const params = new URLSearchParams({ status: "closed", page_size: "50", ordering: "-opened_at" });
    if ($("history-q").value.trim()) params.set("q", $("history-q").value.trim());
    if ($("history-from").value) params.set("opened_after", $("history-from").value);
    if ($("history-to").value) params.set("opened_before", $("history-to").value);
    const data = await api(`/api/v1/attendances/?${params}`);
    $("history-rows").replaceChildren(
      ...data.results.map((a) =>
        h("tr", { tabindex: 0, onclick: async () => { $("history-dialog").close(); await conversation.open(a.id); } },
          h("td", {}, a.protocol), h("td", {}, a.customer_name), h("td", {}, a.group_name || ""),
          h("td", {}, a.agent_name || ""), h("td", {}, clock(a.opened_at)), h("td", {}, clock(a.closed_at))),
      ),
    );
    show($("history-empty"), data.results.length === 0);
  };
  $("open-history").addEventListener("click", async () => {
    $("history-dialog").showModal();
    await search();
  });
  $("history-search").addEventListener("click", search);
  $("history-q").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      search();
    }
  });
}
