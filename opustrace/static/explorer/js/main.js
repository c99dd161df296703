// The explorer's shell: hash routes, the API key form, focus management for keyboard users.
import { currentKey, gql, setKey, stats } from "./api.js";
import { h, notice } from "./dom.js";
import { inspectPage, modelPage, outputPage, searchPage, transparencyPage, workPage } from "./pages.js";

const ROUTES = [
  [/^#\/output\/(.+)$/, (m) => outputPage(decodeURIComponent(m[1]))],
  [/^#\/work\/(.+)$/, (m) => workPage(decodeURIComponent(m[1]))],
  [/^#\/model\/(.+)$/, (m) => modelPage(decodeURIComponent(m[1]))],
  [/^#\/transparency$/, () => transparencyPage()],
  [/^#\/inspect$/, () => inspectPage()],
  [/^#\/search(?:\?(.*))?$/, (m) => searchPage(new URLSearchParams(m[1] || ""))],
  [/^(#\/?)?$/, () => searchPage(new URLSearchParams())],
];

async function render() {
  const main = document.getElementById("main");
  main.setAttribute("aria-busy", "true");
  document.body.dataset.ready = "false";
  const started = performance.now();
  stats.requests = 0;
  stats.graphqlMs = 0;
  let content;
  try {
    const route = ROUTES.find(([re]) => re.test(location.hash));
    content = route ? await route[1](location.hash.match(route[0])) : [notice("No such page.")];
  } catch (error) {
    content = [notice(`This page could not be shown: ${error.message}`, "error")];
  }
  main.replaceChildren(...content.flat().filter(Boolean));
  main.setAttribute("aria-busy", "false");
  const title = main.querySelector("h1");
  document.title = `${title ? title.textContent : "opustrace"} · opustrace explorer`;
  // After navigation, focus the page's heading so screen readers and keyboards start there.
  if (title && document.activeElement !== document.getElementById("q")) {
    title.tabIndex = -1;
    title.focus({ preventScroll: false });
  }
  // Read by the benchmark: the whole render against the time its GraphQL requests took.
  window.__explorer = { renderMs: performance.now() - started, graphqlMs: stats.graphqlMs, requests: stats.requests };
  document.body.dataset.ready = "true";
}

async function showViewer() {
  const viewer = document.getElementById("viewer");
  if (!currentKey()) {
    viewer.textContent = "anonymous";
    return;
  }
  const { data, errors } = await gql(`{ viewer { role scopeId name } }`);
  viewer.textContent = data ? `${data.viewer.role}${data.viewer.scopeId ? ` · ${data.viewer.scopeId}` : ""}` : `key refused: ${errors[0]?.message || "unknown"}`;
}

function setUp() {
  const form = document.getElementById("key-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setKey(form.elements.key.value.trim());
    form.elements.key.value = "";
    await showViewer();
    await render();
  });
  document.getElementById("forget-key").addEventListener("click", async () => {
    setKey("");
    await showViewer();
    await render();
  });
  window.addEventListener("hashchange", render);
  // "/" jumps to the search box from anywhere, as on many sites.
  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && !["INPUT", "TEXTAREA"].includes(document.activeElement.tagName)) {
      event.preventDefault();
      if (!location.hash.startsWith("#/search") && location.hash.replace(/^#\/?/, "") !== "") location.hash = "#/";
      else document.getElementById("q")?.focus();
    }
  });
  showViewer();
  render();
}

setUp();
export { h };
