/** Classifying PNG and IDX images. */
export { readImageFiles, readImages, type ImageFileResult, type ReadImagesOptions } from './read_images.js';
export { rgbaToGray, type GrayImage } from './gray_image.js';
export {
  className, formatPrediction, predictImageFiles, predictImages, preprocessInto, topClasses, type FilePredictions, type Prediction, type RankedClass,
} from './predict.js';
