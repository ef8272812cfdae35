/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no external request —
 * a CSP meta tag forbids any), printable on A4. Sections: final figures (best marked), one chart
 * per metric, each lane (summary, steps, final /proc/iomem), the /proc/iomem diff between lanes,
 * the scenario and the environment.
 */
import { renderChartSvg } from './charts.js';
import { LANE_COLORS } from './model.js';
import { formatBytes, formatInt, formatMs } from '../format.js';
import { kdumpVerdict } from './format.js';
import type { Report, ReportLane, ReportStep } from './model.js';
import { buildReportView, excerptLines, laneStatusText, type IomemDiffView, type ReportView } from './view.js';

/** Steps shown per lane in the HTML tables; the rest are in the JSON and CSV reports. */
export const HTML_STEP_ROWS = 60;
/** /proc/iomem lines shown per lane (head and tail); the JSON report keeps the whole excerpt. */
export const HTML_IOMEM_LINES = 160;
/** Diff lines shown per lane pair. */
export const HTML_DIFF_LINES = 2000;
/** A run of added or removed lines longer than this is shown as its first and last lines. */
export const HTML_DIFF_RUN = 24;

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** One class per lane colour (no style attributes anywhere: the report also renders under a strict CSP). */
const LANE_CSS = LANE_COLORS.map((c, i) => `.l${i} .swatch, .swatch.l${i} { background: ${c}; } article.lane.l${i} { border-top-color: ${c}; }`).join('\n');

/** The report's stylesheet (exported for printing the report inside the app). */
export const REPORT_CSS = `
:root { --fg: #1b1f24; --muted: #5b6470; --line: #d6dbe1; --head: #f1f3f6; --best: #e3f4e8; --bad: #fbe5e1; --add: #e6f4ea; --del: #fce8e6; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 20px 24px 40px; color: var(--fg); background: #fff;
  font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
h1 { font-size: 20px; margin: 0 0 2px; } h2 { font-size: 16px; margin: 26px 0 8px; padding-bottom: 3px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 6px; }
.sub, .note { color: var(--muted); } .note { font-size: 12px; margin: 4px 0; }
nav { margin: 8px 0 0; font-size: 12px; } nav a { color: var(--muted); margin-right: 12px; }
table { border-collapse: collapse; margin: 4px 0 8px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; } td.num { text-align: right; white-space: nowrap; }
td.best { background: var(--best); font-weight: 700; } td.fail { background: var(--bad); }
table.steps td { white-space: nowrap; padding: 2px 6px; }
.best-mark { color: #17803d; margin-left: 3px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
figure.chart { margin: 10px 0 14px; break-inside: avoid; } figure.chart svg { width: 100%; height: auto; display: block; }
pre { font: 11.5px/1.35 ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; background: #fafbfc;
  border: 1px solid var(--line); padding: 6px 8px; overflow: auto; max-height: 420px; margin: 4px 0 10px; white-space: pre; }
pre .add { background: var(--add); display: block; } pre .del { background: var(--del); display: block; }
pre .hunk { color: var(--muted); display: block; } pre .gap { color: var(--muted); font-style: italic; display: block; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 4px 0 8px; } dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; }
article.lane { border-top: 3px solid var(--line); padding-top: 2px; margin-top: 16px; }
@page { size: A4; margin: 14mm 12mm; }
${LANE_CSS}
@media print {
  body { max-width: none; padding: 0; font-size: 10.5px; }
  nav { display: none; } table.steps { font-size: 9px; } pre { max-height: none; overflow: visible; white-space: pre-wrap; word-break: break-all; font-size: 9px; }
  h2, h3, h4 { break-after: avoid; } figure.chart, dl.kv { break-inside: avoid; }
  th, td.best, td.fail, pre .add, pre .del { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`.trim();

/** The report's body markup (every section), without the document around it. */
export function renderReportBody(report: Report, view: ReportView = buildReportView(report)): string {
  return [
    header(report),
    finalSection(view),
    chartsSection(view),
    lanesSection(report),
    diffSection(view),
    scenarioSection(report),
    environmentSection(report),
  ].join('\n');
}

