/**
 * A small SVG line chart: one line per series over the simulated days, a dashed rule on the
 * marked days (the poisoned one), hollow dots where the loop's gate kept the old model. Plain SVG
 * text, so it needs no library and renders in a browser, a README or an image viewer.
 */

export interface ChartSeries {
  name: string;
  values: readonly number[];
  color: string;
  /** Indexes of points drawn hollow (e.g. days the gate rejected the candidate). */
  hollow?: readonly number[];
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** One label per point (day numbers). */
  xTicks: readonly string[];
  series: readonly ChartSeries[];
  /** Vertical rules at point indexes, with a caption. */
  marks?: readonly { at: number; label: string }[];
  /** A note under the chart. */
  note?: string;
}

const W = 800;
const H = 420;
const M = { left: 64, right: 170, top: 44, bottom: 70 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round-number steps for the y axis: 1, 2 or 5 × a power of ten, about five of them. */
export function yTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toFixed(10)));
  return ticks;
}

export function lineChartSvg(c: LineChart): string {
  const n = c.xTicks.length;
  const all = c.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  const ticks = yTicks(Math.max(0, ...all));
  const top = ticks.at(-1)!;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (i: number) => M.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, DejaVu Sans, sans-serif" font-size="12">`
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(
    `<text x="${W / 2 - M.right / 2 + M.left / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(c.title)}</text>`
  );
  for (const t of ticks) {
    out.push(
      `<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e4e4e4"/>`
    );
    out.push(`<text x="${M.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#444">${t}</text>`);
  }
  c.xTicks.forEach((label, i) => {
    out.push(
      `<text x="${x(i).toFixed(1)}" y="${M.top + plotH + 18}" text-anchor="middle" fill="#444">${esc(label)}</text>`
    );
  });
  out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#888"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#888"/>`);
  out.push(`<text x="${M.left + plotW / 2}" y="${M.top + plotH + 40}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push(
    `<text transform="translate(18 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`
  );
  for (const m of c.marks ?? []) {
    out.push(
      `<line class="mark" x1="${x(m.at).toFixed(1)}" x2="${x(m.at).toFixed(1)}" y1="${M.top}" y2="${M.top + plotH}" stroke="#c0392b" stroke-dasharray="5 4"/>`
    );
    out.push(`<text x="${(x(m.at) + 4).toFixed(1)}" y="${M.top + 12}" fill="#c0392b">${esc(m.label)}</text>`);
  }
  c.series.forEach((s, k) => {
    const pts = s.values
      .map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : null))
      .filter((p): p is string => p !== null);
    out.push(
      `<polyline class="series" data-name="${esc(s.name)}" fill="none" stroke="${s.color}" stroke-width="2.2" points="${pts.join(' ')}"/>`
    );
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const hollow = s.hollow?.includes(i);
      out.push(
        `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="${hollow ? 4.5 : 3}" fill="${hollow ? 'white' : s.color}" stroke="${s.color}" stroke-width="1.6"/>`
      );
    });
    const ly = M.top + 16 + k * 22;
    out.push(
      `<line x1="${W - M.right + 16}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.2"/>`
    );
    out.push(`<text x="${W - M.right + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  if (c.note) out.push(`<text x="${M.left}" y="${H - 12}" fill="#555" font-size="11">${esc(c.note)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
