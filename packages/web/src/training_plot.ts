/** The live plot of a training run: loss per step (left axis) and batch accuracy (right axis, 0 to 1). */

/** One training step as plotted. */
export interface StepPoint {
  readonly loss: number;
  readonly accuracy: number;
}

const MARGIN = { left: 44, right: 40, top: 12, bottom: 24 };

/** Redraws `canvas` with every step so far. */
export function drawTrainingPlot(canvas: HTMLCanvasElement, points: readonly StepPoint[], plannedSteps: number): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  const w = width - MARGIN.left - MARGIN.right;
  const h = height - MARGIN.top - MARGIN.bottom;
  context.clearRect(0, 0, width, height);
  context.font = '11px system-ui, sans-serif';
  context.strokeStyle = '#999';
  context.strokeRect(MARGIN.left, MARGIN.top, w, h);
  const maxLoss = Math.max(1e-6, ...points.map((p) => p.loss));
  const steps = Math.max(plannedSteps, points.length, 2);
  const x = (i: number): number => MARGIN.left + (w * i) / (steps - 1);
  const line = (value: (p: StepPoint) => number, top: number, colour: string): void => {
    context.strokeStyle = colour;
    context.beginPath();
    points.forEach((p, i) => {
      const y = MARGIN.top + h * (1 - value(p) / top);
      if (i === 0) context.moveTo(x(i), y);
      else context.lineTo(x(i), y);
    });
    context.stroke();
  };
  line((p) => p.loss, maxLoss, '#c0392b');
  line((p) => p.accuracy, 1, '#2471a3');
  context.fillStyle = '#c0392b';
  context.fillText(`loss ${maxLoss.toFixed(2)}`, 2, MARGIN.top + 8);
  context.fillText('0', MARGIN.left - 12, MARGIN.top + h);
  context.fillStyle = '#2471a3';
  context.fillText('acc 1', width - MARGIN.right + 4, MARGIN.top + 8);
  context.fillText('0', width - MARGIN.right + 4, MARGIN.top + h);
  context.fillStyle = '#555';
  context.fillText(`step ${points.length} of ${plannedSteps}`, MARGIN.left, height - 6);
}
