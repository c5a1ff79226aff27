/** Training curves as SVG. */
export { renderTrainingPlot } from './training_plot.js';
