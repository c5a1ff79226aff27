/** The chapter's training curves as a self-contained SVG: loss, train and test accuracy per epoch. */
import type { EpochStats } from '../train/stats.js';
import { element, round, text } from './svg.js';

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 56, right: 150, top: 24, bottom: 48 };

/** One plotted curve. */
interface Series {
  readonly label: string;
  readonly color: string;
  readonly dash: string;
  readonly values: readonly number[];
}

/** Tick values from 0 to the first at or above `max`, at a round step (0.2, 0.25, 0.5, 1, 2, ...). */
function ticks(max: number): number[] {
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const out: number[] = [];
  for (let i = 0; out.length === 0 || (out.at(-1) as number) < max - 1e-9; i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}

/** Integer epochs to label on the x axis, at most about ten. */
function epochTicks(first: number, last: number): number[] {
  const every = Math.max(1, Math.ceil((last - first + 1) / 10));
  const out: number[] = [];
  for (let e = first; e <= last; e += every) out.push(e);
  return out;
}

/**
 * An SVG of `history`: training loss, training accuracy and test accuracy (y, from 0 to at least 1)
 * against the epoch (x), with axes, grid, markers and a legend. No scripts, fonts or links: it
 * renders the same in a browser or an image converter. An empty history gives empty axes.
 */
export function renderTrainingPlot(history: readonly EpochStats[], title = 'NiN on Fashion-MNIST'): string {
  const series: Series[] = [
    { label: 'train loss', color: '#1f77b4', dash: '', values: history.map((s) => s.loss) },
    { label: 'train acc', color: '#d62728', dash: '6 4', values: history.map((s) => s.trainAcc) },
    { label: 'test acc', color: '#2ca02c', dash: '2 3', values: history.map((s) => s.testAcc) },
  ];
  const epochs = history.map((s) => s.epoch);
  const first = epochs.length ? Math.min(...epochs) : 1;
  const last = epochs.length ? Math.max(...epochs) : 1;
  const finite = series.flatMap((s) => s.values).filter(Number.isFinite);
  const yMax = ticks(Math.max(1, ...finite)).at(-1) as number;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  // A single epoch sits in the middle of the x axis.
  const x = (epoch: number): number => MARGIN.left + (last === first ? plotW / 2 : ((epoch - first) / (last - first)) * plotW);
  const y = (value: number): number => MARGIN.top + plotH - (value / yMax) * plotH;

  const parts: string[] = [element('rect', { x: 0, y: 0, width: WIDTH, height: HEIGHT, fill: 'white' })];
  for (const v of ticks(yMax)) {
    parts.push(element('line', { x1: MARGIN.left, x2: MARGIN.left + plotW, y1: y(v), y2: y(v), stroke: '#e5e5e5' }));
    parts.push(text({ x: MARGIN.left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#333' }, round(v)));
  }
  for (const e of epochTicks(first, last)) {
    parts.push(element('line', { x1: x(e), x2: x(e), y1: MARGIN.top + plotH, y2: MARGIN.top + plotH + 4, stroke: '#333' }));
    parts.push(text({ x: x(e), y: MARGIN.top + plotH + 17, 'text-anchor': 'middle', 'font-size': 11, fill: '#333' }, String(e)));
  }
  parts.push(element('path', { d: `M${MARGIN.left} ${MARGIN.top}V${MARGIN.top + plotH}H${MARGIN.left + plotW}`, fill: 'none', stroke: '#333' }));
  parts.push(text({ x: MARGIN.left + plotW / 2, y: HEIGHT - 10, 'text-anchor': 'middle', 'font-size': 12, fill: '#333' }, 'epoch'));
  parts.push(text({ x: MARGIN.left + plotW / 2, y: 16, 'text-anchor': 'middle', 'font-size': 13, fill: '#111' }, title));
  for (const s of series) {
    const points = epochs.map((e, i) => [x(e), y(s.values[i])] as const).filter(([, py]) => Number.isFinite(py));
    if (points.length > 1) {
      const d = points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${round(px)} ${round(py)}`).join('');
      parts.push(element('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 2, ...(s.dash ? { 'stroke-dasharray': s.dash } : {}) }));
    }
    for (const [px, py] of points) parts.push(element('circle', { cx: px, cy: py, r: 3, fill: s.color }));
  }
  series.forEach((s, i) => {
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 16;
    parts.push(element('line', { x1: lx, x2: lx + 28, y1: ly, y2: ly, stroke: s.color, 'stroke-width': 2, ...(s.dash ? { 'stroke-dasharray': s.dash } : {}) }));
    parts.push(text({ x: lx + 36, y: ly + 4, 'font-size': 12, fill: '#111' }, s.label));
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element('svg', {
    xmlns: 'http://www.w3.org/2000/svg', width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, 'font-family': 'sans-serif',
  }, parts)}\n`;
}