/** The complete HTML document of a report. */
export function renderReportHtml(report: Report, view: ReportView = buildReportView(report)): string {
  const title = escapeHtml(report.title);
  const body = renderReportBody(report, view);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(`${report.generator.name} ${report.generator.version}`)}">
<title>${title}</title>
<style>
${REPORT_CSS}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function header(r: Report): string {
  const lanes = r.lanes.map((l) => escapeHtml(l.label)).join(', ');
  return `<header>
<h1>${escapeHtml(r.title)}</h1>
<div class="sub">Scenario <b>${escapeHtml(r.scenario.name)}</b> (${escapeHtml(r.scenario.source)}), seed ${r.scenario.seed} · lanes: ${lanes} · ${escapeHtml(r.createdAt)} · ${escapeHtml(r.generator.name)} ${escapeHtml(r.generator.version)}</div>
<nav><a href="#final">Final figures</a><a href="#charts">Charts</a><a href="#lanes">Lanes</a><a href="#diff">/proc/iomem diff</a><a href="#scenario">Scenario</a><a href="#environment">Environment</a></nav>
</header>`;
}

function swatch(i: number): string {
  return `<span class="swatch l${i % LANE_COLORS.length}"></span>`;
}

function finalSection(view: ReportView): string {
  const head = `<tr><th>Lane</th><th>Profile</th><th>Strategy</th>${view.final.columns.map((c) => `<th>${escapeHtml(c.title)}</th>`).join('')}</tr>`;
  const rows = view.final.rows.map((row, i) => {
    const cells = view.final.columns.map((c) => {
      const cell = row.cells[c.key];
      const cls = [c.key === 'kdump' ? '' : 'num', cell.best ? 'best' : '', c.key === 'kdump' && cell.text.startsWith('FAILS') ? 'fail' : '']
        .filter(Boolean)
        .join(' ');
      const mark = cell.best ? '<span class="best-mark" title="best">★</span>' : '';
      return `<td${cls ? ` class="${cls}"` : ''}${cell.best ? ' data-best="true"' : ''}>${escapeHtml(cell.text)}${mark}</td>`;
    });
    const error = row.status === 'error' ? ` <span class="note">(${escapeHtml(row.error ?? 'failed')})</span>` : '';
    return `<tr data-lane="${escapeHtml(row.laneId)}"><td>${swatch(i)}${escapeHtml(row.label)}${error}</td><td>${escapeHtml(row.profile)}</td><td>${escapeHtml(row.strategy)}</td>${cells.join('')}</tr>`;
  });
  return `<section id="final">
<h2>Final figures</h2>
<table class="final">
<thead>${head}</thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<p class="note">★ best value of the column (lowest; for kdump: fewest ranges among lanes whose kdump loads). Wall time is this machine's, the other figures are exact.</p>
</section>`;
}

function chartsSection(view: ReportView): string {
  const figures = view.charts.map(
    (c, i) => `<figure class="chart" id="chart-${c.id}">
${renderChartSvg(c, { idPrefix: `c${i}` })}
</figure>`,
  );
  return `<section id="charts">
<h2>Per step</h2>
${figures.join('\n')}
</section>`;
}

function lanesSection(r: Report): string {
  return `<section id="lanes">
<h2>Lanes</h2>
${r.lanes.map((lane, i) => laneArticle(lane, i)).join('\n')}
</section>`;
}

function laneArticle(lane: ReportLane, i: number): string {
  const params = lane.params ? Object.entries(lane.params).map(([k, v]) => `${k}=${String(v)}`).join(', ') : '';
  const s = lane.summary;
  const kv: [string, string][] = [
    ['Profile', lane.profile],
    ['Strategy', lane.strategy],
    ...(params ? ([['Device parameters', params]] as [string, string][]) : []),
    ['Status', laneStatusText(lane)],
  ];
  if (s) {
    kv.push(
      ['Resources', `${formatInt(s.resources.total)} total, ${formatInt(s.resources.topLevel)} top-level, ${formatInt(s.resources.systemRam)} "System RAM"`],
      ['/proc/iomem', `${formatInt(s.iomem.lines)} lines, ${formatInt(s.iomem.bytes)} bytes`],
      ['Kernel visits', formatInt(s.visits.total)],
      ['Wall time', formatMs(s.wallMs)],
      ['kdump', kdumpVerdict(s.kdump)],
    );
  }
  const dl = kv.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  return `<article class="lane l${i % LANE_COLORS.length}" id="lane-${escapeHtml(lane.id)}">
<h3>${swatch(i)}${escapeHtml(lane.label)}</h3>
<dl class="kv">${dl}</dl>
${stepsTable(lane.steps)}
${iomemBlock(lane)}
${eventsBlock(lane)}
</article>`;
}

