// Throughput over the last hour: completions per minute (bars) and queue depth (line), drawn as
// SVG with a named y-axis on each side (bars on the left scale, the line on the right one);
// refreshed every 15 s and on demand.
import { useEffect, useState } from 'react';
import type { Throughput } from '@task-coordinator/core';
import { useBoardStore } from '../live/use-board.js';
import { dateTime } from '../ui/format.js';

const WIDTH = 960;
const HEIGHT = 260;
const PAD = { left: 64, right: 64, top: 12, bottom: 28 };
export const AXIS_TITLES = { left: 'tasks finished per minute', right: 'queue depth (available)' } as const;

export function ThroughputView() {
  const store = useBoardStore();
  const [data, setData] = useState<Throughput | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    const load = () =>
      store.api.throughput(controller.signal).then(
        (value) => {
          setData(value);
          setError(null);
        },
        (e: Error) => !controller.signal.aborted && setError(e.message),
      );
    void load();
    const timer = setInterval(() => void load(), 15_000);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [store]);

  if (error && !data) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">Loading throughput…</p>;
  const completed = data.minutes.reduce((n, m) => n + m.completed, 0);
  const failed = data.minutes.reduce((n, m) => n + m.failed, 0);
  return (
    <section className="throughput" aria-label="throughput">
      <h2>Throughput, last hour</h2>
      <p className="muted">
        {completed.toLocaleString()} completed, {failed.toLocaleString()} failed in the last hour
        {data.since > data.minutes[0]!.at ? ` (counting since the server started, ${dateTime(data.since)})` : ''}.
      </p>
      <ThroughputChart data={data} />
    </section>
  );
}

export function ThroughputChart({ data }: { data: Throughput }) {
  const minutes = data.minutes;
  const maxDone = Math.max(1, ...minutes.map((m) => m.completed + m.failed));
  const maxDepth = Math.max(1, ...minutes.map((m) => m.queueDepth ?? 0));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const bar = plotW / minutes.length;
  const y = (value: number, max: number) => PAD.top + plotH - (value / max) * plotH;
  const depthPath = minutes
    .map((m, i) => (m.queueDepth === null ? null : `${PAD.left + i * bar + bar / 2},${y(m.queueDepth, maxDepth)}`))
    .reduce<string[]>((segments, point, i, all) => {
      if (point === null) return segments;
      segments.push(`${i === 0 || all[i - 1] === null ? 'M' : 'L'}${point}`);
      return segments;
    }, [])
    .join(' ');
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Completed per minute (up to ${maxDone}) and queue depth (up to ${maxDepth}) over the last hour`}
      >
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} className="axis" />
        {minutes.map((m, i) => (
          <g key={m.at}>
            <rect
              className="bar done"
              x={PAD.left + i * bar + 1}
              width={Math.max(1, bar - 2)}
              y={y(m.completed, maxDone)}
              height={PAD.top + plotH - y(m.completed, maxDone)}
            >
              <title>{`${new Date(m.at).toLocaleTimeString()}: ${m.completed} completed, ${m.failed} failed, ${m.added} added, queue ${m.queueDepth ?? '—'}`}</title>
            </rect>
            {m.failed > 0 && (
              <rect
                className="bar failed"
                x={PAD.left + i * bar + 1}
                width={Math.max(1, bar - 2)}
                y={y(m.completed + m.failed, maxDone)}
                height={y(m.completed, maxDone) - y(m.completed + m.failed, maxDone)}
              />
            )}
          </g>
        ))}
        <path d={depthPath} className="depth" fill="none" />
        <text x={PAD.left - 6} y={PAD.top + 10} className="tick" textAnchor="end">
          {maxDone}
        </text>
        <text x={PAD.left - 6} y={PAD.top + plotH} className="tick" textAnchor="end">
          0
        </text>
        <text x={WIDTH - PAD.right + 6} y={PAD.top + 10} className="tick depth-tick">
          {maxDepth}
        </text>
        <text x={WIDTH - PAD.right + 6} y={PAD.top + plotH} className="tick depth-tick">
          0
        </text>
        <text className="axis-title" textAnchor="middle" transform={`translate(16 ${PAD.top + plotH / 2}) rotate(-90)`}>
          {AXIS_TITLES.left}
        </text>
        <text
          className="axis-title"
          textAnchor="middle"
          transform={`translate(${WIDTH - 14} ${PAD.top + plotH / 2}) rotate(90)`}
        >
          {AXIS_TITLES.right}
        </text>
        <text x={PAD.left} y={HEIGHT - 8} className="tick">
          −60 min
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 8} className="tick" textAnchor="end">
          now
        </text>
      </svg>
      <figcaption>
        <span className="swatch done" /> completed per minute <span className="swatch failed" /> failed{' '}
        <span className="swatch depth" /> queue depth (available tasks)
      </figcaption>
    </figure>
  );
}
