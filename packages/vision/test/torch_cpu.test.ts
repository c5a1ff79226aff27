/** The chapter's models against PyTorch on the cpu backend. */
import '@tapegrad/backend-cpu';
import { VISION_MODEL_NAMES } from '../src/index.js';
import { describeAgainstTorch } from './against_torch.js';

describeAgainstTorch('cpu', VISION_MODEL_NAMES);
