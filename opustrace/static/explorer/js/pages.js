// The explorer's pages. Each reads through GraphQL with the current key and shows only what came back.
import { codeOf, currentKey, errorsAt, gql, gqlUpload } from "./api.js";
import { barChart } from "./charts.js";
import { field, h, link, notice, person, section, table } from "./dom.js";
import { provenanceGraph } from "./graph.js";

// A licensee's record ids hold ':' (its namespace), which a fragment may carry as is: links stay readable.
const enc = (s) => encodeURIComponent(s).replace(/%3A/g, ":");

function hidden(errors, root, what) {
  const mine = errorsAt(errors, root);
  if (!mine.length) return null;
  const code = codeOf(mine[0]);
  const why = code === "NOT_FOUND" || code === "FORBIDDEN" || code === "UNAUTHENTICATED"
    ? `not visible with this key (${code})` : mine[0].message;
  return notice(`${what}: ${why}.`, code === "NOT_FOUND" || code === "FORBIDDEN" ? "info" : "error");
}

// ---- search -------------------------------------------------------------------------------------

// Root fields are non-null: one the key may not read would void the whole answer, so each is asked alone.
const SEARCHES = {
  works: [`query($q: String!) { works(filter: {title: $q}, first: 20) { totalCount edges { node { id title iswcFormatted } } } }`, () => true],
  creators: [`query($q: String!) { creators(filter: {name: $q}, first: 20) { totalCount edges { node { id name firstName kind } } } }`, () => true],
  byId: [`query($q: ID!) { output(id: $q) { id title } }`, () => true],
  byHash: [`query($q: String!) { output(contentHash: $q) { id title } }`, (q) => /^[0-9a-f]{64}$/i.test(q)],
  byIswc: [`query($q: String!) { work(iswc: $q) { id title iswcFormatted } }`, (q, c) => /^T\d{10}$/.test(c)],
  byIpi: [`query($q: String!) { creator(ipi: $q) { id name firstName } }`, (q, c) => /^\d{11}$/.test(c)],
  byIsrc: [`query($q: String!) { recording(isrc: $q) { isrc title works { id title iswcFormatted } } }`, (q, c) => /^[A-Z]{2}[A-Z0-9]{3}\d{7}$/.test(c)],
};

async function runSearches(q) {
  const compact = q.replace(/[\s.-]/g, "").toUpperCase();
  const names = Object.keys(SEARCHES).filter((n) => SEARCHES[n][1](q, compact));
  const answers = await Promise.all(names.map((n) => gql(SEARCHES[n][0], { q: n === "byHash" ? q.toLowerCase() : q })));
  const d = {};
  names.forEach((n, i) => { const data = answers[i].data; d[n] = data ? Object.values(data)[0] : null; });
  return d;
}

export async function searchPage(params) {
  const q = (params.get("q") || "").trim();
  const form = h("form", { role: "search", class: "search", onsubmit: (e) => {
    e.preventDefault();
    location.hash = `#/search?q=${enc(e.target.elements.q.value.trim())}`;
  } },
  h("label", { for: "q" }, "Search by title, ISWC, ISRC, IPI, creator name, output id or content hash"),
  h("div", { class: "row" }, h("input", { id: "q", name: "q", type: "search", value: q }),
    h("button", { type: "submit" }, "Search")));
  const page = [h("h1", {}, "Search the registry"), form];
  if (!q) return [...page, notice("Try a title such as “Silver River”, an output id such as lic-aurora:out-00001, or open the transparency page.")];
  const d = await runSearches(q);
  const hits = [];
  for (const o of [d.byId, d.byHash].filter(Boolean)) hits.push(h("li", {}, "Output ", link(`#/output/${enc(o.id)}`, o.title ? `${o.title} (${o.id})` : o.id)));
  if (d.byIswc) hits.push(h("li", {}, "Work ", link(`#/work/${enc(d.byIswc.id)}`, `${d.byIswc.title} (${d.byIswc.iswcFormatted})`)));
  if (d.byIpi) hits.push(h("li", {}, "Creator ", h("span", { "data-field": "creator" }, person(d.byIpi)), ` (${d.byIpi.id})`));
  if (d.byIsrc) for (const w of d.byIsrc.works) hits.push(h("li", {}, `Recording ${d.byIsrc.title || d.byIsrc.isrc}: work `, link(`#/work/${enc(w.id)}`, w.title)));
  for (const { node } of d.works?.edges || []) hits.push(h("li", {}, "Work ", link(`#/work/${enc(node.id)}`, `${node.title}${node.iswcFormatted ? ` (${node.iswcFormatted})` : ""}`)));
  for (const { node } of d.creators?.edges || []) hits.push(h("li", {}, node.kind === "PUBLISHER" ? "Publisher " : "Creator ", h("span", { "data-field": "creator" }, person(node)), ` (${node.id})`));
  const more = (d.works?.totalCount || 0) > 20 ? notice(`${d.works.totalCount} works match; the first 20 are shown.`) : null;
  return [...page, section(`Results for “${q}”`, hits.length ? h("ul", { class: "hits" }, hits) : notice("Nothing this key may see matches."), more)];
}

