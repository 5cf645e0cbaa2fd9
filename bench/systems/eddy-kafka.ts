/**
 * Eddy through its Kafka protocol front door: the same local host child as
 * {@link EddySystem} (handlers, embedded dynalite + s3rver) with its Kafka
 * server on, driven by kafkajs from this process — a producer (`acks` -1,
 * sends of {@link SEND_SIZE} records with the workload's partitions, up to
 * {@link SEND_WINDOW} sends in flight) and a consumer group reading the
 * topic from the beginning (`maxBytesPerPartition` 4 MiB, like getRecords'
 * `maxBytes`), timed from the moment it has joined the group.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { CpuMeter, forkChild, removeTempDir, tempDir, type Child } from '../lib/proc.js';
import { Deadline, Latencies, measurement, sendWindowed } from '../lib/stats.js';
import type { Workload } from '../lib/workload.js';
import type { BenchSystem, RunResult } from './types.js';

const HOST_SCRIPT = fileURLToPath(new URL('./eddy-host.ts', import.meta.url));

/** Records per `send` (one Produce request over the partitions they fall in). */
const SEND_SIZE = 512;
/** Sends in flight. */
const SEND_WINDOW = 4;
const FETCH_MAX_BYTES = 4 * 1024 * 1024;

/** Options of {@link EddyKafkaSystem}. */
export interface EddyKafkaOptions {
  /** Where {@link EddyKafkaSystem.stopProfile} writes a CPU profile of the host (gateway, handlers, stand-ins). */
  readonly profilePath?: string;
}

export class EddyKafkaSystem implements BenchSystem {
  readonly name = 'eddy-kafka';
  readonly label = `Eddy local host, Kafka protocol (kafkajs producer, sends of ${SEND_SIZE}, ${SEND_WINDOW} in flight; kafkajs group consumer)`;
  private host: Child | undefined;
  private kafka: Kafka | undefined;
  private dataDir = '';

  constructor(private readonly options: EddyKafkaOptions = {}) {}

  /** With `profilePath`: starts a CPU profile of the host; false without. */
  async startProfile(): Promise<boolean> {
    if (!this.options.profilePath) return false;
    await this.host!.call('profileStart');
    return true;
  }

  /** Writes the host's profile to `profilePath`. */
  async stopProfile(): Promise<void> {
    if (this.options.profilePath) await this.host!.call('profileStop', this.options.profilePath);
  }

  async unavailable(): Promise<string | undefined> {
    return undefined;
  }

  async start(): Promise<void> {
    this.dataDir = tempDir('eddy-kafka');
    const { child, ready } = await forkChild<{ url: string; kafkaPort: number }>(HOST_SCRIPT, [JSON.stringify({ dataDir: this.dataDir, kafka: true })]);
    this.host = child;
    this.kafka = new Kafka({ clientId: 'bench', brokers: [`127.0.0.1:${ready.kafkaPort}`], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  }

  private async produce(w: Workload, topic: string, deadline: Deadline, lat: Latencies): Promise<void> {
    const producer: Producer = this.kafka!.producer({ allowAutoTopicCreation: false });
    producer.on(producer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Produce') lat.add(e.payload.duration);
    });
    await producer.connect();
    try {
      await sendWindowed(w.records, SEND_SIZE, SEND_WINDOW, deadline, (start, end) => {
        const messages = [];
        for (let i = start; i < end; i++) messages.push({ key: w.keyBytes(i), value: w.value(i), partition: w.partition(i) });
        return producer.send({ topic, acks: -1, messages });
      });
    } finally {
      await producer.disconnect();
    }
  }

  /** Reads the topic from the start with a consumer group; the clock starts once it has joined. */
  private async consume(w: Workload, topic: string, deadline: Deadline, lat: Latencies): Promise<{ records: number; bytes: number; seconds: number }> {
    const consumer = this.kafka!.consumer({ groupId: `${topic}-g`, maxBytesPerPartition: FETCH_MAX_BYTES, maxBytes: 4 * FETCH_MAX_BYTES, maxWaitTimeInMs: 500, sessionTimeout: 30_000 });
    consumer.on(consumer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Fetch') lat.add(e.payload.duration);
    });
    let t0 = performance.now();
    consumer.on(consumer.events.GROUP_JOIN, () => (t0 = performance.now()));
    let records = 0;
    let bytes = 0;
    let finished = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
        records += batch.messages.length;
        if (records >= w.records && !finished) {
          finished = performance.now();
          done();
        }
      },
    });
    const timer = setInterval(() => {
      try {
        deadline.check();
      } catch {
        done();
      }
    }, 250);
    await all;
    clearInterval(timer);
    await consumer.disconnect();
    if (!finished) throw new Error(`eddy-kafka: consumed ${records} of ${w.records} records of ${topic} before the deadline`);
    return { records, bytes, seconds: (finished - t0) / 1000 };
  }

  async run(w: Workload, run: string): Promise<RunResult> {
    const topic = `bench-kafka-${run}`;
    const admin = this.kafka!.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: w.partitions }] });
    await admin.disconnect();
    const cpu = new CpuMeter(this.host!.child.pid);
    const produceLat = new Latencies();
    let c0 = cpu.mark();
    const t0 = performance.now();
    await this.produce(w, topic, new Deadline(`eddy-kafka produce ${run}`, 300_000), produceLat);
    const produceS = (performance.now() - t0) / 1000;
    const produceCpu = cpu.since(c0);

    const fetchLat = new Latencies();
    c0 = cpu.mark();
    const read = await this.consume(w, topic, new Deadline(`eddy-kafka consume ${run}`, 300_000), fetchLat);
    const consumeCpu = cpu.since(c0);
    if (read.records !== w.records || read.bytes !== w.totalBytes) throw new Error(`eddy-kafka: consumed ${read.records} records / ${read.bytes} bytes, expected ${w.records} / ${w.totalBytes}`);
    return {
      produce: measurement(w.records, w.totalBytes, produceS, produceLat, `Produce of ~${Math.round(w.records / Math.max(1, produceLat.count))} records`, produceCpu),
      consume: measurement(read.records, read.bytes, read.seconds, fetchLat, 'Fetch, 4 MiB per partition', consumeCpu),
      facts: { produceRequests: produceLat.count, fetchRequests: fetchLat.count },
    };
  }

  async stop(): Promise<void> {
    await this.host?.close();
    if (this.dataDir) removeTempDir(this.dataDir);
  }
}