function stepsTable(steps: readonly ReportStep[]): string {
  if (steps.length === 0) return '<p class="note">No steps ran.</p>';
  const head = '<tr><th>Step</th><th>Label</th><th>Sim time</th><th>Plugged</th><th>Resources</th><th>"System RAM"</th><th>/proc/iomem lines</th><th>Visits</th><th>Wall</th><th>Blocks on/off</th><th>kdump</th></tr>';
  const row = (s: ReportStep): string =>
    `<tr><td class="num">${s.index}</td><td>${escapeHtml(s.label)}</td><td class="num">${formatInt(Math.round(s.simTimeMs))} ms</td><td class="num">${formatBytes(s.plugged)}</td><td class="num">${formatInt(s.resources.total)}</td><td class="num">${formatInt(s.resources.systemRam)}</td><td class="num">${formatInt(s.iomem.lines)}</td><td class="num">${formatInt(s.visits)}</td><td class="num">${formatMs(s.wallMs)}</td><td class="num">${formatInt(s.blocks.online)} / ${formatInt(s.blocks.offline)}</td><td${s.kdump.ok ? '' : ' class="fail"'}>${s.kdump.ok ? 'ok' : 'fails'} ${formatInt(s.kdump.ranges)}/${formatInt(s.kdump.cap)}</td></tr>`;
  let body: string[];
  let note = '';
  if (steps.length <= HTML_STEP_ROWS) body = steps.map(row);
  else {
    const half = HTML_STEP_ROWS / 2;
    const hidden = steps.length - HTML_STEP_ROWS;
    body = [...steps.slice(0, half).map(row), `<tr><td colspan="11" class="note">… ${formatInt(hidden)} steps not shown …</td></tr>`, ...steps.slice(-half).map(row)];
    note = `<p class="note">${formatInt(steps.length)} steps; the first and last ${half} shown here, all of them in the JSON and CSV reports.</p>`;
  }
  return `<table class="steps">
<thead>${head}</thead>
<tbody>
${body.join('\n')}
</tbody>
</table>${note ? `\n${note}` : ''}`;
}

function iomemBlock(lane: ReportLane): string {
  if (!lane.iomem) return '<p class="note">No /proc/iomem captured.</p>';
  const x = lane.iomem;
  const shown = x.segments.reduce((n, s) => n + s.lines.length, 0);
  const what = shown === x.totalLines ? 'whole file' : `excerpt: ${formatInt(shown)} of ${formatInt(x.totalLines)} lines`;
  let all = excerptLines(x);
  let cut = '';
  if (all.length > HTML_IOMEM_LINES) {
    const half = HTML_IOMEM_LINES / 2;
    cut = `<p class="note">${formatInt(half * 2)} of the excerpt's ${formatInt(all.length)} lines shown; the JSON report holds the excerpt.</p>`;
    all = [...all.slice(0, half), `… ${formatInt(all.length - half * 2)} lines not shown here …`, ...all.slice(-half)];
  }
  const lines = all.map((l) => (l.startsWith('… ') ? `<span class="gap">${escapeHtml(l)}</span>` : escapeHtml(l)));
  return `<h4>Final /proc/iomem (${x.view === 'root' ? 'as root' : 'as a user'}; ${formatInt(x.totalLines)} lines, ${formatInt(x.bytes)} bytes; ${what})</h4>
<pre class="iomem">${lines.join('\n')}</pre>${cut}`;
}

