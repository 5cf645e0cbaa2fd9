/**
 * Charts for docs/benchmarks.md: a Vega-Lite specification compiled to Vega
 * and rendered to SVG in Node (vega's headless `View` with no renderer;
 * SVG output needs no canvas package and no native code).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One bar of a grouped bar chart: a group on the x axis, a series within it. */
export interface Bar {
  readonly group: string;
  readonly series: string;
  /** Undefined for a system that did not run: it is labelled "n/a" instead of drawn. */
  readonly value: number | undefined;
}

/** Renders any Vega-Lite specification to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The Vega-Lite specification of a grouped bar chart (exported so tests can check the data it carries). */
export function barChartSpec(title: string, subtitle: string, yTitle: string, bars: readonly Bar[]): TopLevelSpec {
  const groups = [...new Set(bars.map((b) => b.group))];
  const series = [...new Set(bars.map((b) => b.series))];
  const values = bars.map((b) => ({ group: b.group, series: b.series, value: b.value ?? 0, label: b.value === undefined ? 'n/a' : formatValue(b.value) }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, anchor: 'start' },
    width: { step: 36 },
    height: 320,
    background: 'white',
    data: { values },
    encoding: {
      x: { field: 'group', type: 'nominal', sort: groups, title: null, axis: { labelAngle: 0, labelLimit: 90 } },
      xOffset: { field: 'series', type: 'nominal', sort: series },
      color: { field: 'series', type: 'nominal', sort: series, title: null, legend: { orient: 'top' } },
    },
    layer: [
      { mark: { type: 'bar' }, encoding: { y: { field: 'value', type: 'quantitative', title: yTitle } } },
      { mark: { type: 'text', dy: -6, fontSize: 10 }, encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } } },
    ],
  };
}

/** A grouped bar chart as an SVG document. */
export function barChartSvg(title: string, subtitle: string, yTitle: string, bars: readonly Bar[]): Promise<string> {
  return renderSvg(barChartSpec(title, subtitle, yTitle, bars));
}

/** One panel of {@link panelsChartSvg}: a metric with its own axis. */
export interface Panel {
  readonly title: string;
  readonly bars: ReadonlyArray<{ readonly x: string; readonly value: number }>;
}

/** Bar charts side by side, one per metric, each with its own y axis (metrics of different units). */
export function panelsChartSpec(title: string, subtitle: string, panels: readonly Panel[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, anchor: 'start' },
    background: 'white',
    hconcat: panels.map((p) => ({
      title: p.title,
      width: { step: 48 },
      height: 240,
      data: { values: p.bars.map((b) => ({ x: b.x, value: b.value, label: formatValue(b.value) })) },
      encoding: { x: { field: 'x', type: 'nominal', sort: p.bars.map((b) => b.x), title: null, axis: { labelAngle: 0 } } },
      layer: [
        { mark: { type: 'bar', color: '#4c78a8' }, encoding: { y: { field: 'value', type: 'quantitative', title: null } } },
        { mark: { type: 'text', dy: -6, fontSize: 10 }, encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } } },
      ],
    })),
  };
}

/** {@link panelsChartSpec} as an SVG document. */
export function panelsChartSvg(title: string, subtitle: string, panels: readonly Panel[]): Promise<string> {
  return renderSvg(panelsChartSpec(title, subtitle, panels));
}

function formatValue(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}
