// Progress bars of the long operator commands (backup, export, import): cli-progress on stderr when it is a terminal.
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** Moves the bar to `value` (of `total`, which may change as it becomes known). */
  update(value: number, total?: number): void;
  stop(): void;
}

const NONE: Progress = { update: () => {}, stop: () => {} };

/** A bar drawn on `stream` (null: none, for pipes and scripts); `unit` names what is counted. */
export function progressBar(
  stream: NodeJS.WritableStream | null,
  label: string,
  total: number,
  unit: string,
): Progress {
  if (!stream) return NONE;
  const bar = new SingleBar(
    {
      stream,
      format: `${label} {bar} {percentage}% {value}/{total} ${unit}`,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 500,
      fps: 10,
    },
    Presets.shades_classic,
  );
  bar.start(Math.max(1, total), 0);
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(Math.max(1, newTotal));
      bar.update(value);
    },
    stop() {
      bar.stop();
    },
  };
}
