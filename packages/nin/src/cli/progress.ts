/**
 * Training progress: a redrawn bar (cli-progress) on a terminal's standard error; elsewhere (pipes,
 * files, CI) plain lines on standard output at each quarter of an epoch, so logs stay readable
 * and standard error holds nothing but errors.
 */
import cliProgress from 'cli-progress';
import type { StepProgress } from '../train/index.js';
import type { CliIo } from './io.js';

/** Receives training progress; `end` clears any bar before the epoch's line is printed. */
export interface ProgressReporter {
  update(progress: StepProgress): void;
  end(): void;
}

function describe(p: StepProgress): string {
  const loss = Number.isFinite(p.loss) ? p.loss.toFixed(4) : '-';
  const acc = Number.isFinite(p.trainAcc) ? p.trainAcc.toFixed(3) : '-';
  return `loss ${loss}, train acc ${acc}`;
}

class BarReporter implements ProgressReporter {
  private bar: cliProgress.SingleBar | null = null;
  private phase = '';

  constructor(private readonly stream: NodeJS.WritableStream) {}

  update(p: StepProgress): void {
    const key = `${p.epoch} ${p.phase}`;
    const payload = { label: `epoch ${p.epoch} ${p.phase === 'train' ? 'train' : 'test '}`, stats: describe(p) };
    if (this.bar === null || key !== this.phase) {
      this.end();
      this.phase = key;
      this.bar = new cliProgress.SingleBar({
        stream: this.stream,
        format: '{label} [{bar}] {value}/{total} {stats} eta {eta_formatted}',
        clearOnComplete: true,
        hideCursor: true,
        etaBuffer: 50,
      }, cliProgress.Presets.legacy);
      this.bar.start(p.total, p.done, payload);
      return;
    }
    this.bar.update(p.done, payload);
  }

  end(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

class LineReporter implements ProgressReporter {
  private nextQuarter = 1;
  private epoch = 0;

  constructor(private readonly out: CliIo['out']) {}

  update(p: StepProgress): void {
    if (p.phase !== 'train') return;
    if (p.epoch !== this.epoch) {
      this.epoch = p.epoch;
      this.nextQuarter = 1;
    }
    // Report when the steps pass 25%, 50% and 75% of the epoch.
    if (this.nextQuarter <= 3 && p.done * 4 >= this.nextQuarter * p.total && p.done < p.total) {
      while (this.nextQuarter <= 3 && p.done * 4 >= this.nextQuarter * p.total) this.nextQuarter++;
      this.out(`epoch ${p.epoch}: step ${p.done}/${p.total}, ${describe(p)}`);
    }
  }

  end(): void {}
}

/** A bar on `io.terminal` when there is one, else plain progress lines on `io.out`. */
export function createProgress(io: CliIo): ProgressReporter {
  return io.terminal ? new BarReporter(io.terminal) : new LineReporter(io.out);
}
