/**
 * The benchmarks' load generator: posts every body to `url` from `concurrency` clients, resending a
 * body answered 503 after a short pause as a real producer would, and failing on any other answer
 * than `ok`. Resolves to the number of 503s seen.
 */
export async function postAll(
  url: string,
  bodies: readonly (string | Uint8Array)[],
  opts: { headers: Record<string, string>; ok: number; concurrency?: number; backoffMs?: (retryAfter: string | null) => number },
): Promise<{ retries: number }> {
  let next = 0;
  let retries = 0;
  const backoff = opts.backoffMs ?? (() => 100);
  const client = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (;;) {
        const res = await fetch(url, { method: 'POST', headers: opts.headers, body: body as unknown as BodyInit });
        await res.arrayBuffer();
        if (res.status === opts.ok) break;
        if (res.status !== 503) throw new Error(`${url} answered ${res.status}`);
        retries++;
        await new Promise((r) => setTimeout(r, backoff(res.headers.get('retry-after'))));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, client));
  return { retries };
}

// The benchmarks' own broker: away from the test suite's (19092, its controller on 19093), so that a
// benchmark can run while the tests do. BENCH_KAFKA_PORT moves it.
export const BENCH_KAFKA_PORT = process.env.BENCH_KAFKA_PORT ?? '19391';
