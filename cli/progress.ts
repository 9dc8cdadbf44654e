import type { Stream } from './format.js';

export interface Progress {
  /** One unit of work is done; `note` says how it went. */
  step(note?: string): void;
  /** Ends the bar (a final newline on a terminal). */
  done(): void;
}

const BAR_WIDTH = 24;

/**
 * Progress of long work on stderr. On a terminal, one bar redrawn in place; otherwise (a log, a
 * pipe, CI) a plain line per step, which reads well in a file.
 */
export function progress(stream: Stream, label: string, total: number): Progress {
  let completed = 0;
  const tty = stream.isTTY === true;
  return {
    step(note) {
      completed += 1;
      const count = `${completed}/${total}`;
      if (!tty) {
        stream.write(`${label} ${count}${note ? ` ${note}` : ''}\n`);
        return;
      }
      const filled = total === 0 ? BAR_WIDTH : Math.round((completed / total) * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
      const line = `${label} [${bar}] ${count}${note ? ` ${note}` : ''}`;
      const width = (stream.columns ?? 80) - 1;
      // \r and "erase line" redraw the bar in place.
      stream.write(`\r\u001b[2K${line.length > width ? line.slice(0, width) : line}`);
    },
    done() {
      if (tty && completed > 0) stream.write('\n');
    },
  };
}