function eventsBlock(lane: ReportLane): string {
  if (!lane.events || lane.events.length === 0) return '';
  const text = lane.events.map((e) => `[${(e.t / 1000).toFixed(6).padStart(13)}] ${e.level === 'info' ? '' : `${e.level}: `}${e.source}: ${e.message}`);
  return `<h4>Event log (last ${formatInt(lane.events.length)})</h4>
<pre class="events">${escapeHtml(text.join('\n'))}</pre>`;
}

function diffSection(view: ReportView): string {
  const parts = view.diffs.map(diffBlock);
  return `<section id="diff">
<h2>/proc/iomem: differences between lanes</h2>
${parts.length ? parts.join('\n') : '<p class="note">Only one lane has a /proc/iomem: nothing to compare.</p>'}
</section>`;
}

function diffBlock(d: IomemDiffView): string {
  const title = `${escapeHtml(d.aLabel)} → ${escapeHtml(d.bLabel)}`;
  const stat = `${formatInt(d.removed)} line${d.removed === 1 ? '' : 's'} only in ${escapeHtml(d.aLabel)}, ${formatInt(d.added)} only in ${escapeHtml(d.bLabel)}${d.minimal ? '' : ' (too many changes for a minimal diff: the changed middle is shown as one block)'}`;
  if (d.hunks.length === 0) return `<h3>${title}</h3>\n<p class="note">Identical.</p>`;
  const out: string[] = [];
  let budget = HTML_DIFF_LINES;
  for (const h of d.hunks) {
    if (budget <= 0) break;
    out.push(`<span class="hunk">@@ line ${h.aStart + 1} / line ${h.bStart + 1} @@</span>`);
    const shown = foldRuns(h.lines, d);
    for (const l of shown.slice(0, budget)) {
      const text = escapeHtml(l.kind === 'gap' ? l.text : `${l.kind}${l.text}`);
      out.push(l.kind === '+' ? `<span class="add">${text}</span>` : l.kind === '-' ? `<span class="del">${text}</span>` : l.kind === 'gap' ? `<span class="gap">${text}</span>` : text);
    }
    budget -= shown.length;
  }
  const cut = budget < 0 ? `\n<p class="note">Diff cut at ${formatInt(HTML_DIFF_LINES)} lines.</p>` : '';
  return `<h3>${title}</h3>
<p class="note">${stat}</p>
<pre class="diff">${out.join('\n')}</pre>${cut}`;
}

type DiffLine = { kind: ' ' | '-' | '+' | 'gap'; text: string };

/** Long runs of removed or added lines keep their first and last lines around a count. */
function foldRuns(lines: readonly { kind: ' ' | '-' | '+'; text: string }[], d: IomemDiffView): DiffLine[] {
  const out: DiffLine[] = [];
  let i = 0;
  while (i < lines.length) {
    let j = i;
    while (j < lines.length && lines[j]!.kind === lines[i]!.kind) j++;
    const run = lines.slice(i, j);
    if (run[0]!.kind !== ' ' && run.length > HTML_DIFF_RUN) {
      const head = HTML_DIFF_RUN - 6;
      const who = run[0]!.kind === '-' ? d.aLabel : d.bLabel;
      out.push(...run.slice(0, head), { kind: 'gap', text: `… ${formatInt(run.length - head - 4)} more lines only in ${who} …` }, ...run.slice(-4));
    } else out.push(...run);
    i = j;
  }
  return out;
}

function scenarioSection(r: Report): string {
  const sc = r.scenario;
  const kv: [string, string][] = [
    ['Name', sc.name],
    ...(sc.description ? ([['Description', sc.description]] as [string, string][]) : []),
    ['Source', sc.source],
    ['Seed', String(sc.seed)],
  ];
  return `<section id="scenario">
<h2>Scenario</h2>
<dl class="kv">${kv.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<pre class="scenario">${escapeHtml(JSON.stringify(sc.definition, null, 2))}</pre>
</section>`;
}

function environmentSection(r: Report): string {
  const rows = Object.entries(r.environment)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`);
  return `<section id="environment">
<h2>Environment</h2>
<table class="env"><tbody>
${rows.join('\n')}
</tbody></table>
</section>`;
}