// ---- output -------------------------------------------------------------------------------------

const TRACE = `query Trace($id: ID!) {
  trace(outputId: $id) {
    output { id title contentHash generatedAt licenseeId durationSeconds }
    compliant modelComplianceStatus countingReportId
    lineage { id name version complianceStatus }
    influences { reportId vendorId score confidence licensableAtTraining reasons { code message }
      work { id title iswcFormatted creators { id name firstName } }
      recording { isrc title } works { id title creators { id name firstName } } }
    trainingRuns { id modelId grantId compliant grantValid itemCount startedAt }
    flags { id code message reasons { code message } subjectKind subjectId }
  }
}`;

const PAYOUT = `query Pay($id: ID!, $amount: Money!) {
  whoGetsPaid(outputId: $id, amount: $amount, currency: "EUR") {
    amount paid suspended currency
    lines { creatorId workId role right basis shareBp influenceScore amount explanation }
    suspense { reason workRef amount message }
  }
}`;

export async function outputPage(id) {
  const { data, errors } = await gql(TRACE, { id });
  if (!data || !data.trace) return [h("h1", {}, `Output ${id}`), hidden(errors, "trace", "This output") || notice("Not found.")];
  const t = data.trace;
  const works = new Map();
  for (const inf of t.influences) for (const w of inf.work ? [inf.work] : inf.works) works.set(w.id, w);
  const bars = t.influences.map((inf) => ({
    label: (inf.work || inf.works[0] || {}).title || inf.recording?.title || "unidentified",
    value: Number(inf.score), kind: inf.licensableAtTraining === false ? "flagged" : "",
  })).sort((a, b) => b.value - a.value);
  const payout = h("div", { id: "payout" });
  const amountForm = h("form", { class: "amount", onsubmit: (e) => {
    e.preventDefault();
    showPayout(payout, id, e.target.elements.amount.value.trim(), works);
  } },
  h("label", { for: "amount" }, "If this output earned (EUR)"),
  h("input", { id: "amount", name: "amount", inputmode: "decimal", value: "100.00", "aria-describedby": "amount-help" }),
  h("button", { type: "submit" }, "Who gets paid?"),
  h("span", { id: "amount-help", class: "help" }, "an amount such as 1250.00"));
  return [
    h("h1", {}, t.output.title || t.output.id),
    h("dl", { class: "facts" },
      h("dt", {}, "Output id"), h("dd", {}, field("output.id", t.output.id)),
      h("dt", {}, "Content hash"), h("dd", {}, field("output.contentHash", t.output.contentHash, "code")),
      h("dt", {}, "Generated"), h("dd", {}, field("output.generatedAt", t.output.generatedAt)),
      h("dt", {}, "Licensee"), h("dd", {}, field("output.licenseeId", t.output.licenseeId)),
      h("dt", {}, "Compliant"), h("dd", {}, h("span", { class: t.compliant ? "ok" : "bad", "data-field": "trace.compliant" }, t.compliant ? "yes" : "no"))),
    section("Provenance graph", provenanceGraph(t),
      t.influences.length > 20 ? notice(`The 20 strongest of ${t.influences.length} influences are drawn; all are in the chart below.`) : null),
    section("Influence scores", t.influences.length ? barChart(`Influence score per work (${t.influences.length})`, bars, { format: (v) => v.toFixed(3) })
      : notice("No influences this key may see.")),
    section("Who gets paid", amountForm, payout),
    section("Compliance", flagList(t.flags), lineageList(t.lineage), runTable(t.trainingRuns)),
  ];
}

