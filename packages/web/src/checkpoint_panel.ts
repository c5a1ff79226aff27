/**
 * Load a checkpoint: a .safetensors file from `nin train --save`, `npm start`, this page, or
 * PyTorch (`safetensors.torch.save_file(net.state_dict())`, whose variant the user picks, as it
 * has no metadata). Loaded onto the active backend; a bad file leaves the current model as it was.
 */
import { isNinVariant, loadModelFromBytes, type NinVariant } from '@tapegrad/nin';
import { byTestId, messageOf, say } from './dom.js';
import { describeInfo, setCurrentModel } from './model_state.js';

/** Loads `file` as the current model. @throws naming the file when it is not a NiN checkpoint */
export async function loadCheckpointFile(file: File, variant: NinVariant | undefined): Promise<void> {
  const { model, info } = loadModelFromBytes(new Uint8Array(await file.arrayBuffer()), file.name, variant);
  model.eval();
  setCurrentModel({ model, info, description: `${file.name}: ${describeInfo(info)}` });
}

export function setUpCheckpointPanel(): void {
  const input = byTestId<HTMLInputElement>('checkpoint-input');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const chosen = byTestId<HTMLSelectElement>('checkpoint-variant').value;
    say('checkpoint-error', '');
    loadCheckpointFile(file, isNinVariant(chosen) ? chosen : undefined).catch((error: unknown) => say('checkpoint-error', messageOf(error)));
  });
}
