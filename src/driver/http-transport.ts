/** One HTTP request to an SDK app, with the bounds its transport must hold it to. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Deadline for the whole response, headers and body, from the moment it is sent. */
  timeoutMs: number;
  /** The response body may not pass this many bytes; the transport stops reading when it does. */
  maxResponseBytes: number;
  /** Aborts the request (the transport then rejects with reason `'aborted'`). */
  signal?: AbortSignal;
}

/** A whole HTTP response, whatever its status. */
export interface HttpResponse {
  status: number;
  /** Header names lower-cased; a repeated header's values joined with `', '`. */
  headers: Record<string, string>;
  /** The body decoded as UTF-8. */
  body: string;
}

/**
 * The seam between the driver and the network: `UndiciTransport` in production, a simulated
 * SDK in the simulator. `send` resolves with any response, error statuses included, and rejects
 * only with an `SdkRequestError` (no connection, timeout, too large, broken, aborted).
 */
export interface HttpTransport {
  send(req: HttpRequest): Promise<HttpResponse>;
  /** Releases connections; `send` may not be called afterwards. */
  close(): Promise<void>;
}