async function showPayout(target, id, amount, works) {
  target.replaceChildren(h("p", { class: "busy" }, "Computing…"));
  const { data, errors } = await gql(PAYOUT, { id, amount });
  if (!data || !data.whoGetsPaid) {
    const bad = errors.find((e) => codeOf(e) === "BAD_USER_INPUT");
    target.replaceChildren(bad ? notice(bad.message, "error") : hidden(errors, "whoGetsPaid", "Payment splits") || notice("No answer.", "error"));
    return;
  }
  const p = data.whoGetsPaid;
  const byCreator = new Map();
  const remainder = p.lines.filter((l) => l.basis === "UNATTRIBUTED_REMAINDER").reduce((t, l) => t + Number(l.amount), 0);
  for (const line of p.lines.filter((l) => l.basis !== "UNATTRIBUTED_REMAINDER")) byCreator.set(line.creatorId, (byCreator.get(line.creatorId) || 0) + Number(line.amount));
  const names = new Map();
  for (const w of works.values()) for (const c of w.creators) names.set(c.id, person(c));
  const bars = [...byCreator].map(([c, v]) => ({ label: names.get(c) || c, value: v }))
    .concat(remainder ? [{ label: "unattributed remainder", value: remainder, kind: "held" }] : [])
    .concat([...new Set(p.suspense.map((s) => s.reason))].map((reason) => ({ label: `held: ${reason}`, kind: "flagged",
      value: p.suspense.filter((s) => s.reason === reason).reduce((t, s) => t + Number(s.amount), 0) })))
    .sort((a, b) => b.value - a.value);
  const direct = p.lines.filter((l) => l.basis !== "UNATTRIBUTED_REMAINDER");
  const spread = p.lines.filter((l) => l.basis === "UNATTRIBUTED_REMAINDER");
  const row = (l) => h("tr", { "data-row": "payout" },
    h("td", {}, field("line.creator", names.get(l.creatorId) || l.creatorId)),
    h("td", {}, link(`#/work/${enc(l.workId)}`, works.get(l.workId)?.title || l.workId)),
    h("td", {}, l.role), h("td", { class: "num" }, (l.shareBp / 100).toFixed(2)),
    h("td", { class: "num" }, ratio(l.influenceScore)),
    h("td", { class: "num" }, field("line.amount", l.amount)));
  const summary = [];
  if (spread.length) {
    summary.push(h("tr", { "data-row": "remainder" }, h("td", { colspan: 5 },
      `Unattributed remainder, shared across the training data (${spread.length} lines, listed below)`),
    h("td", { class: "num" }, field("line.sum", sum(spread.map((l) => l.amount))))));
  }
  const reasons = new Map();
  for (const s of p.suspense) reasons.set(s.reason, [...(reasons.get(s.reason) || []), s]);
  for (const [reason, held] of reasons) {
    summary.push(h("tr", { "data-row": "suspense" }, h("td", { colspan: 5 }, `Held in suspense: ${reason} (${held.length}), e.g. ${held[0].message}`),
      h("td", { class: "num" }, field("line.sum", sum(held.map((s) => s.amount))))));
  }
  const headers = ["Creator", "Work", "Role", "Share %", "Influence", `Amount (${p.currency})`];
  target.replaceChildren(
    barChart(`Payout of ${p.amount} ${p.currency} by creator`, bars.slice(0, 25), { format: (v) => v.toFixed(2) }),
    table(`${direct.length} attribution lines, the remainder and what is held, summing to ${p.amount} ${p.currency}`,
      headers, [...direct.map(row), ...summary,
        h("tr", { class: "total" }, h("th", { scope: "row", colspan: 5 }, "Total"), h("td", { class: "num" }, field("payout.total", sum([...p.lines.map((l) => l.amount), ...p.suspense.map((s) => s.amount)]))))],
      { class: "payout" }),
    spread.length ? h("details", {}, h("summary", {}, `The ${spread.length} remainder lines`),
      table("Unattributed remainder per holder and work", headers, spread.map(row))) : null,
  );
}

