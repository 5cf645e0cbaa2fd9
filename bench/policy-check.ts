/**
 * A check of the cost model against the SDK itself (`npm run bench --
 * --cost`): the real SDK producer, with its `local` and `aws` profile
 * defaults, sends a steady stream through an in-memory transport whose
 * produce requests take the analytical latency model's time for their size.
 * It measures what the model (`producerPayload`, `adaptiveLinger` in
 * bench/cost.ts) predicts: the payload per produce request, and the linger
 * the adaptive policy reached. Nothing touches the network or AWS.
 */
import { AWS_PRODUCER_DEFAULTS, Eddy, LOCAL_PRODUCER_DEFAULTS, type Transport, type TransportRequest, type TransportResponse } from '@eddy/sdk';
import { adaptiveLinger, awsBatchPayload, producerPayload, type MeasuredCosts } from './cost.js';
import { fmt, table } from './lib/stats.js';

const RECORD_BYTES = 1032;

/** An in-memory API answering `describeTopic` and produce requests, after `requestMs(payload bytes)` for a produce. */
class ModelTransport implements Transport {
  /** Payload bytes of each produce request, with when it arrived (performance.now()). */
  readonly sizes: Array<{ at: number; bytes: number }> = [];
  private readonly next = new Map<number, number>();
  constructor(
    private readonly partitions: number,
    private readonly requestMs: (payloadBytes: number) => number,
  ) {}

  async request(req: TransportRequest): Promise<TransportResponse> {
    if (req.method === 'GET' && req.path.endsWith('/description')) {
      return { status: 200, body: { name: 't', topicId: 'id-t', partitions: this.partitions, config: { retentionMs: 604_800_000, retentionBytes: -1, maxMessageBytes: 1_048_576 }, partitionOffsets: [] } };
    }
    if (req.method === 'POST' && req.path.endsWith('/records')) {
      const records = (req.body as { records: Array<{ partition: number }> }).records;
      this.sizes.push({ at: performance.now(), bytes: records.length * RECORD_BYTES });
      await new Promise((r) => setTimeout(r, this.requestMs(records.length * RECORD_BYTES)));
      const results = records.map((r) => {
        const offset = this.next.get(r.partition) ?? 0;
        this.next.set(r.partition, offset + 1);
        return { partition: r.partition, offset };
      });
      return { status: 200, body: { results } };
    }
    return { status: 400, body: { error: { code: 'INVALID_REQUEST', message: `no route ${req.method} ${req.path}` } } };
  }
}

/** One profile's run: the payload per request over the second half (after the linger settled), the linger reached, the rate sent. */
export interface PolicyRun {
  readonly profile: 'local' | 'aws';
  readonly mbps: number;
  readonly payloadPerRequest: number;
  readonly lingerMs: number;
  readonly requests: number;
}

/** Sends ~`mbps` MB/s of 1 KiB records over `partitions` partitions for `seconds` with the SDK producer of `profile`. */
export async function runProducerPolicy(profile: 'local' | 'aws', mbps: number, partitions: number, seconds: number, requestMs: (payloadBytes: number) => number): Promise<PolicyRun> {
  const transport = new ModelTransport(partitions, requestMs);
  const producer = new Eddy({ transport }).producer({ profile });
  const value = Buffer.alloc(1024, 120);
  const tickMs = 20;
  const perTick = Math.max(1, Math.round((mbps * 1e6 * tickMs) / 1000 / RECORD_BYTES));
  const sends: Promise<unknown>[] = [];
  const start = performance.now();
  let sent = 0;
  let lingerMs = 0;
  for (let t = 0; performance.now() - start < seconds * 1000; t++) {
    const wait = start + t * tickMs - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sends.push(producer.send({ topic: 't', messages: Array.from({ length: perTick }, (_, i) => ({ key: `k${sent + i}`, value })) }));
    sent += perTick;
    lingerMs = Math.max(lingerMs, producer.stats().lingerMs);
  }
  const elapsed = (performance.now() - start) / 1000;
  await Promise.all(sends);
  await producer.disconnect();
  // Requests that started in the second half of the stream (the linger has settled; the final flush excluded).
  const late = transport.sizes.filter((x) => x.at >= start + seconds * 500 && x.at < start + elapsed * 1000);
  const payloadPerRequest = late.length ? late.reduce((a, b) => a + b.bytes, 0) / late.length : Number.NaN;
  return { profile, mbps: (sent * RECORD_BYTES) / 1e6 / elapsed, payloadPerRequest, lingerMs, requests: transport.sizes.length };
}

/** The check's Markdown: measured against modelled payload per request. */
export function policyCheckMarkdown(runs: ReadonlyArray<PolicyRun & { modelled: number }>, seconds: number, partitions: number): string {
  return [
    `**The model against the SDK itself** (bench/policy-check.ts): the SDK producer with its \`local\` and \`aws\` defaults sends ~1 MB/s of 1 KiB records over ${partitions} partitions for ${seconds} s through an in-memory transport whose produce requests take the analytical latency model's mean for their size; payload per request of the requests sent in the second half, against \`producerPayload\` / \`adaptiveLinger\` at the rate actually sent (timers on a loaded machine send less than asked):`,
    '',
    table(
      ['profile', 'rate sent MB/s', 'requests', 'KB/request, SDK', 'KB/request, model', 'longest linger ms'],
      runs.map((r) => [r.profile, fmt(r.mbps), fmt(r.requests), fmt(r.payloadPerRequest / 1e3), fmt(r.modelled / 1e3), fmt(r.lingerMs)]),
    ),
  ].join('\n');
}

/**
 * Runs both profiles at ~1 MB/s on 4 partitions and compares with the model:
 * `local` with `producerPayload` (fixed 5 ms linger, the measured full
 * request of `m` as the limit), `aws` with `adaptiveLinger` (the SDK's cap,
 * the AWS batch limit scaled from `large`).
 */
export async function producerPolicyCheck(m: MeasuredCosts, large: MeasuredCosts, requestMs: (payloadBytes: number) => number, seconds: number, log: (line: string) => void): Promise<string> {
  const partitions = 4;
  const runs: Array<PolicyRun & { modelled: number }> = [];
  for (const profile of ['local', 'aws'] as const) {
    const r = await runProducerPolicy(profile, 1, partitions, seconds, requestMs);
    const modelled =
      profile === 'local'
        ? producerPayload(r.mbps, partitions, LOCAL_PRODUCER_DEFAULTS.lingerMs, m.produce.payloadBytes, requestMs)
        : adaptiveLinger(r.mbps, partitions, AWS_PRODUCER_DEFAULTS.maxLingerMs, awsBatchPayload(large), requestMs).payloadBytes;
    runs.push({ ...r, modelled });
    log(`bench: producer policy check (${profile}): ${fmt(r.mbps)} MB/s sent, ${fmt(r.payloadPerRequest / 1e3)} KB/request (model ${fmt(modelled / 1e3)}), longest linger ${fmt(r.lingerMs)} ms`);
  }
  return policyCheckMarkdown(runs, seconds, partitions);
}
