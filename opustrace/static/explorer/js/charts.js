// Horizontal bar charts drawn as SVG: each bar is labelled in text too, and the figure has a title.
import { svg } from "./dom.js";

export function barChart(title, bars, { unit = "", width = 640, format = (v) => v } = {}) {
  const rowHeight = 22;
  const labelWidth = 220;
  const max = Math.max(...bars.map((b) => b.value), 0) || 1;
  const height = bars.length * rowHeight + 8;
  const chart = svg("svg", {
    class: "chart", role: "img", viewBox: `0 0 ${width} ${height}`, width: "100%", "aria-label": title,
  });
  chart.append(svg("title", {}, title));
  bars.forEach((bar, i) => {
    const y = 4 + i * rowHeight;
    const barWidth = Math.max(1, ((width - labelWidth - 90) * bar.value) / max);
    chart.append(
      svg("text", { x: labelWidth - 6, y: y + 14, "text-anchor": "end", class: "label" }, clip(bar.label, 32)),
      svg("rect", { x: labelWidth, y: y + 3, width: barWidth, height: rowHeight - 8, rx: 2,
        class: `bar ${bar.kind || ""}` }, svg("title", {}, `${bar.label}: ${format(bar.value)}${unit}`)),
      svg("text", { x: labelWidth + barWidth + 6, y: y + 14, class: "value" }, `${format(bar.value)}${unit}`),
    );
  });
  return chart;
}

function clip(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
