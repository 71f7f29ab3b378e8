/**
 * Line plots from metrics, as SVG and PNG: specs compiled with vega-lite, rendered to SVG by
 * vega, rasterised with resvg (no hand-written chart renderer). The three are imported on the
 * first plot, not when the CLI starts (together ~0.3 s of loading and ~26 MB of packages).
 */
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from './files.js';

/** One plot of metrics.jsonl columns against the iteration. */
export interface PlotSpec {
  /** File name without extension (plots/<file>.svg and .png). */
  file: string;
  title: string;
  /** x column. */
  x: string;
  xTitle: string;
  yTitle: string;
  /**
   * y columns and their legend labels; `stdField` draws a ±std band around the line, `band` a
   * band between two columns (e.g. quartiles).
   */
  series: readonly { field: string; label: string; stdField?: string; band?: [string, string] }[];
  /** Logarithmic x axis (e.g. numbers of steps 1 … 20). */
  logX?: boolean;
}

/** The data's x range (a log axis is not extended to the next power of ten). */
function xDomain(values: readonly { x: unknown }[]): [number, number] {
  const xs = values.map((v) => v.x).filter((x): x is number => typeof x === 'number');
  return [Math.min(...xs), Math.max(...xs)];
}

/** Renders rows (objects with numeric columns) per the spec; returns SVG text and PNG bytes. */
export async function renderLinePlot(
  rows: readonly Record<string, unknown>[],
  spec: PlotSpec,
  width = 640,
  height = 360,
): Promise<{ svg: string; png: Uint8Array }> {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const values = rows.flatMap((r) =>
    spec.series
      .filter((s) => num(r[s.field]) !== undefined)
      .map((s) => {
        const y = r[s.field] as number;
        const sd = s.stdField ? (num(r[s.stdField]) ?? 0) : 0;
        const [lo, hi] = s.band
          ? [num(r[s.band[0]]) ?? y, num(r[s.band[1]]) ?? y]
          : [y - sd, y + sd];
        return { x: r[spec.x], y, lo, hi, series: s.label };
      }),
  );
  const x = {
    field: 'x',
    type: 'quantitative',
    title: spec.xTitle,
    axis: { format: 'd', tickMinStep: 1 },
    ...(spec.logX ? { scale: { type: 'log', domain: xDomain(values), nice: false } } : {}),
  } as const;
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    legend: { orient: 'bottom', labelLimit: 0 },
  } as const;
  const line = {
    mark: { type: 'line', point: rows.length <= 60 },
    encoding: {
      x,
      y: { field: 'y', type: 'quantitative', title: spec.yTitle, scale: { zero: false } },
      color,
    },
  } as const;
  const band = {
    mark: { type: 'area', opacity: 0.2 },
    encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
  } as const;
  const vl = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: spec.title,
    width,
    height,
    background: 'white',
    data: { values },
    layer: spec.series.some((s) => s.stdField || s.band) ? [band, line] : [line],
    config: { font: 'DejaVu Sans' },
  } as unknown as TopLevelSpec;
  const [{ Resvg }, vega, { compile }] = await Promise.all([
    import('@resvg/resvg-js'),
    import('vega'),
    import('vega-lite'),
  ]);
  const view = new vega.View(vega.parse(compile(vl).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    fitTo: { mode: 'original' },
  })
    .render()
    .asPng();
  return { svg, png: new Uint8Array(png) };
}

/** A plot's path without a trailing `.png` or `.svg` (a user may name either file). */
function plotBase(path: string): string {
  return path.replace(/\.(png|svg)$/, '');
}

/** The PNG {@link writePlotFiles} writes for `path`. */
export function plotPngPath(path: string): string {
  return `${plotBase(path)}.png`;
}

/** Writes a rendered plot as `<path>.png` and `<path>.svg`; returns the PNG's path. */
export function writePlotFiles(path: string, plot: { svg: string; png: Uint8Array }): string {
  writeFileAtomic(`${plotBase(path)}.svg`, plot.svg);
  writeFileAtomic(plotPngPath(path), plot.png);
  return plotPngPath(path);
}

/** Writes `<dir>/<file>.svg` and `.png` for each spec; returns the PNG paths. */
export async function writePlots(
  dir: string,
  rows: readonly Record<string, unknown>[],
  specs: readonly PlotSpec[],
): Promise<string[]> {
  const written: string[] = [];
  for (const spec of specs) {
    written.push(writePlotFiles(`${dir}/${spec.file}`, await renderLinePlot(rows, spec)));
  }
  return written;
}
