/** The page: wires the backend choice, the model, and the classify, checkpoint and training panels. */
import '@tapegrad/backend-cpu';
import { getBackend, memory } from '@tapegrad/core';
import { activateBackend, BACKEND_CHOICES, describeBackend, isBackendChoice, type BackendChoice } from './backends.js';
import { setUpCheckpointPanel } from './checkpoint_panel.js';
import { setUpClassifyPanel } from './classify_panel.js';
import { dataSource, dataUnavailableReason, onDataChange, setDataSource } from './data_state.js';
import { byTestId, messageOf, say } from './dom.js';
import { chosenSource, servedSource } from './fashion_data.js';
import { currentModel, onModelChange } from './model_state.js';
import { setUpTrainPanel, trainingRunning } from './train_panel.js';

let active: BackendChoice | null = null;

function showMemory(): void {
  const { numTensors, numBytes } = memory();
  const element = byTestId('memory');
  element.dataset.numTensors = String(numTensors);
  element.textContent = `${numTensors} tensors, ${(numBytes / 2 ** 20).toFixed(2)} MiB`;
}

/** Switches to `choice`, moving the current model there; a refused choice leaves the active one running. */
async function chooseBackend(choice: BackendChoice): Promise<void> {
  const select = byTestId<HTMLSelectElement>('backend-select');
  const status = byTestId('backend-status');
  select.disabled = true;
  status.textContent = `starting ${choice}…`;
  try {
    const backend = await activateBackend(choice);
    await currentModel()?.model.to(choice);
    active = choice;
    say('backend-error', '');
    status.dataset.active = choice;
    status.textContent = `running: ${describeBackend(backend)}`;
  } catch (error) {
    say('backend-error', `${choice} refused: ${messageOf(error)}`);
    status.textContent = active ? `running: ${describeBackend(getBackend())}` : 'no backend running';
  } finally {
    if (active) select.value = active;
    select.disabled = trainingRunning();
    select.dataset.ready = 'true';
    showMemory();
  }
}

function showData(): void {
  const source = dataSource();
  byTestId('data-status').textContent = source ? `Fashion-MNIST: ${source.description}` : `No Fashion-MNIST yet: ${dataUnavailableReason()}`;
}

async function main(): Promise<void> {
  onModelChange((current) => {
    byTestId('model-status').textContent = current ? current.description : 'No model yet: load a checkpoint or train one below.';
    byTestId<HTMLButtonElement>('train-save').disabled = current === null || trainingRunning();
    showMemory();
  });
  onDataChange(showData);
  setUpClassifyPanel();
  setUpCheckpointPanel();
  setUpTrainPanel((busy) => {
    byTestId<HTMLSelectElement>('backend-select').disabled = busy;
    if (!busy) showMemory();
  });
  const select = byTestId<HTMLSelectElement>('backend-select');
  select.addEventListener('change', () => {
    if (isBackendChoice(select.value)) void chooseBackend(select.value);
  });
  const dataInput = byTestId<HTMLInputElement>('data-input');
  dataInput.addEventListener('change', () => {
    try {
      setDataSource(chosenSource([...(dataInput.files ?? [])]));
      say('train-error', '');
    } catch (error) {
      say('train-error', messageOf(error));
    }
  });
  const served = await servedSource();
  if ('open' in served) setDataSource(served);
  else setDataSource(null, `${served.reason} (choose the four .gz files below)`);

  // ?backend=cpu|gpujs-webgl2|gpujs-webgpu picks the first backend; else WebGL2, then the CPU.
  const asked = new URLSearchParams(location.search).get('backend');
  if (asked !== null && !isBackendChoice(asked)) say('backend-error', `unknown backend '${asked}' in the address; use one of ${BACKEND_CHOICES.join(', ')}`);
  const first = asked !== null && isBackendChoice(asked) ? asked : 'gpujs-webgl2';
  await chooseBackend(first);
  if (active === null && first !== 'cpu') await chooseBackend('cpu');
  document.body.dataset.ready = 'true';
}

main().catch((error: unknown) => say('page-error', `the page failed to start: ${messageOf(error)}`));