// Scores come as exact fractions ("201/5000"); three decimals are enough to read them.
function ratio(text) {
  if (!text) return "–";
  const [a, b = "1"] = text.split("/");
  return (Number(a) / Number(b)).toFixed(3);
}

// Exact decimal sums (amounts are decimal strings; floats would drift by a cent).
const SCALE = 6;
function sum(amounts) {
  let total = 0n;
  for (const a of amounts) {
    const negative = a.startsWith("-");
    const [whole, frac = ""] = a.replace("-", "").split(".");
    const units = BigInt(whole) * 10n ** BigInt(SCALE) + BigInt((frac + "0".repeat(SCALE)).slice(0, SCALE));
    total += negative ? -units : units;
  }
  const sign = total < 0n ? "-" : "";
  const abs = total < 0n ? -total : total;
  const frac = (abs % 10n ** BigInt(SCALE)).toString().padStart(SCALE, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}${abs / 10n ** BigInt(SCALE)}.${frac}`;
}

function flagList(flags) {
  if (!flags.length) return h("p", { class: "ok", "data-field": "flags" }, "No compliance flags.");
  return h("ul", { class: "flags" }, flags.map((f) => h("li", {},
    field("flag.code", f.code, "strong"), ` on ${f.subjectKind.toLowerCase()} ${f.subjectId}: ${f.message}`,
    f.reasons.length ? h("ul", {}, f.reasons.map((r) => h("li", { title: r.code }, r.message))) : null)));
}

function lineageList(lineage) {
  return h("p", {}, "Lineage: ", lineage.map((m, i) => [i ? " ← " : "",
    link(`#/model/${enc(m.id)}`, `${m.name} ${m.version}`), ` (${m.complianceStatus.toLowerCase()})`]));
}

function runTable(runs) {
  return table("Training runs of the lineage", ["Run", "Grant", "Items", "Started", "Compliant"], runs.map((r) =>
    h("tr", {}, h("td", {}, r.id), h("td", {}, r.grantId || "none"), h("td", { class: "num" }, r.itemCount),
      h("td", {}, r.startedAt.slice(0, 10)), h("td", { class: r.compliant ? "ok" : "bad" }, r.compliant ? "yes" : "no"))));
}

// ---- work ---------------------------------------------------------------------------------------

const WORK = {
  work: `query($id: ID!) { work(id: $id) { id title iswcFormatted language status creators { id name firstName kind } } }`,
  shares: `query($id: ID!) { work(id: $id) { shares { role performingBp mechanicalBp synchronisationBp creator { id name firstName } } } }`,
  consents: `query($id: ID!) { consents(workId: $id, first: 50) { edges { node { id creatorId decision scopes catalogue validFrom revokedAt } } } }`,
  workProvenance: `query($id: ID!) { workProvenance(workId: $id) {
    models(first: 20) { edges { node { direct model { id name version licenseeId } } } }
    outputs(first: 20) { totalCount edges { node { score vendorId output { id title generatedAt } } } } } }`,
  viewer: `{ viewer { role scopeId } }`,
};

