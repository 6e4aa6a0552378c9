import { trace, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { MlobsError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Metrics } from '../../core/metrics.js';
import type { Bus } from '../../bus/bus.js';
import type { DeadLetterQueue } from '../../bus/dead-letters.js';
import { publishExposition } from './ingest-exposition.js';

// A DCGM exposition is tens of kilobytes per node; a target answering far more is misconfigured,
// and reading it whole would cost the stack its memory.
const MAX_SCRAPE_BYTES = 32 * 1024 * 1024;

async function readCapped(res: Response, maxBytes: number, target: string): Promise<string> {
  const tooLarge = () => new MlobsError(`${target} answered more than ${maxBytes} bytes; is it a DCGM exporter?`, { reason: 'body_too_large', retryable: true });
  if (Number(res.headers.get('content-length')) > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One exporter to scrape; `hostname` (a discovered pod's node name) becomes the host of its samples. */
export interface ScrapeTarget {
  url: string;
  hostname?: string;
}

/** Where targets found at run time come from (Kubernetes discovery); read afresh on every tick. */
export interface TargetSource {
  targets(): readonly ScrapeTarget[];
}

export interface ScraperOptions {
  /** Static exporter URLs, scraped besides whatever `deps.discovered` yields. */
  targets: string[];
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
  topicPrefix: string;
}

export interface ScraperDeps {
  bus: Bus;
  /** Where samples that break the schema go (an over-long label, say). */
  deadLetters: DeadLetterQueue;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  fetch?: typeof fetch;
  tracer?: Tracer;
  /** Targets that come and go (Kubernetes discovery); the scraper follows them from one tick to the next. */
  discovered?: TargetSource;
  /** Whether this process scrapes a target now (scrape sharding); asked on every tick. Default: all. */
  owns?: (url: string) => boolean;
}

/** Scrapes DCGM exporter endpoints on an interval; a failing target is counted and logged, never fatal. */
export class DcgmScraper {
  private timer: NodeJS.Timeout | null = null;
  private inFlight = new Set<Promise<void>>();
  private readonly tracer: Tracer;

  constructor(
    private readonly opts: ScraperOptions,
    private readonly deps: ScraperDeps,
  ) {
    if (opts.scrapeIntervalMs < 100) throw new RangeError('scrapeIntervalMs must be at least 100');
    if (opts.scrapeTimeoutMs > opts.scrapeIntervalMs) throw new RangeError('scrapeTimeoutMs must not exceed scrapeIntervalMs');
    for (const t of opts.targets) new URL(t);
    this.tracer = deps.tracer ?? trace.getTracer('mlobs');
  }

  /** The targets of this tick: the static ones, then the discovered ones, each URL once. */
  targets(): ScrapeTarget[] {
    const byUrl = new Map<string, ScrapeTarget>();
    for (const url of this.opts.targets) byUrl.set(url, { url });
    for (const t of this.deps.discovered?.targets() ?? []) if (!byUrl.has(t.url)) byUrl.set(t.url, t);
    const owns = this.deps.owns;
    return owns ? [...byUrl.values()].filter((t) => owns(t.url)) : [...byUrl.values()];
  }

  /** The targets the last tick scraped (or reshard() added). */
  private owned = new Set<string>();

  /**
   * After the scrape group changed: scrapes at once the targets this process owns now but did not at
   * its last tick, so a target whose scraper died waits for the group to notice, not for another
   * interval as well. Targets it no longer owns are simply skipped from its next tick on.
   */
  reshard(): void {
    if (!this.timer) return;
    for (const t of this.targets()) {
      if (this.owned.has(t.url)) continue;
      this.owned.add(t.url);
      const p = this.scrapeOnce(t).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  start(): void {
    if (this.timer || (this.opts.targets.length === 0 && !this.deps.discovered)) return;
    let previous = new Set<string>();
    const tick = () => {
      const targets = this.targets();
      this.owned = new Set(targets.map((t) => t.url));
      // A pod that went away must not be reported down (or up) forever by its last gauge values.
      const now = new Set(targets.map((t) => t.url));
      for (const gone of previous) if (!now.has(gone)) for (const g of [this.deps.metrics.scrapeUp, this.deps.metrics.scrapeSamples]) g.remove({ target: gone });
      previous = now;
      for (const t of targets) {
        const p = this.scrapeOnce(t).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    };
    tick();
    this.timer = setInterval(tick, this.opts.scrapeIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Scrapes one target once; resolves whatever happens (errors become metrics and log lines). */
  async scrapeOnce(t: string | ScrapeTarget): Promise<void> {
    const { url: target, hostname } = typeof t === 'string' ? { url: t, hostname: undefined } : t;
    const { metrics, logger } = this.deps;
    const doFetch = this.deps.fetch ?? fetch;
    await this.tracer.startActiveSpan('mlobs.scrape', { attributes: { 'mlobs.target': target } }, async (span) => {
      const end = metrics.scrapeSeconds.startTimer({ target });
      const nowMs = this.deps.now();
      try {
        let text: string;
        try {
          const res = await doFetch(target, { signal: AbortSignal.timeout(this.opts.scrapeTimeoutMs), headers: { accept: 'text/plain;version=0.0.4' } });
          if (!res.ok) throw new MlobsError(`HTTP ${res.status} from ${target}`, { reason: `http_${res.status >= 500 ? '5xx' : '4xx'}`, retryable: true });
          text = await readCapped(res, MAX_SCRAPE_BYTES, target);
        } catch (e) {
          if (e instanceof MlobsError) throw e;
          const timeout = (e as Error).name === 'TimeoutError';
          throw new MlobsError(`${timeout ? 'timed out' : 'failed'} scraping ${target}: ${errorMessage(e)}`, { reason: timeout ? 'timeout' : 'connection_failed', retryable: true, cause: e });
        }
        const { published: n } = await publishExposition(text, { bus: this.deps.bus, deadLetters: this.deps.deadLetters, topicPrefix: this.opts.topicPrefix, nowMs, source: target, hostname });
        metrics.scrapes.inc({ target, outcome: 'success' });
        metrics.scrapeUp.set({ target }, 1);
        metrics.scrapeSamples.set({ target }, n);
      } catch (e) {
        const reason = e instanceof MlobsError ? e.reason : 'unknown';
        metrics.scrapes.inc({ target, outcome: 'failure' });
        metrics.scrapeErrors.inc({ target, reason });
        metrics.scrapeUp.set({ target }, 0);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(e) });
        logger.warn('scrape failed', { target, reason, error: errorMessage(e) });
      } finally {
        end();
        span.end();
      }
    });
  }
}
