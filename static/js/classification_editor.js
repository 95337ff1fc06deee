// Tree editor of a classification's reasons and sub-reasons (SPEC §5.2), shown in place of
// the JSON textarea <textarea class="json-tree" data-editor="classification">.
//
// Progressive enhancement only: the textarea stays in the form (hidden) and receives the
// JSON on every change and before submit; the server (classifications/services.py) remains
// the single source of truth. Nodes are deactivated, never removed: only a node added in
// this session (no "id" yet) can be removed. Ids are kept exactly as loaded. If the
// textarea holds something the editor cannot represent, it is left alone.
(function () {
  "use strict";

  // Every text of the editor, in English msgids translated by Django's JavaScript catalogue
  // (the admin's jsi18n, loaded on every change form; locale/pt_BR/djangojs.po).
  var _ = window.gettext || function (text) { return text; };
  var T = {
    editor: _("Reasons and sub-reasons"),
    name: _("Name"),
    active: _("Active"),
    addReason: _("Add reason"),
    addSubReason: _("Add sub-reason"),
    remove: _("Remove item"),
    removeTitle: _("Removes the item not saved yet"),
    reason: _("Reason %s"),
    subReason: _("Sub-reason %s"),
    empty: _("No reason registered."),
  };

  function fmt(text, value) { return text.replace("%s", value); }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // Can the editor show these nodes without losing anything?
  function representable(items) {
    if (!Array.isArray(items)) { return false; }
    return items.every(function (item) {
      if (!isObject(item)) { return false; }
      if (item.id !== undefined && item.id !== null && typeof item.id !== "number") { return false; }
      if (item.name !== undefined && item.name !== null && typeof item.name !== "string") { return false; }
      if (item.is_active !== undefined && typeof item.is_active !== "boolean") { return false; }
      return item.children === undefined || item.children === null || representable(item.children);
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

  // A list of nodes (the top level or a node's children).
  function List(editor, items) {
    this.editor = editor;
    this.nodes = [];
    this.el = el("ul", { "class": "tree-children" });
    var list = this;
    items.forEach(function (item) { list.append(item); });
  }

  List.prototype.append = function (item) {
    var node = new TreeNode(this.editor, this, item);
    this.nodes.push(node);
    this.el.appendChild(node.el);
    return node;
  };

  List.prototype.remove = function (node) {
    this.nodes.splice(this.nodes.indexOf(node), 1);
    this.el.removeChild(node.el);
  };

  List.prototype.serialize = function () {
    return this.nodes.map(function (node) { return node.serialize(); });
  };

  List.prototype.renumber = function (prefix) {
    this.nodes.forEach(function (node, index) {
      node.renumber(prefix ? prefix + "." + (index + 1) : String(index + 1));
    });
  };

  function TreeNode(editor, list, item) {
    var node = this;
    this.id = typeof item.id === "number" ? item.id : null; // kept exactly as loaded
    this.name = el("input", { type: "text", "class": "tree-name vTextField", maxlength: "120" });
    this.name.value = typeof item.name === "string" ? item.name : "";
    this.active = el("input", { type: "checkbox", "class": "tree-active" });
    this.active.checked = item.is_active !== false;
    this.children = new List(editor, Array.isArray(item.children) ? item.children : []);
    var add = button(T.addSubReason, "tree-add-child");
    var remove = null;
    if (this.id === null) {
      remove = button(T.remove, "tree-remove");
      remove.title = T.removeTitle;
      remove.addEventListener("click", function () {
        list.remove(node);
        editor.changed();
      });
    }
    this.el = el("li", { "class": "tree-item" }, [
      el("div", { "class": "tree-row" }, [
        el("label", { "class": "tree-field tree-field-name" }, [
          el("span", { "class": "tree-caption", text: T.name }),
          this.name
        ]),
        el("label", { "class": "tree-field tree-field-active" }, [
          this.active,
          el("span", { "class": "tree-caption", text: T.active })
        ]),
        add,
        remove
      ]),
      this.children.el
    ]);
    if (this.id !== null) { this.el.setAttribute("data-id", String(this.id)); }
    this.showActive();
    this.active.addEventListener("change", function () { node.showActive(); });
    // Only the empty name is marked (the server's message names its path), not every box.
    this.name.addEventListener("input", function () { node.markEmpty(false); });
    this.name.addEventListener("blur", function () { node.markEmpty(true); });
    if (editor.hasErrors) { this.markEmpty(true); }
    add.addEventListener("click", function () {
      var child = node.children.append({ name: "", is_active: true, children: [] });
      editor.changed();
      child.name.focus();
    });
  }

  TreeNode.prototype.markEmpty = function (show) {
    var empty = this.name.value.trim() === "";
    this.name.classList.toggle("tree-invalid", empty && show);
    if (empty && show) { this.name.setAttribute("aria-invalid", "true"); } else { this.name.removeAttribute("aria-invalid"); }
  };

  TreeNode.prototype.showActive = function () {
    this.el.classList.toggle("tree-inactive", !this.active.checked);
  };

  TreeNode.prototype.serialize = function () {
    var value = {};
    if (this.id !== null) { value.id = this.id; }
    value.name = this.name.value;
    value.is_active = this.active.checked;
    value.children = this.children.serialize();
    return value;
  };

  TreeNode.prototype.renumber = function (path) {
    this.el.setAttribute("data-path", path);
    this.name.setAttribute("aria-label", fmt(path.indexOf(".") === -1 ? T.reason : T.subReason, path));
    this.children.renumber(path);
  };

  function Editor(textarea, items) {
    var editor = this;
    this.textarea = textarea;
    this.hasErrors = !!textarea.closest(".errors");
    this.list = new List(this, items);
    var add = button(T.addReason, "tree-add-root");
    this.emptyNote = el("p", { "class": "tree-empty help", text: T.empty });
    this.el = el("div", { "class": "tree-editor classification-editor", role: "group", "aria-label": T.editor }, [
      this.emptyNote,
      this.list.el,
      add
    ]);
    add.addEventListener("click", function () {
      var node = editor.list.append({ name: "", is_active: true, children: [] });
      editor.changed();
      node.name.focus();
    });
    this.renumber();
  }

  Editor.prototype.renumber = function () {
    this.list.renumber("");
    this.emptyNote.hidden = this.list.nodes.length > 0;
  };

  Editor.prototype.changed = function () {
    this.renumber();
    this.sync();
  };

  Editor.prototype.sync = function () {
    this.textarea.value = JSON.stringify(this.list.serialize(), null, 2);
  };

  function enhance(textarea) {
    var raw = textarea.value.trim();
    var items = [];
    if (raw !== "") {
      try { items = JSON.parse(raw); } catch (error) { return; } // invalid JSON: leave the raw text
      if (items === null) { items = []; }
      if (!representable(items)) { return; }
    }
    var editor = new Editor(textarea, items);
    textarea.hidden = true;
    textarea.style.display = "none";
    textarea.classList.add("tree-editor-source");
    textarea.parentNode.insertBefore(editor.el, textarea.nextSibling);
    editor.el.addEventListener("input", function () { editor.sync(); });
    editor.el.addEventListener("change", function () { editor.sync(); });
    if (textarea.form) {
      textarea.form.addEventListener("submit", function () { editor.sync(); });
    }
    textarea.treeEditor = editor;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea.json-tree[data-editor='classification']").forEach(enhance);
  });
})();
