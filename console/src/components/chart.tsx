/**
 * Time-series charts with uPlot: a sparkline (no axes) and a line chart
 * with axes and a legend. Colours come from the page's CSS, so they follow
 * light and dark mode.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16'];

/** One line of a chart. */
export interface Series {
  label: string;
  values: Array<number | null>;
}

interface ChartProps {
  /** x values: epoch seconds. */
  times: number[];
  series: Series[];
  height: number;
  /** No axes, legend or cursor: a sparkline. */
  spark?: boolean;
  /** Accessible description of what the chart shows. */
  label: string;
}

/** Tick spacings for the time axis, in seconds. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

const clock = (s: number): string => new Date(s * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

function textColor(el: Element): string {
  return getComputedStyle(el).color || '#888';
}

/** A uPlot chart that follows its container's width. */
export function Chart({ times, series, height, spark = false, label }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${spark}:${series.map((s) => s.label).join('\u0000')}`;

  useEffect(() => {
    const el = box.current!;
    const fg = textColor(el);
    const grid = 'rgba(128,128,128,0.18)';
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 100),
      height,
      legend: { show: !spark && series.length > 1 },
      cursor: spark ? { show: false } : { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
      axes: spark
        ? [{ show: false }, { show: false }]
        : [
            // Whole seconds, as wall-clock times: polls are seconds apart, so uPlot's sub-second ticks would only be noise.
            { stroke: fg, grid: { stroke: grid }, ticks: { stroke: grid }, space: 70, incrs: TIME_STEPS, values: (_u, splits) => splits.map(clock) },
            { stroke: fg, grid: { stroke: grid }, ticks: { stroke: grid }, size: 60 },
          ],
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length]!, width: spark ? 1.5 : 2, fill: spark ? 'rgba(59,130,246,0.15)' : undefined, points: { show: false } }))],
    };
    const u = new uPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 100), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of lines changes; new points go through setData below.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);

  return <div ref={box} class={spark ? 'chart spark' : 'chart'} role="img" aria-label={label} />;
}
