/** The part of autocannon 8's programmatic API the ingest workload uses (it ships no types). */
declare module 'autocannon' {
  /** One of autocannon's HDR histograms as an object (ms for latency, per second for rates). */
  export interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p2_5: number;
    p50: number;
    p75: number;
    p90: number;
    p97_5: number;
    p99: number;
    p99_9: number;
    p99_99: number;
    p99_999: number;
    /** latency only: the samples recorded. */
    totalCount?: number;
    /** requests only: requests sent. */
    sent?: number;
  }

  export interface Result {
    title?: string;
    url: string;
    /** seconds */
    duration: number;
    connections: number;
    pipelining: number;
    errors: number;
    timeouts: number;
    mismatches: number;
    non2xx: number;
    resets: number;
    '1xx': number;
    '2xx': number;
    '3xx': number;
    '4xx': number;
    '5xx': number;
    statusCodeStats: Record<string, { count: number }>;
    latency: Histogram;
    requests: Histogram;
    throughput: Histogram;
    start: Date;
    finish: Date;
  }

  export interface Options {
    url: string;
    connections?: number;
    pipelining?: number;
    /** seconds */
    duration?: number;
    amount?: number;
    /** seconds */
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    title?: string;
    workers?: number;
    overallRate?: number;
    connectionRate?: number;
    ignoreCoordinatedOmission?: boolean;
    excludeErrorStats?: boolean;
  }

  export interface Instance extends PromiseLike<Result> {
    stop(): void;
    on(event: 'done', listener: (r: Result) => void): this;
    on(event: 'reqError', listener: (err: Error) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
  }

  function autocannon(opts: Options): Instance;
  export default autocannon;
}