export async function workPage(id) {
  const names = Object.keys(WORK);
  const answers = await Promise.all(names.map((n) => gql(WORK[n], { id })));
  const data = {};
  const errors = [];
  names.forEach((n, i) => {
    data[n] = answers[i].data ? answers[i].data[n === "shares" ? "work" : n] : null;
    errors.push(...answers[i].errors.map((e) => ({ ...e, path: [n] })));
  });
  if (!data.work) return [h("h1", {}, "Work"), hidden(errors, "work", "This work") || notice("Not found.")];
  const w = data.work;
  const parts = [
    h("h1", {}, w.title),
    h("dl", { class: "facts" }, h("dt", {}, "ISWC"), h("dd", {}, field("work.iswc", w.iswcFormatted)),
      h("dt", {}, "Status"), h("dd", {}, field("work.status", w.status)),
      h("dt", {}, "Creators"), h("dd", {}, w.creators.map((c, i) => [i ? ", " : "", field("creator", person(c))]))),
  ];
  const shares = data.shares?.shares;
  parts.push(section("Shares", shares ? table("The split per right (%)", ["Holder", "Role", "Performing", "Mechanical", "Sync"],
    shares.map((s) => h("tr", { "data-row": "share" }, h("td", {}, field("share.holder", person(s.creator))), h("td", {}, s.role),
      ...[s.performingBp, s.mechanicalBp, s.synchronisationBp].map((bp) => h("td", { class: "num" }, (bp / 100).toFixed(2))))))
    : hidden(errors, "shares", "The split")));
  const consents = data.consents?.edges.map((e) => e.node);
  parts.push(section("Consents and their history", consents ? (consents.length ? table("Newest first",
    ["Creator", "Decision", "Scopes", "From", "Revoked"], consents.map((c) => h("tr", { "data-row": "consent" },
      h("td", {}, c.creatorId), h("td", {}, field("consent.decision", c.decision)), h("td", {}, c.scopes.join(", ")),
      h("td", {}, c.validFrom.slice(0, 10)), h("td", {}, c.revokedAt ? c.revokedAt.slice(0, 10) : "–"))))
    : notice("No work-level consents; catalogue-wide consents of its creators apply.")) : hidden(errors, "consents", "Consents")));
  const prov = data.workProvenance;
  parts.push(section("Models trained on it", prov ? h("ul", {}, prov.models.edges.map(({ node }) =>
    h("li", { "data-row": "model" }, link(`#/model/${enc(node.model.id)}`, `${node.model.name} ${node.model.version}`),
      ` (${node.model.licenseeId}${node.direct ? "" : ", through its base model"})`))) : hidden(errors, "workProvenance", "Training")));
  if (prov) parts.push(section(`Outputs it influenced (${prov.outputs.totalCount})`, h("ul", {}, prov.outputs.edges.map(({ node }) =>
    h("li", { "data-row": "influenced" }, link(`#/output/${enc(node.output.id)}`, node.output.title || node.output.id), ` score ${node.score} (${node.vendorId})`)))));
  if (data.viewer?.role === "CREATOR") parts.push(await earnings(id));
  return parts;
}

const EARNINGS = `query Earn($period: String!) { myEarnings(period: $period) { statement { stream period }
  lines(first: 100) { edges { node { workId amount } } } } }`;

// The last twelve months: a creator's key may read its earnings per period, not the list of statements.
function recentPeriods(count = 12) {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
  });
}

async function earnings(workId) {
  const byStream = new Map();
  const answers = await Promise.all(recentPeriods().map((period) => gql(EARNINGS, { period })));
  for (const answer of answers) {
    for (const entry of answer.data?.myEarnings || []) {
      for (const { node } of entry.lines.edges) {
        if (node.workId !== workId) continue;
        const key = `${entry.statement.period} ${entry.statement.stream}`;
        byStream.set(key, (byStream.get(key) || 0) + Number(node.amount));
      }
    }
  }
  const bars = [...byStream].map(([label, value]) => ({ label, value }));
  return section("Earnings by stream", bars.length ? barChart("Your earnings from this work (EUR)", bars, { format: (v) => v.toFixed(2) })
    : notice("No earnings from this work on final statements yet."));
}

// ---- model --------------------------------------------------------------------------------------

const MODEL = `query Model($id: ID!) {
  modelTrainingSummary(modelId: $id) {
    model { id name version licenseeId lineage { id name version complianceStatus } }
    complianceStatus runCount trainingFrom trainingUntil worksUsed worksLicensed worksUnlicensed
    recordingsUsed recordingsLicensed recordingsUnlicensed unidentifiedItems
    sources { source works recordings items } flagCounts { code count }
    trainingRuns { id grantId compliant grantValid itemCount unmatchedCount startedAt finishedAt modelId }
  }
}`;

