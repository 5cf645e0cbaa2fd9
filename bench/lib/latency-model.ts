/**
 * The analytical side of the latency model: a Monte Carlo over Eddy's
 * request paths, with the same S3 / DynamoDB / API Gateway distributions as
 * the simulated-AWS middleware (aws-model.ts) and CPU time per MB measured
 * by the hot-path benchmark (load-independent CPU time, not wall time).
 * It complements the simulation on the local host, whose figures on a busy
 * shared machine are dominated by waiting for a CPU.
 *
 * Paths (core/log/produce.ts, core/log/fetch.ts; every step sequential
 * unless marked):
 * - produce request = hop(body) + CPU + topic GetItem + head Query (the
 *   idempotence check, reused by the append) + S3 PUT(object) + PutItem;
 * - fetch = topic GetItem + [first Query ∥ head Query] + containing Query +
 *   following Query + S3 GET(range) + CPU + hop(response);
 * - a record's send → ack under steady load: the SDK keeps one request in
 *   flight per partition, so a record waits for the rest of the in-flight
 *   request (uniform share of one request time), then its own request;
 * - end to end: send → index write, then a waiting fetch wakes at once (same
 *   process) or at its next 250 ms re-read (across Lambda containers), and
 *   reads the record.
 */
import { AWS_LATENCY, GATEWAY_LATENCY, prng, sample, type Dist } from './aws-model.js';
import { percentile } from './stats.js';

/** Inputs of the model. */
export interface AnalyticInputs {
  /** Handler CPU ms per MB of payload (hot path, memory adapters), produce and fetch. */
  readonly produceCpuMsPerMB: number;
  readonly fetchCpuMsPerMB: number;
  /** AWS SDK client CPU per MB sent or received, and per call (assumption; ~10 % of the host's CPU in the profile). */
  readonly sdkMsPerMB: number;
  readonly sdkMsPerCall: number;
  /** Lambda CPU relative to one core of this machine: 1769 MB gets one vCPU, so 1024 MB ≈ 1.73× slower. */
  readonly lambdaCpuFactor: number;
  /** Request body bytes per payload byte (base64 + JSON) and S3 object bytes per payload byte. */
  readonly bodyPerPayload: number;
  readonly objectPerPayload: number;
  /** Fetch response bytes per payload byte. */
  readonly responsePerPayload: number;
  readonly partitions: number;
}

export const DEFAULT_INPUTS: Omit<AnalyticInputs, 'produceCpuMsPerMB' | 'fetchCpuMsPerMB'> = {
  sdkMsPerMB: 15,
  sdkMsPerCall: 0.5,
  lambdaCpuFactor: 1769 / 1024,
  bodyPerPayload: 1.37,
  objectPerPayload: 1.02,
  responsePerPayload: 1.41,
  partitions: 4,
};

/** p50 and p99 of a sampled quantity. */
export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

export interface AnalyticResult {
  /** One produce request of the given payload, alone. */
  readonly produceRequest: ReadonlyArray<{ readonly payloadBytes: number } & Percentiles>;
  /** Most one SDK producer can push through `partitions` partitions (one request in flight each), at each request size. */
  readonly producerCeilingMBps: ReadonlyArray<{ readonly payloadBytes: number; readonly mbps: number }>;
  /** A steady stream at `mbps`. */
  readonly steady: {
    readonly mbps: number;
    readonly payloadPerRequest: number;
    readonly request: Percentiles;
    readonly sendToAck: Percentiles;
    readonly endToEndSameProcess: Percentiles;
    readonly endToEndAcrossContainers: Percentiles;
  };
}

const N = 40_000;

function stats(xs: number[]): Percentiles {
  xs.sort((a, b) => a - b);
  return { p50: percentile(xs, 50), p99: percentile(xs, 99), mean: xs.reduce((a, b) => a + b, 0) / xs.length };
}

/** Runs the model (seeded, so two runs with the same inputs agree). */
export function analyticLatency(inputs: AnalyticInputs, requestSizes: readonly number[], steadyMBps = 1, seed = 42, samples = N): AnalyticResult {
  const random = prng(seed);
  const d = (key: string): number => sample(AWS_LATENCY[key] as Dist, random);
  const cpu = (msPerMB: number, payloadBytes: number, calls: number): number =>
    ((msPerMB + inputs.sdkMsPerMB) * (payloadBytes / 1e6) + inputs.sdkMsPerCall * calls) * inputs.lambdaCpuFactor;
  const produce = (payload: number): number =>
    sample(GATEWAY_LATENCY, random, payload * inputs.bodyPerPayload) +
    cpu(inputs.produceCpuMsPerMB, payload, 4) +
    d('dynamodb:GetItem') +
    d('dynamodb:Query') +
    sample(AWS_LATENCY['s3:PutObject']!, random, payload * inputs.objectPerPayload) +
    d('dynamodb:PutItem');
  const fetch = (payload: number): number =>
    d('dynamodb:GetItem') +
    Math.max(d('dynamodb:Query'), d('dynamodb:Query')) +
    d('dynamodb:Query') +
    d('dynamodb:Query') +
    sample(AWS_LATENCY['s3:GetObject']!, random, payload * inputs.objectPerPayload) +
    cpu(inputs.fetchCpuMsPerMB, payload, 6) +
    sample(GATEWAY_LATENCY, random, payload * inputs.responsePerPayload);

  const produceRequest = requestSizes.map((payloadBytes) => ({ payloadBytes, ...stats(Array.from({ length: samples }, () => produce(payloadBytes))) }));
  const producerCeilingMBps = produceRequest.map((r) => ({ payloadBytes: r.payloadBytes, mbps: (inputs.partitions * r.payloadBytes) / 1e6 / (r.mean / 1000) }));

  if (steadyMBps <= 0) {
    const none = { p50: Number.NaN, p99: Number.NaN, mean: Number.NaN };
    return { produceRequest, producerCeilingMBps, steady: { mbps: 0, payloadPerRequest: 0, request: none, sendToAck: none, endToEndSameProcess: none, endToEndAcrossContainers: none } };
  }
  // Steady stream: a request carries what its partition received while the previous one was in flight.
  const perPartition = (steadyMBps * 1e6) / inputs.partitions;
  let payload = perPartition * 0.1;
  for (let i = 0; i < 5; i++) payload = Math.max(1032, perPartition * (stats(Array.from({ length: 4000 }, () => produce(payload))).mean / 1000));
  const request: number[] = [];
  const sendToAck: number[] = [];
  const same: number[] = [];
  const across: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t1 = produce(payload);
    const t2 = produce(payload);
    const ack = random() * t1 + t2;
    const read = fetch(Math.max(1032, payload / 2));
    request.push(t2);
    sendToAck.push(ack);
    same.push(ack + read);
    across.push(ack + random() * 250 + read);
  }
  return {
    produceRequest,
    producerCeilingMBps,
    steady: { mbps: steadyMBps, payloadPerRequest: payload, request: stats(request), sendToAck: stats(sendToAck), endToEndSameProcess: stats(same), endToEndAcrossContainers: stats(across) },
  };
}

/** Mean time of one produce request of `payloadBytes` under the model (ms), for the cost model's batching. */
export function meanProduceMs(inputs: AnalyticInputs, payloadBytes: number, seed = 7): number {
  return analyticLatency(inputs, [payloadBytes], 0, seed, 4000).produceRequest[0]!.mean;
}
