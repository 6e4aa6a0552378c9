// A stand-in Kubernetes API server for the discovery tests: serves recorded EndpointSlice list
// responses (one per list request, from a queue; an HTTP status queues a failure) and holds each
// watch open, writing the watch events the test hands it as the API server does, one JSON object a line.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  url: URL;
  authorization: string | undefined;
  watch: boolean;
}

export interface FakeKubernetesApi {
  url: string;
  requests: RecordedRequest[];
  /** Queues the answers to the next list requests: an object is sent as JSON, a number as that HTTP status. */
  queueLists(...answers: (object | number)[]): void;
  /** Watches open now. */
  openWatches(): number;
  /** Writes events to every open watch. */
  send(...events: object[]): void;
  /** Ends every open watch, as the API server does when its timeout passes. */
  endWatches(): void;
  close(): Promise<void>;
}

const PATH = /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices$/;

export async function startFakeKubernetesApi(opts: { token: string; rewrite?: (json: string) => string }): Promise<FakeKubernetesApi> {
  const lists: (object | number)[] = [];
  let lastList: object | number = 503;
  const watches = new Set<ServerResponse>();
  const requests: RecordedRequest[] = [];
  const body = (o: object) => (opts.rewrite ?? ((s) => s))(JSON.stringify(o));

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const watch = url.searchParams.get('watch') === 'true';
    requests.push({ url, authorization: req.headers.authorization, watch });
    const status = (code: number, message: string) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code }));
    };
    if (req.headers.authorization !== `Bearer ${opts.token}`) return status(401, 'Unauthorized');
    if (!PATH.test(url.pathname)) return status(404, `the server could not find the requested resource (${url.pathname})`);
    if (watch) {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      watches.add(res);
      res.on('close', () => watches.delete(res));
      return;
    }
    const answer = lists.length > 0 ? lists.shift()! : lastList;
    lastList = answer;
    if (typeof answer === 'number') return status(answer, `list failed with ${answer}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body(answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    queueLists: (...answers) => void lists.push(...answers),
    openWatches: () => watches.size,
    send: (...events) => {
      for (const w of watches) for (const e of events) w.write(`${body(e)}\n`);
    },
    endWatches: () => {
      for (const w of watches) w.end();
      watches.clear();
    },
    close: async () => {
      for (const w of watches) w.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