export async function modelPage(id) {
  const { data, errors } = await gql(MODEL, { id });
  const s = data?.modelTrainingSummary;
  if (!s) return [h("h1", {}, `Model ${id}`), hidden(errors, "modelTrainingSummary", "This model") || notice("Not found.")];
  return [
    h("h1", {}, `${s.model.name} ${s.model.version}`),
    h("dl", { class: "facts" }, h("dt", {}, "Licensee"), h("dd", {}, field("model.licenseeId", s.model.licenseeId)),
      h("dt", {}, "Compliance"), h("dd", {}, h("span", { class: s.complianceStatus === "COMPLIANT" ? "ok" : "bad", "data-field": "model.complianceStatus" }, s.complianceStatus)),
      h("dt", {}, "Training period"), h("dd", {}, `${(s.trainingFrom || "–").slice(0, 10)} to ${(s.trainingUntil || "–").slice(0, 10)}`)),
    section("Training summary (in the spirit of the EU AI Act, Article 53)",
      table("What the lineage was trained on", ["", "Used", "Licensed", "Unlicensed"], [
        h("tr", {}, h("th", { scope: "row" }, "Works"), h("td", { class: "num" }, field("summary.worksUsed", s.worksUsed)), h("td", { class: "num" }, s.worksLicensed), h("td", { class: "num" }, s.worksUnlicensed)),
        h("tr", {}, h("th", { scope: "row" }, "Recordings"), h("td", { class: "num" }, s.recordingsUsed), h("td", { class: "num" }, s.recordingsLicensed), h("td", { class: "num" }, s.recordingsUnlicensed)),
        h("tr", {}, h("th", { scope: "row" }, "Unidentified items"), h("td", { class: "num" }, s.unidentifiedItems), h("td", {}, ""), h("td", {}, "")),
      ]),
      barChart("Manifest items by source", s.sources.map((x) => ({ label: x.source, value: x.items, kind: x.source === "COLLECTIVE_LICENCE" ? "" : "flagged" }))),
      s.flagCounts.length ? h("ul", { class: "flags" }, s.flagCounts.map((f) => h("li", {}, field("flag.code", f.code), `: ${f.count}`))) : h("p", { class: "ok" }, "No flags.")),
    section("Lineage", lineageList(s.model.lineage)),
    section("Training runs", runTable(s.trainingRuns)),
  ];
}

// ---- transparency -------------------------------------------------------------------------------

const TRANSPARENCY = `{ transparencyReport { creators works worksWithOptIn worksDeclined licensees activeGrants vendors models
  trainingRuns flaggedTrainingRuns outputs flaggedOutputs attributionReports
  distributed { stream currency paid suspended statements } }
  serviceInfo { name version } }`;
// Public: anyone may read the head (and keep it, to hold the service to it later; docs/audit-checkpoints.md).
const HEAD = `query Head { auditHead { chain seq hash } }`;

