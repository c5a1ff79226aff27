/** Classifying PNG and IDX images. */
export { readImages } from './read_images.js';
export { rgbaToGray, type GrayImage } from './gray_image.js';
export { className, formatPrediction, predictImages, preprocessInto, type Prediction } from './predict.js';
