/**
 * Classify: PNG/JPEG images chosen or dropped, or the first test images; top-3 classes with
 * probabilities, and milliseconds per image.
 */
import { getBackend } from '@tapegrad/core';
import { className, predictImages, type GrayImage, type Prediction } from '@tapegrad/nin';
import { describeBackend } from './backends.js';
import { testImages, type LabelledImage } from './data_state.js';
import { byTestId, messageOf, say } from './dom.js';
import { decodeImage, grayCanvas } from './images.js';
import { currentModel } from './model_state.js';

/** Most test images one click classifies. */
const MAX_TEST_IMAGES = 1000;

/** The `k` most probable classes of a prediction, most probable first (ties: lower index first). */
export function topClasses(prediction: Prediction, k = 3): [number, number][] {
  return prediction.probabilities.map((p, i) => [i, p] as [number, number]).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
}

function resultRow(image: GrayImage, prediction: Prediction): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.testid = 'classify-result';
  row.dataset.source = image.source;
  row.dataset.index = String(image.index);
  row.dataset.label = String(prediction.label);
  row.dataset.probabilities = JSON.stringify(prediction.probabilities);
  const classes = prediction.probabilities.length;
  const picture = document.createElement('td');
  picture.append(grayCanvas(image, image.width <= 64 ? 2 : 64 / image.width));
  const name = document.createElement('td');
  const label = (image as Partial<LabelledImage>).label;
  // A test image is one of many in its IDX file; a chosen PNG or JPEG is its file.
  name.textContent = label === undefined ? image.source : `${image.source}[${image.index}]`;
  const top = document.createElement('td');
  top.dataset.testid = 'classify-top';
  top.textContent = topClasses(prediction).map(([i, p]) => `${className(i, classes)} ${p.toFixed(3)}`).join(', ');
  const truth = document.createElement('td');
  truth.textContent = label === undefined ? '' : `true: ${className(label, classes)}${label === prediction.label ? ' ✓' : ' ✗'}`;
  row.append(picture, name, top, truth);
  return row;
}

async function classify(images: readonly GrayImage[]): Promise<void> {
  const current = currentModel();
  if (!current) throw new Error('no model yet: load a checkpoint or train one first');
  const started = performance.now();
  const predictions = await predictImages(current.model, images, current.info.inputSize);
  const ms = performance.now() - started;
  const body = byTestId('classify-results').querySelector('tbody') as HTMLTableSectionElement;
  body.replaceChildren(...images.map((image, i) => resultRow(image, predictions[i])));
  const timing = byTestId('classify-timing');
  timing.dataset.msPerImage = String(ms / images.length);
  timing.textContent = `${images.length} image${images.length === 1 ? '' : 's'} in ${ms.toFixed(1)} ms (${(ms / images.length).toFixed(2)} ms per image) on ${describeBackend(getBackend())}`;
}

/** Decodes the files (reporting each one that is not an image) and classifies the rest. */
async function classifyFiles(files: readonly File[]): Promise<void> {
  const images: GrayImage[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      images.push(await decodeImage(file.name, new Uint8Array(await file.arrayBuffer())));
    } catch (error) {
      problems.push(messageOf(error));
    }
  }
  say('classify-error', problems.join('\n'));
  if (images.length > 0) await classify(images);
}

/** Runs `task`, showing its error in the panel; the page keeps working whatever it throws. */
async function guarded(task: () => Promise<void>): Promise<void> {
  const busy = byTestId('classify-busy');
  busy.hidden = false;
  try {
    await task();
  } catch (error) {
    say('classify-error', messageOf(error));
  } finally {
    busy.hidden = true;
  }
}

export function setUpClassifyPanel(): void {
  const input = byTestId<HTMLInputElement>('image-input');
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    input.value = '';
    say('classify-error', '');
    void guarded(() => classifyFiles(files));
  });
  const zone = byTestId('drop-zone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    say('classify-error', '');
    void guarded(() => classifyFiles([...(event.dataTransfer?.files ?? [])]));
  });
  byTestId('test-images-button').addEventListener('click', () => {
    say('classify-error', '');
    void guarded(async () => {
      const count = Number(byTestId<HTMLInputElement>('test-images-count').value);
      if (!Number.isInteger(count) || count < 1 || count > MAX_TEST_IMAGES) throw new Error(`test images: the count must be a whole number from 1 to ${MAX_TEST_IMAGES}, got '${byTestId<HTMLInputElement>('test-images-count').value}'`);
      await classify(await testImages(count));
    });
  });
}
