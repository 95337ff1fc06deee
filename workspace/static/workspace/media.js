// An attachment inline (SPEC §7.2), alike in the workspace, the history and the
// supervisor's monitor: images as thumbnails that open full size, audio and video with
// players, PDFs in the browser's viewer in a new tab, other documents as downloads.
// Icons are inline SVG: they render on every system (no emoji font needed).

const SVG_NS = "http://www.w3.org/2000/svg";
const DOC_PATH = "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM14 2v6h6M8 13h8M8 17h8";

function icon(path) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  const line = document.createElementNS(SVG_NS, "path");
  line.setAttribute("d", path);
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "currentColor");
  line.setAttribute("stroke-width", "2");
  line.setAttribute("stroke-linecap", "round");
  line.setAttribute("stroke-linejoin", "round");
  svg.append(line);
  return svg;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  node.append(...children.filter(Boolean));
  return node;
}

export function isPdf(m) {
  return m.media_mime === "application/pdf" || /\.pdf$/i.test(m.media_name || "");
}

export function renderMedia(m, words = {}) {
  const name = m.media_name || words.download || "";
  if (m.kind === "image") {
    return el("a", { class: "thumb", href: m.media_url, target: "_blank", rel: "noopener", title: words.open_full || name },
      el("img", { src: m.media_url, alt: name, loading: "lazy" }));
  }
  if (m.kind === "audio") return el("audio", { src: m.media_url, controls: true, preload: "metadata" });
  if (m.kind === "video") return el("video", { src: m.media_url, controls: true, preload: "metadata" });
  if (isPdf(m)) {
    return el("a", { class: "file pdf", href: m.media_url, target: "_blank", rel: "noopener", title: words.open_pdf || name }, icon(DOC_PATH), name);
  }
  return el("a", { class: "file", href: m.media_url, download: m.media_name || true }, icon(DOC_PATH), name);
}