export async function transparencyPage() {
  const [{ data }, head] = await Promise.all([gql(TRANSPARENCY), gql(HEAD)]);
  const r = data.transparencyReport;
  const counts = [["Creators", r.creators], ["Works", r.works], ["Works opted in", r.worksWithOptIn], ["Works declined", r.worksDeclined],
    ["Licensees", r.licensees], ["Active grants", r.activeGrants], ["Attribution vendors", r.vendors], ["Models", r.models],
    ["Training runs", r.trainingRuns], ["Flagged training runs", r.flaggedTrainingRuns], ["Outputs", r.outputs],
    ["Flagged outputs", r.flaggedOutputs], ["Attribution reports", r.attributionReports]];
  const heads = head.data?.auditHead;
  return [
    h("h1", {}, "Transparency"),
    h("p", {}, `What ${data.serviceInfo.name} ${data.serviceInfo.version} publishes to anyone.`),
    section("Audit trail head", heads ? (heads.length ? heads.map((c) => h("dl", { class: "facts", "data-chain": c.chain },
      h("dt", {}, "Chain"), h("dd", {}, field("audit.chain", c.chain)),
      h("dt", {}, "Sequence number"), h("dd", {}, field("audit.seq", c.seq)),
      h("dt", {}, "Head hash"), h("dd", {}, field("audit.hash", c.hash, "code"))))
      : notice("The audit trail is empty.")) : hidden(head.errors, "auditHead", "The audit head")),
    section("The registry in numbers", h("dl", { class: "counts" }, counts.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, field(`count.${k}`, v)))))),
    section("Works and their consent", barChart("Works by consent", [
      { label: "Opted in", value: r.worksWithOptIn }, { label: "Declined", value: r.worksDeclined, kind: "flagged" },
      { label: "No answer", value: Math.max(0, r.works - r.worksWithOptIn - r.worksDeclined), kind: "held" }])),
    section("Money distributed (final statements)", r.distributed.length ? [
      barChart("Paid and held per stream (EUR)", r.distributed.flatMap((d) => [
        { label: `${d.stream} paid`, value: Number(d.paid) }, { label: `${d.stream} held`, value: Number(d.suspended), kind: "held" }]),
      { format: (v) => v.toFixed(2) }),
      table("Totals per stream", ["Stream", "Currency", "Paid", "Held", "Statements"], r.distributed.map((d) => h("tr", {},
        h("td", {}, d.stream), h("td", {}, d.currency), h("td", { class: "num" }, d.paid), h("td", { class: "num" }, d.suspended), h("td", { class: "num" }, d.statements))))]
      : notice("Nothing distributed yet.")),
  ];
}

// ---- read a track back -------------------------------------------------------------------------

const INSPECT = `mutation Inspect($audio: Upload!) {
  inspectAudio(audio: $audio) {
    state message fileSha256 manifestFound validationState signatureValid chainTrusted hashBindingValid
    editedSinceSigning problems manifestLabel claimedOutputId claimedProvenance matchedBy
    trace { compliant output { id title contentHash licenseeId } lineage { id name version complianceStatus } }
  }
}`;

const GOOD = new Set(["VERIFIED"]);

export async function inspectPage() {
  const result = h("div", { id: "inspection", "aria-live": "polite" });
  const form = h("form", { class: "upload", onsubmit: async (e) => {
    e.preventDefault();
    const file = e.target.elements.audio.files[0];
    if (!file) { result.replaceChildren(notice("Choose an audio file first.", "error")); return; }
    document.body.dataset.ready = "false";
    result.replaceChildren(h("p", { class: "busy" }, `Reading ${file.name}…`));
    try {
      const { data, errors } = await gqlUpload(INSPECT, "audio", file);
      result.replaceChildren(...(data?.inspectAudio ? inspection(data.inspectAudio)
        : [notice(`This file could not be read: ${errors[0]?.message || "no answer"}`, "error")]));
    } catch (error) {
      result.replaceChildren(notice(`This file could not be read: ${error.message}`, "error"));
    } finally {
      document.body.dataset.ready = "true";
    }
  } },
  h("label", { for: "audio" }, "An audio file (WAV, MP3, FLAC or M4A)"),
  h("div", { class: "row" }, h("input", { id: "audio", name: "audio", type: "file", accept: ".wav,.mp3,.flac,.m4a,audio/*" }),
    h("button", { type: "submit" }, "Read its credentials")));
  return [
    h("h1", {}, "Read a track back"),
    h("p", {}, "Upload a track to read the C2PA content credentials signed into it: whether the signature, its certificate ",
      "chain and the hash binding hold (was the audio edited since signing?), what the manifest claims, and the ",
      "output's trace as your key may read it. The file is read, never stored."),
    currentKey() ? null : notice("Reading a file needs an API key of any role (uploads are refused without one): paste one above."),
    form, result,
  ];
}

function yesNo(name, value) {
  if (value === null || value === undefined) return field(name, null);
  return h("span", { class: value ? "ok" : "bad", "data-field": name }, value ? "yes" : "no");
}

