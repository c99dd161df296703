// The provenance graph of one output as a layered SVG picture, left to right:
// creators -> influencing works -> output <- models (lineage) <- training runs <- grants.
import { svg } from "./dom.js";

const COLUMN = { creator: 0, work: 1, output: 2, model: 3, run: 4, grant: 5 };
const NODE_W = 150;
const NODE_H = 30;
const GAP_X = 40;
const GAP_Y = 10;

export function provenanceGraph(trace, { maxWorks = 20 } = {}) {
  const nodes = new Map();
  const edges = [];
  const add = (id, kind, label, extra = {}) => {
    if (!nodes.has(id)) nodes.set(id, { id, kind, label, ...extra });
    return id;
  };
  const out = add(`o:${trace.output.id}`, "output", trace.output.title || trace.output.id);
  const influences = [...trace.influences].sort((a, b) => Number(b.score) - Number(a.score)).slice(0, maxWorks);
  for (const inf of influences) {
    const work = inf.work || (inf.works || [])[0];
    if (!work) continue;
    const w = add(`w:${work.id}`, "work", work.title, { flagged: inf.licensableAtTraining === false });
    edges.push({ from: w, to: out, weight: Number(inf.score), label: `influence ${inf.score}` });
    for (const c of (work.creators || []).slice(0, 3)) {
      edges.push({ from: add(`c:${c.id}`, "creator", [c.firstName, c.name].filter(Boolean).join(" ")), to: w });
    }
  }
  let previous = out;
  for (const m of trace.lineage) {
    const id = add(`m:${m.id}`, "model", `${m.name} ${m.version}`, { flagged: m.complianceStatus !== "COMPLIANT" });
    edges.push({ from: id, to: previous, label: previous === out ? "generated" : "fine-tuned into" });
    previous = id;
  }
  for (const run of trace.trainingRuns) {
    const r = add(`r:${run.id}`, "run", run.id, { flagged: !run.compliant });
    edges.push({ from: r, to: `m:${run.modelId}` });
    const g = run.grantId ? add(`g:${run.grantId}`, "grant", run.grantId) : add(`g:none:${run.id}`, "grant", "no grant", { flagged: true });
    edges.push({ from: g, to: r });
  }
  return draw([...nodes.values()], edges.filter((e) => nodes.has(e.to)), trace);
}

function draw(nodes, edges, trace) {
  const columns = new Map();
  for (const node of nodes) {
    const col = COLUMN[node.kind];
    if (!columns.has(col)) columns.set(col, []);
    node.row = columns.get(col).length;
    node.col = col;
    columns.get(col).push(node);
  }
  const tallest = Math.max(...[...columns.values()].map((c) => c.length));
  const height = tallest * (NODE_H + GAP_Y) + GAP_Y + 20;
  const width = 6 * (NODE_W + GAP_X);
  for (const [, column] of columns) {
    const offset = 20 + (height - 20 - column.length * (NODE_H + GAP_Y)) / 2;
    for (const node of column) {
      node.x = GAP_X / 2 + node.col * (NODE_W + GAP_X);
      node.y = offset + node.row * (NODE_H + GAP_Y);
    }
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const picture = svg("svg", {
    class: "graph", role: "img", viewBox: `0 0 ${width} ${height}`, width: "100%",
    "aria-label": `Provenance of output ${trace.output.id}: ${trace.influences.length} influencing works, ` +
      `${trace.lineage.length} models in its lineage, ${trace.trainingRuns.length} training runs`,
  });
  for (const edge of edges) {
    const a = byId.get(edge.from);
    const b = byId.get(edge.to);
    if (!a || !b) continue;
    const [x1, x2] = a.x < b.x ? [a.x + NODE_W, b.x] : [a.x, b.x + NODE_W];
    const y1 = a.y + NODE_H / 2;
    const y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    picture.append(svg("path", {
      d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, class: "edge",
      "stroke-width": edge.weight ? 1 + 8 * edge.weight : 1.2,
    }, edge.label ? svg("title", {}, edge.label) : null));
  }
  for (const node of nodes) {
    picture.append(svg("g", { class: `node ${node.kind}${node.flagged ? " flagged" : ""}`, "data-node": node.id },
      svg("title", {}, `${node.kind}: ${node.label}${node.flagged ? " (flagged)" : ""}`),
      svg("rect", { x: node.x, y: node.y, width: NODE_W, height: NODE_H, rx: 6 }),
      svg("text", { x: node.x + 8, y: node.y + 19 }, node.label.length > 21 ? `${node.label.slice(0, 20)}…` : node.label),
    ));
  }
  const legend = Object.keys(COLUMN).map((kind, i) =>
    svg("text", { x: GAP_X / 2 + i * (NODE_W + GAP_X), y: 12, class: "legend" }, kind === "run" ? "training runs" : `${kind}s`));
  picture.prepend(...legend);
  return picture;
}
