import { createServer as createHttpServer, type IncomingHttpHeaders, type RequestListener } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** One request a stand-in received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** Recorded answers by exact request path (query included): the HTTP status and the JSON body. */
export type RecordedAnswers = Map<string, [status: number, body: object]>;

/** A key and certificate (PEM) to serve https with. */
export interface StandInTls {
  key: string;
  cert: string;
}

/** A local server answering recorded JSON, as a test sees it. */
export interface StandIn {
  /** `http://127.0.0.1:<port>`, or https when started with TLS. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Stops listening and drops open connections; later calls wait for the first. */
  stop(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1, on a free port, that answers each path from `answers` and any other with
 * `notFound` (status 404), keeping every request. Answers are read per request: a test may change them.
 */
export async function startStandIn(answers: RecordedAnswers, notFound: object, tls?: StandInTls): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const listener: RequestListener = (req, res) => {
    requests.push({ method: req.method!, path: req.url!, headers: req.headers });
    const [status, body] = answers.get(req.url!) ?? [404, notFound];
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  };
  const server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A client's kept-alive connection would hold close() open until it times out.
        server.closeAllConnections();
      })),
  };
}
