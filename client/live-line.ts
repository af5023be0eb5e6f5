/**
 * One progress line redrawn in place on a terminal (phase, last status, time in the phase), and
 * plain lines, one per change, when the output is a file or a pipe (logs, CI, tests).
 */
import type { RetrainProgress } from '../common/types';
import { describeProgress } from './run';

export interface LiveLine {
  /** A phase or status changed. */
  change(p: RetrainProgress): void;
  /** A poll answered: redraw the current line (terminals only). */
  tick(p: RetrainProgress): void;
  /** Ends the live line so later output starts on a fresh line. */
  end(): void;
}

export function liveLine(stream: NodeJS.WriteStream = process.stdout, indent = '  '): LiveLine {
  if (!stream.isTTY) {
    return { change: (p) => void stream.write(`${indent}${describeProgress(p)}\n`), tick: () => undefined, end: () => undefined };
  }
  let lastPhase: string | undefined;
  let open = false;
  const draw = (p: RetrainProgress) => {
    stream.write(`\r\x1b[2K${indent}${describeProgress(p)}`);
    open = true;
  };
  return {
    change(p) {
      // A new phase keeps the finished one on its own line above.
      if (open && lastPhase !== undefined && lastPhase !== p.phase) stream.write('\n');
      lastPhase = p.phase;
      draw(p);
    },
    tick: draw,
    end() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}
