// Tree editor of a service bot's menu (SPEC §3), shown in place of the JSON textarea
// <textarea class="json-tree" data-editor="menu" data-groups='[{"id", "name"}]'>.
//
// Progressive enhancement only: the textarea stays in the form (hidden) and receives the
// JSON on every change and before submit, so the server (attendance/menus.py) remains the
// single source of truth and its errors still show above the field. If the textarea holds
// something the editor cannot represent (invalid JSON, unexpected shape), it is left alone.
(function () {
  "use strict";

  // Every text of the editor, in English msgids translated by Django's JavaScript catalogue
  // (the admin's jsi18n, loaded on every change form; locale/pt_BR/djangojs.po).
  var _ = window.gettext || function (text) { return text; };
  var T = {
    editor: _("Menu editor"),
    text: _("Menu text"),
    options: _("Options"),
    key: _("Key"),
    label: _("Label"),
    action: _("Action"),
    group: _("Group"),
    submenu: _("Submenu"),
    noGroup: _("---------"),
    unknownGroup: _("Group no. %s (inactive or missing)"),
    addOption: _("Add option"),
    removeOption: _("Remove option"),
    moveUp: _("Move up"),
    moveDown: _("Move down"),
    optionTitle: _("Option %s"),
    appended: _("The bot adds the options after this text, one per line (“1 - Sales”): do not write them here."),
    preview: _("The customer reads"),
    repeats: _("This text already lists the options: the customer will read them twice. Keep only the question in the text."),
    actions: { menu: _("Submenu"), transfer_to_group: _("Transfer to group"), close: _("Close") },
  };
  var ACTIONS = ["menu", "transfer_to_group", "close"];

  function fmt(text, value) { return text.replace("%s", value); }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // Can the editor show this node without losing anything the admin typed?
  function representable(node) {
    if (!isObject(node)) { return false; }
    if (node.text !== undefined && node.text !== null && typeof node.text !== "string") { return false; }
    if (node.options === undefined || node.options === null) { return true; }
    if (!Array.isArray(node.options)) { return false; }
    return node.options.every(function (option) {
      if (!isObject(option)) { return false; }
      var key = option.key === undefined || option.key === null ? "" : String(option.key);
      if (!/^\d*$/.test(key)) { return false; }
      if (option.action !== undefined && ACTIONS.indexOf(option.action) === -1) { return false; }
      if (option.group !== undefined && option.group !== null && typeof option.group !== "number") {
        return false;
      }
      if (option.menu !== undefined && option.menu !== null && !representable(option.menu)) { return false; }
      return true;
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function button(text, className) {
    return el("button", { type: "button", "class": "tree-button " + className, text: text });
  }

  function field(text, control, className) {
    return el("label", { "class": "tree-field " + (className || "") }, [
      el("span", { "class": "tree-caption", text: text }),
      control
    ]);
  }

  function Editor(textarea, value, groups) {
    this.textarea = textarea;
    this.groups = groups;
    this.root = this.buildNode(value || {}, "");
    this.el = el("div", { "class": "tree-editor menu-editor", role: "group", "aria-label": T.editor }, [
      this.root.el
    ]);
    this.renumber();
  }

  Editor.prototype.changed = function () {
    this.renumber();
    this.sync();
  };

  // The live preview is written by the server with the engine's own rule
  // (attendance/texts.py menu_text), never re-implemented here.
  Editor.prototype.schedulePreview = function () {
    var editor = this;
    if (!editor.previewUrl) { return; }
    clearTimeout(editor.previewTimer);
    editor.previewTimer = setTimeout(function () { editor.refreshPreview(); }, 250);
  };

  Editor.prototype.refreshPreview = function () {
    var editor = this;
    var form = editor.textarea.form;
    var token = form ? form.querySelector("input[name=csrfmiddlewaretoken]") : null;
    var body = new FormData();
    body.append("menu", JSON.stringify(editor.value()));
    if (token) { body.append("csrfmiddlewaretoken", token.value); }
    var sequence = (editor.previewSequence || 0) + 1;
    editor.previewSequence = sequence;
    fetch(editor.previewUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer || sequence !== editor.previewSequence) { return; }
        editor.showPreviews(answer.previews || []);
      })
      .catch(function () { /* the preview is a help: saving still validates everything */ });
  };

  Editor.prototype.showPreviews = function (previews) {
    var byPath = {};
    previews.forEach(function (preview) { byPath[preview.path] = preview; });
    this.el.querySelectorAll(".tree-node").forEach(function (nodeEl) {
      var preview = byPath[nodeEl.getAttribute("data-path") || ""];
      var text = nodeEl.querySelector(":scope > .menu-preview > .menu-preview-text");
      var warning = nodeEl.querySelector(":scope > .menu-preview > .menu-preview-repeats");
      if (!text || !warning) { return; }
      text.textContent = preview ? preview.text : "";
      warning.hidden = !(preview && preview.repeats);
    });
  };

  Editor.prototype.value = function () { return this.root.serialize(); };

  // An untouched, empty menu is sent as empty (other bot kinds have no menu).
  Editor.prototype.sync = function () {
    var value = this.value();
    this.textarea.value = (value.text.trim() === "" && value.options.length === 0)
      ? "" : JSON.stringify(value, null, 2);
  };

  Editor.prototype.renumber = function () { this.root.renumber(""); };

  Editor.prototype.groupSelect = function (selected) {
    var select = el("select", { "class": "tree-option-group" }, [el("option", { value: "", text: T.noGroup })]);
    var known = false;
    this.groups.forEach(function (group) {
      select.appendChild(el("option", { value: String(group.id), text: group.name }));
      if (group.id === selected) { known = true; }
    });
    if (typeof selected === "number" && !known) {
      // Kept as loaded: the server says what is wrong with it.
      select.appendChild(el("option", { value: String(selected), text: fmt(T.unknownGroup, selected) }));
    }
    select.value = typeof selected === "number" ? String(selected) : "";
    return select;
  };

  Editor.prototype.buildNode = function (data) {
    var editor = this;
    var text = el("textarea", { "class": "tree-node-text", rows: "3", cols: "60" });
    text.value = typeof data.text === "string" ? data.text : "";
    var list = el("ol", { "class": "tree-options" });
    var add = button(T.addOption, "tree-add-option");
    var previewText = el("pre", { "class": "menu-preview-text" });
    var previewWarning = el("p", { "class": "menu-preview-repeats errornote", text: T.repeats });
    previewWarning.hidden = true;
    var node = {
      options: [],
      preview: { text: previewText, warning: previewWarning },
      el: el("div", { "class": "tree-node" }, [
        field(T.text, text, "tree-field-text"),
        el("p", { "class": "menu-appended-note", text: T.appended }),
        el("div", { "class": "menu-preview", "aria-live": "polite" }, [
          el("span", { "class": "tree-caption", text: T.preview }),
          previewText,
          previewWarning
        ]),
        el("div", { "class": "tree-options-title", text: T.options }),
        list,
        add
      ])
    };

    node.serialize = function () {
      return {
        text: text.value,
        options: node.options.map(function (option) { return option.serialize(); })
      };
    };
    node.renumber = function (path) {
      node.el.setAttribute("data-path", path);
      node.options.forEach(function (option, index) {
        option.renumber(path ? path + "." + (index + 1) : String(index + 1), index, node.options.length);
      });
    };
    node.nextKey = function () {
      var max = 0;
      node.options.forEach(function (option) {
        var key = parseInt(option.key(), 10);
        if (key > max) { max = key; }
      });
      return String(Math.min(max + 1, 99));
    };
    node.append = function (optionData) {
      var option = editor.buildOption(optionData, node);
      node.options.push(option);
      list.appendChild(option.el);
      return option;
    };
    node.remove = function (option) {
      node.options.splice(node.options.indexOf(option), 1);
      list.removeChild(option.el);
      editor.changed();
    };
    node.move = function (option, step) {
      var from = node.options.indexOf(option);
      var to = from + step;
      if (to < 0 || to >= node.options.length) { return; }
      node.options.splice(from, 1);
      node.options.splice(to, 0, option);
      list.insertBefore(option.el, step < 0 ? node.options[to + 1].el : node.options[to - 1].el.nextSibling);
      editor.changed();
      option.focus();
    };

    (Array.isArray(data.options) ? data.options : []).forEach(function (option) { node.append(option); });
    add.addEventListener("click", function () {
      var option = node.append({ key: node.nextKey(), label: "", action: "transfer_to_group" });
      editor.changed();
      option.focus();
    });
    return node;
  };

  Editor.prototype.buildOption = function (data, parent) {
    var editor = this;
    var key = el("input", { type: "number", min: "1", max: "99", step: "1", "class": "tree-option-key" });
    key.value = data.key === undefined || data.key === null ? "" : String(data.key);
    var label = el("input", { type: "text", "class": "tree-option-label vTextField" });
    label.value = typeof data.label === "string" ? data.label : "";
    var action = el("select", { "class": "tree-option-action" });
    ACTIONS.forEach(function (name) { action.appendChild(el("option", { value: name, text: T.actions[name] })); });
    action.value = ACTIONS.indexOf(data.action) === -1 ? "transfer_to_group" : data.action;
    var group = editor.groupSelect(data.group);
    var groupField = field(T.group, group, "tree-field-group");
    var up = button("↑", "tree-move-up");
    var down = button("↓", "tree-move-down");
    var remove = button(T.removeOption, "tree-remove-option");
    up.setAttribute("aria-label", T.moveUp);
    up.title = T.moveUp;
    down.setAttribute("aria-label", T.moveDown);
    down.title = T.moveDown;
    var submenuBox = el("div", { "class": "tree-submenu" });
    var submenu = null; // built on first need, kept while the action changes back and forth

    var option = {
      el: el("li", { "class": "tree-option" }, [
        el("div", { "class": "tree-option-row" }, [
          field(T.key, key, "tree-field-key"),
          field(T.label, label, "tree-field-label"),
          field(T.action, action, "tree-field-action"),
          groupField,
          el("span", { "class": "tree-option-buttons" }, [up, down, remove])
        ]),
        submenuBox
      ])
    };

    function showFields() {
      groupField.hidden = action.value !== "transfer_to_group";
      if (action.value === "menu" && submenu === null) {
        submenu = editor.buildNode(isObject(data.menu) ? data.menu : {});
        submenuBox.appendChild(el("div", { "class": "tree-submenu-title", text: T.submenu }));
        submenuBox.appendChild(submenu.el);
      }
      submenuBox.hidden = action.value !== "menu";
    }
    showFields();
    // A select fires "input" before "change", and the editor serialises on "input": the
    // submenu must exist by then (choosing "Submenu" used to raise a TypeError).
    action.addEventListener("input", showFields);
    action.addEventListener("change", function () {
      showFields();
      editor.changed();
    });
    up.addEventListener("click", function () { parent.move(option, -1); });
    down.addEventListener("click", function () { parent.move(option, 1); });
    remove.addEventListener("click", function () { parent.remove(option); });

    option.key = function () { return key.value.trim(); };
    option.focus = function () { label.focus(); };
    option.serialize = function () {
      var value = { key: key.value.trim(), label: label.value, action: action.value };
      if (action.value === "transfer_to_group") {
        value.group = group.value === "" ? null : parseInt(group.value, 10);
      } else if (action.value === "menu") {
        if (submenu === null) { showFields(); }
        value.menu = submenu.serialize();
      }
      return value;
    };
    option.renumber = function (path, index, count) {
      option.el.setAttribute("data-path", path);
      option.el.setAttribute("aria-label", fmt(T.optionTitle, path));
      up.disabled = index === 0;
      down.disabled = index === count - 1;
      if (submenu !== null) { submenu.renumber(path); }
    };
    return option;
  };

  function enhance(textarea) {
    var raw = textarea.value.trim();
    var value = {};
    if (raw !== "") {
      try { value = JSON.parse(raw); } catch (error) { return; } // invalid JSON: leave the raw text
      if (value === null) { value = {}; }
      if (!representable(value)) { return; }
    }
    var groups = [];
    try { groups = JSON.parse(textarea.getAttribute("data-groups") || "[]"); } catch (error) { groups = []; }
    var editor = new Editor(textarea, value, Array.isArray(groups) ? groups : []);
    textarea.hidden = true;
    textarea.style.display = "none";
    textarea.classList.add("tree-editor-source");
    textarea.parentNode.insertBefore(editor.el, textarea.nextSibling);
    editor.previewUrl = textarea.getAttribute("data-preview-url");
    editor.el.addEventListener("input", function () { editor.sync(); editor.schedulePreview(); });
    editor.el.addEventListener("change", function () { editor.sync(); editor.schedulePreview(); });
    editor.el.addEventListener("click", function (event) {
      if (event.target.closest("button")) { editor.schedulePreview(); }
    });
    editor.refreshPreview();
    if (textarea.form) {
      textarea.form.addEventListener("submit", function () { editor.sync(); });
    }
    textarea.treeEditor = editor;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea.json-tree[data-editor='menu']").forEach(enhance);
  });
})();
