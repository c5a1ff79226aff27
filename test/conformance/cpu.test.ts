import '@tapegrad/backend-cpu';
import { describeConformance } from './suite.js';

describeConformance('cpu');
