// Throughput for the dashboard's chart: per project and minute, the tasks completed, failed and
// added (counted from the committed event feed, so with several replicas each one counts every
// replica's events) and the queue depth (available tasks) sampled as each minute ends. An hour is
// kept in memory; a restarted server starts a new hour (the chart says since when it has data).
import type { Store, TaskEvent, Throughput, ThroughputMinute } from '@task-coordinator/core';

const MINUTE = 60_000;
const KEEP_MINUTES = 60;
/** Projects with no event for this long stop being sampled (and their buckets are dropped). */
const IDLE_PROJECT_MS = 2 * KEEP_MINUTES * MINUTE;

interface Series {
  minutes: Map<number, ThroughputMinute>;
  lastEventAt: number;
}

export class ThroughputSampler {
  private readonly series = new Map<string, Series>();
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;
  private readonly since: number;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.since = now();
    this.unsubscribe = store.subscribe((event) => this.count(event));
    // The depth is sampled every 10 s into the current minute, so each minute keeps its last sample.
    this.timer = setInterval(() => void this.sample(), MINUTE / 6);
    this.timer.unref();
  }

  private seriesOf(project: string): Series {
    let series = this.series.get(project);
    if (!series) this.series.set(project, (series = { minutes: new Map(), lastEventAt: this.now() }));
    return series;
  }

  private bucket(series: Series, at: number): ThroughputMinute {
    const start = Math.floor(at / MINUTE) * MINUTE;
    let minute = series.minutes.get(start);
    if (!minute) {
      series.minutes.set(start, (minute = { at: start, completed: 0, failed: 0, added: 0, queueDepth: null }));
      const oldest = start - KEEP_MINUTES * MINUTE;
      for (const key of series.minutes.keys()) if (key <= oldest) series.minutes.delete(key);
    }
    return minute;
  }

  private count(event: TaskEvent): void {
    const counted =
      event.type === 'task.completed'
        ? 'completed'
        : event.type === 'task.added'
          ? 'added'
          : event.type === 'task.failed' || (event.type === 'task.expired' && event.data.to === 'failed')
            ? 'failed'
            : null;
    const series = this.seriesOf(event.project);
    series.lastEventAt = this.now();
    if (counted) this.bucket(series, this.now())[counted] += 1;
  }

  /** Records each active project's queue depth in the current minute's bucket. */
  async sample(): Promise<void> {
    const now = this.now();
    for (const [project, series] of this.series) {
      if (now - series.lastEventAt > IDLE_PROJECT_MS) {
        this.series.delete(project);
        continue;
      }
      try {
        const stats = await this.store.stats({ project });
        this.bucket(series, now).queueDepth = stats.tasks.available;
      } catch {
        // The store is unreachable: this minute has no depth (shown as a gap).
      }
    }
  }

  /** The last hour of one project, a point per minute, oldest first (minutes without data are zero). */
  async read(project: string): Promise<Throughput> {
    const now = this.now();
    // Only projects with events are sampled: reading one without any starts no series (a caller
    // naming arbitrary projects must not make the sampler poll the store for each of them).
    const series = this.series.get(project);
    // The depth right now, so the chart's last point is current even between samples.
    const stats = await this.store.stats({ project });
    if (series) this.bucket(series, now).queueDepth = stats.tasks.available;
    const end = Math.floor(now / MINUTE) * MINUTE;
    const minutes: ThroughputMinute[] = [];
    for (let at = end - (KEEP_MINUTES - 1) * MINUTE; at <= end; at += MINUTE) {
      const minute = series?.minutes.get(at);
      minutes.push(
        minute
          ? { ...minute }
          : { at, completed: 0, failed: 0, added: 0, queueDepth: at === end ? stats.tasks.available : null },
      );
    }
    return { project, since: this.since, minutes };
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }
}
