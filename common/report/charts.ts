/**
 * Report charts as inline SVG, drawn with ECharts' server-side SVG renderer: no DOM, so the same
 * code runs in plain Node (the CLI), in a worker_threads worker and in a browser Web Worker.
 */
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { ChartView } from './view.js';
import { LANE_COLORS } from './model.js';

export { LANE_COLORS };

echarts.use([LineChart, GridComponent, LegendComponent, TitleComponent, SVGRenderer]);

const DASHES: ('solid' | 'dashed' | 'dotted')[] = ['solid', 'dashed', 'solid', 'dotted', 'dashed', 'solid'];

/** Above this many points a series is thinned with LTTB (the shape stays, the SVG stays small). */
const SAMPLE_ABOVE = 1500;

export interface ChartSvgOptions {
  width?: number;
  height?: number;
  /** Prefix for the SVG's internal ids and classes, unique in the page (ECharts numbers them per process). */
  idPrefix: string;
}

/** The chart of one metric as an `<svg>` element string, every lane a named series in the legend. */
export function renderChartSvg(chart: ChartView, opts: ChartSvgOptions): string {
  const width = opts.width ?? 760;
  const height = opts.height ?? 270;
  const instance = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    instance.setOption({
      animation: false,
      color: [...LANE_COLORS],
      title: { text: `${chart.title} (${chart.unit})`, left: 8, top: 4, textStyle: { fontSize: 14, fontWeight: 'bold' } },
      legend: { type: 'plain', top: 28, left: 8, right: 8, itemWidth: 22, textStyle: { fontSize: 12 } },
      grid: { left: 72, right: 24, top: 58 + legendRows(chart) * 20, bottom: 40 },
      xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 24, min: 'dataMin', max: 'dataMax', minInterval: 1 },
      yAxis: { type: 'value', scale: false },
      series: chart.series.map((s, i) => ({
        type: 'line',
        name: s.name,
        data: s.points,
        showSymbol: s.points.length <= 40,
        symbolSize: 4,
        sampling: s.points.length > SAMPLE_ABOVE ? 'lttb' : undefined,
        lineStyle: { width: 1.6, type: DASHES[i % DASHES.length] },
      })),
    });
    return tidySvg(instance.renderToSVGString(), chart, opts.idPrefix);
  } finally {
    instance.dispose();
  }
}

/** Extra legend rows to leave room for when lane names are long (about 110 px per short name). */
function legendRows(chart: ChartView): number {
  const widthPx = chart.series.reduce((sum, s) => sum + 40 + s.name.length * 7, 0);
  return Math.max(0, Math.ceil(widthPx / 700) - 1);
}

/**
 * Inline-ready SVG: namespace attributes dropped (the HTML parser supplies them, and the report then
 * holds no URL at all), ids renamed to the page-unique prefix, an accessible name and the metric id.
 * No CSS is left inside: ECharts' hover `<style>` goes and its `style="font-…"` attributes become
 * presentation attributes, so the chart also renders under a strict CSP (the app prints it in-page).
 */
function tidySvg(svg: string, chart: ChartView, idPrefix: string): string {
  const label = escapeAttr(`${chart.title} (${chart.unit}) per step: ${chart.series.map((s) => s.name).join(', ')}`);
  return svg
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace(/<style[^>]*>[\s\S]*?<\/style>/g, '')
    .replace(/ style="([^"]*)"/g, (_m, css: string) => presentation(css))
    .replace(/\bzr\d+-/g, `${idPrefix}-`)
    .replace(/^<svg /, `<svg role="img" aria-label="${label}" data-metric="${chart.id}" `);
}

/** `font-size:12px;font-family:sans-serif;` -> ` font-size="12px" font-family="sans-serif"`. */
function presentation(css: string): string {
  return css
    .split(';')
    .map((decl) => decl.split(':'))
    .filter((kv): kv is [string, string] => kv.length === 2 && /^[a-z-]+$/.test(kv[0]!.trim()))
    .map(([k, v]) => ` ${k.trim()}="${escapeAttr(v.trim())}"`)
    .join('');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