function inspection(r) {
  const claims = r.claimedProvenance || {};
  const parts = [
    h("p", { class: `verdict ${GOOD.has(r.state) ? "ok" : "bad"}`, role: GOOD.has(r.state) ? "status" : "alert" },
      field("inspection.state", r.state, "strong"), " ", field("inspection.message", r.message)),
    section("Validation", h("dl", { class: "facts" },
      h("dt", {}, "Manifest found"), h("dd", {}, yesNo("inspection.manifestFound", r.manifestFound)),
      h("dt", {}, "Claim signature valid"), h("dd", {}, yesNo("inspection.signatureValid", r.signatureValid)),
      h("dt", {}, "Certificate chain trusted"), h("dd", {}, yesNo("inspection.chainTrusted", r.chainTrusted)),
      h("dt", {}, "Hash binding holds (audio unchanged)"), h("dd", {}, yesNo("inspection.hashBindingValid", r.hashBindingValid)),
      h("dt", {}, "Library's verdict"), h("dd", {}, field("inspection.validationState", r.validationState)),
      h("dt", {}, "File SHA-256"), h("dd", {}, field("inspection.fileSha256", r.fileSha256, "code")),
      h("dt", {}, "Manifest label"), h("dd", {}, field("inspection.manifestLabel", r.manifestLabel, "code"))),
    r.problems.length ? h("ul", { class: "flags" }, r.problems.map((p) => h("li", {}, field("inspection.problem", p)))) : null),
  ];
  if (r.claimedProvenance) parts.push(claimSection(claims));
  parts.push(section("Trace", r.trace ? [
    h("p", {}, `Found by ${r.matchedBy}: `, link(`#/output/${enc(r.trace.output.id)}`, `open the trace of ${r.trace.output.title || r.trace.output.id}`)),
    h("dl", { class: "facts" },
      h("dt", {}, "Output"), h("dd", {}, field("trace.output.id", r.trace.output.id)),
      h("dt", {}, "Licensee"), h("dd", {}, field("trace.output.licenseeId", r.trace.output.licenseeId)),
      h("dt", {}, "Compliant"), h("dd", {}, yesNo("trace.compliant", r.trace.compliant))),
    lineageList(r.trace.lineage)]
    : notice("The service holds no output for this file that this key may read.")));
  return parts;
}

function claimSection(c) {
  const influences = c.attribution?.influences || [];
  const rows = influences.map((i) => h("tr", { "data-row": "claimed-influence" },
    h("td", {}, field("claim.influence.title", i.title)), h("td", {}, i.kind),
    h("td", {}, i.iswc ? field("claim.influence.iswc", i.iswc)
      : (i.workIswcs || []).map((w, n) => [n ? ", " : "", field("claim.influence.iswc", w)])),
    h("td", {}, field("claim.influence.isrc", i.isrc)),
    h("td", {}, (i.creatorIpis || []).map((ipi, n) => [n ? ", " : "", field("claim.influence.ipi", ipi)])),
    h("td", { class: "num" }, field("claim.influence.score", i.score))));
  return section("What the manifest claims",
    h("dl", { class: "facts" },
      h("dt", {}, "Output"), h("dd", {}, field("claim.output.id", c.output?.id)),
      h("dt", {}, "Content hash (unsigned audio)"), h("dd", {}, field("claim.output.contentHash", c.output?.contentHash, "code")),
      h("dt", {}, "Model"), h("dd", {}, field("claim.model.id", c.model?.id), c.model ? ` (${c.model.name} ${c.model.version})` : ""),
      h("dt", {}, "Licensee"), h("dd", {}, field("claim.licensee.id", c.licensee?.id), c.licensee?.name ? ` (${c.licensee.name})` : ""),
      h("dt", {}, "Licence grants"), h("dd", {}, (c.grants || []).length ? c.grants.map((g, n) => [n ? ", " : "", field("claim.grant", g)]) : "none"),
      h("dt", {}, "Attribution report"), h("dd", {}, field("claim.report", c.attribution?.reportId), c.attribution?.vendorId ? ` by ${c.attribution.vendorId}` : ""),
      h("dt", {}, "Trace link"), h("dd", {}, c.trace?.url ? h("a", { href: c.trace.url, "data-field": "claim.trace.url" }, c.trace.url) : "–")),
    influences.length ? table(`${influences.length} influences the manifest states`, ["Title", "Kind", "ISWC", "ISRC", "IPI", "Score"], rows)
      : notice("The manifest states no influences."));
}
