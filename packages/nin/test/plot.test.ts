import { describe, expect, it } from 'vitest';
import { renderTrainingPlot, type EpochStats } from '@tapegrad/nin';

const HISTORY: EpochStats[] = [
  { epoch: 1, loss: 1.25, trainAcc: 0.6, testAcc: 0.7, seconds: 1 },
  { epoch: 2, loss: 0.5, trainAcc: 0.8, testAcc: 0.82, seconds: 1 },
  { epoch: 3, loss: 0.4, trainAcc: 0.85, testAcc: 0.86, seconds: 1 },
];

describe('renderTrainingPlot', () => {
  it('draws three curves with markers, axes and a legend in a self-contained SVG', () => {
    const svg = renderTrainingPlot(HISTORY);
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toMatch(/<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="400"/);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<path d="M[\d.]+ [\d.]+L/g)).toHaveLength(3);
    expect(svg.match(/<circle /g)).toHaveLength(9);
    for (const label of ['train loss', 'train acc', 'test acc', 'epoch']) expect(svg).toContain(`>${label}</text>`);
    // The y axis reaches past the largest value (the first loss).
    expect(svg).toContain('>1.25</text>');
    expect(svg).not.toMatch(/NaN|Infinity|<script|href=/);
  });

  it('draws one epoch as points and an empty history as bare axes', () => {
    expect(renderTrainingPlot(HISTORY.slice(0, 1)).match(/<circle /g)).toHaveLength(3);
    expect(renderTrainingPlot([])).not.toMatch(/<circle |NaN/);
  });

  it('escapes the title', () => {
    expect(renderTrainingPlot(HISTORY, 'a < b & c')).toContain('>a &lt; b &amp; c</text>');
  });
});
