/**
 * `npm run bench`: Eddy against its peers on one workload, plus the ceiling
 * of Eddy's own storage, printed as tables (Markdown) and written to
 * docs/benchmarks.md with SVG charts (Vega-Lite, bench/lib/chart.ts) under docs/benchmarks/.
 *
 * ```
 * npm run bench                      full run (5 runs per system of ~68 MB each way), writes docs/
 * npm run bench -- --quick           under 3 minutes (3 runs of ~17 MB); prints only, unless --write
 * npm run bench -- --cost            adds the AWS cost model (metered runs with simulated AWS latency, the SDK policy check, the trigger path); with --systems= alone
 * npm run bench -- --simulate-aws    adds the latency model (simulated on the local host, and analytical)
 * npm run bench -- --hotpath         adds the CPU-per-MB micro-benchmark of the hot path (bench/hotpath.ts) and the binary path's targets (bench/hotpath-targets.ts)
 * npm run bench -- --fanin           adds many single-record producers on one partition (1, 8, 64; core on memory adapters + simulated AWS latency)
 * npm run bench -- --profile         adds CPU profiles of the local host and of the SDK side over one extra Eddy run, and of the host over one extra eddy-kafka run (the .cpuprofile files are kept; the run prints where)
 * options: --systems=eddy,eddy-kafka,nats,redis,kinesalite,ceiling  --runs=N  --records=N  --no-write  --write
 * (eddy-kafka: the same local host through its Kafka protocol server, driven by kafkajs)
 * ```
 *
 * Never part of `npm test`. Everything listens on 127.0.0.1 and every loop
 * is bounded in count and time. The last line is always
 * `bench: produce MB/s eddy=<x> nats=<y> redis=<z> kinesalite=<w>`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, platform, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MAX_REQUEST_BYTES } from '@eddy/sdk';
import { costReport, eddyIngestPerGB, modelledGoals, type CostVariant } from './cost.js';
import { triggerReport } from './trigger-cost.js';
import { producerPolicyCheck } from './policy-check.js';
import { faninGoals, faninTable, measureFanin, type FaninRow } from './fanin.js';
import { alternativesTable, hotpathTable, type HotpathResult } from './hotpath.js';
import { runTargets, targetsCaption, targetsTable } from './hotpath-targets.js';
import { summarise } from './lib/cpuprofile.js';
import { DEFAULT_INPUTS, meanProduceMs } from './lib/latency-model.js';
import { DOC_TEMPLATE, replaceSection } from './lib/doc.js';
import { barChartSvg, panelsChartSvg, type Bar } from './lib/chart.js';
import { cpuPerMB, fmt, mbps, median, rps, table, usd, type Measurement } from './lib/stats.js';
import { workload } from './lib/workload.js';
import { measureCosts, measureLatency } from './model.js';
import { Ceiling, type CeilingRow } from './systems/ceiling.js';
import { EddySystem } from './systems/eddy.js';
import { EddyKafkaSystem } from './systems/eddy-kafka.js';
import { KinesaliteSystem } from './systems/kinesalite.js';
import { NatsSystem } from './systems/nats.js';
import { RedisSystem } from './systems/redis.js';
import type { BenchSystem, RunResult } from './systems/types.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const execFileAsync = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const CHART_DIR = join(ROOT, 'docs', 'benchmarks');
const CHART = join(CHART_DIR, 'throughput.svg');
const FANIN_CHART = join(CHART_DIR, 'fanin.svg');
const PEERS = ['eddy', 'nats', 'redis', 'kinesalite'] as const;
/** Every system measured: the peers, and Eddy through its Kafka protocol front door. */
const SYSTEMS = ['eddy', 'eddy-kafka', 'nats', 'redis', 'kinesalite'] as const;

interface Args {
  readonly quick: boolean;
  readonly cost: boolean;
  readonly simulateAws: boolean;
  readonly hotpath: boolean;
  readonly profile: boolean;
  readonly fanin: boolean;
  readonly systems: ReadonlySet<string>;
  readonly runs: number;
  readonly records: number;
  readonly write: boolean;
  readonly argv: readonly string[];
}

function parseArgs(argv: readonly string[]): Args {
  const known = new Set(['--quick', '--cost', '--simulate-aws', '--hotpath', '--profile', '--fanin', '--no-write', '--write', '--help']);
  const value = (name: string): string | undefined => argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  for (const a of argv) {
    if (!known.has(a) && !/^--(systems|runs|records)=/.test(a)) throw new Error(`unknown option ${a} (see bench/run.ts)`);
  }
  if (argv.includes('--help')) {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*?|^ \* ?/gm, '') + '\n');
    process.exit(0);
  }
  const quick = argv.includes('--quick');
  const int = (name: string, dflt: number): number => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new Error(`${name} must be a positive integer, got ${v}`);
    return n;
  };
  const systems = new Set((value('--systems') ?? [...SYSTEMS, 'ceiling'].join(',')).split(',').filter(Boolean));
  for (const s of systems) if (![...SYSTEMS, 'ceiling'].includes(s)) throw new Error(`unknown system ${s}`);
  return {
    quick,
    cost: argv.includes('--cost'),
    simulateAws: argv.includes('--simulate-aws'),
    hotpath: argv.includes('--hotpath'),
    profile: argv.includes('--profile'),
    fanin: argv.includes('--fanin'),
    systems,
    runs: int('--runs', quick ? 3 : 5),
    records: int('--records', quick ? 16_384 : 65_536),
    write: argv.includes('--write') || (!quick && !argv.includes('--no-write')),
    argv,
  };
}

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Medians of a system's runs: each direction from the run with the median MB/s of that direction. */
interface SystemSummary {
  readonly name: string;
  readonly label: string;
  readonly produce: Measurement;
  readonly consume: Measurement;
  readonly produceRange: readonly [number, number];
  readonly consumeRange: readonly [number, number];
  readonly runs: number;
  readonly facts?: Readonly<Record<string, number | string>>;
}

function summariseRuns(s: BenchSystem, results: readonly RunResult[]): SystemSummary {
  const pick = (dir: 'produce' | 'consume'): Measurement => {
    const values = results.map((r) => mbps(r[dir]));
    const m = median(values);
    return results[values.indexOf(m)]![dir];
  };
  const range = (dir: 'produce' | 'consume'): [number, number] => {
    const v = results.map((r) => mbps(r[dir]));
    return [Math.min(...v), Math.max(...v)];
  };
  const produce = pick('produce');
  const facts = results.find((r) => r.produce === produce)?.facts;
  return { name: s.name, label: s.label, produce, consume: pick('consume'), produceRange: range('produce'), consumeRange: range('consume'), runs: results.length, ...(facts ? { facts } : {}) };
}

async function benchSystem(s: BenchSystem, args: Args, skipped: Map<string, string>): Promise<SystemSummary | undefined> {
  if (!args.systems.has(s.name)) {
    skipped.set(s.name, 'not selected (--systems)');
    say(`bench: skipping ${s.name}: not selected (--systems)`);
    return undefined;
  }
  const why = await s.unavailable();
  if (why) {
    skipped.set(s.name, why);
    say(`bench: skipping ${s.name}: ${why}`);
    return undefined;
  }
  say(`bench: ${s.name}: starting (${s.label})`);
  await s.start();
  try {
    await s.run(workload(Math.min(4096, args.records)), 'warmup');
    const results: RunResult[] = [];
    const w = workload(args.records);
    for (let r = 1; r <= args.runs; r++) {
      const res = await s.run(w, `run${r}`);
      results.push(res);
      say(`bench: ${s.name} run ${r}/${args.runs}: produce ${fmt(mbps(res.produce))} MB/s (p50 ${fmt(res.produce.p50)} ms), consume ${fmt(mbps(res.consume))} MB/s (p50 ${fmt(res.consume.p50)} ms)`);
    }
    // Profiles come from one more run, so that sampling never slows a measured one.
    if (await s.startProfile?.()) {
      await s.run(w, 'profiled');
      await s.stopProfile?.();
    }
    return summariseRuns(s, results);
  } finally {
    await s.stop();
  }
}

function machineFacts(): string[] {
  const cpu = cpus();
  const [l1, l5] = loadavg();
  return [
    `- date: ${new Date().toISOString()}`,
    `- node ${process.version}, ${platform()} ${release()}`,
    `- ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), ${fmt(totalmem() / 2 ** 30)} GiB memory (${fmt(freemem() / 2 ** 30)} GiB free at start)`,
    `- load average at start: ${fmt(l1)} (1 min), ${fmt(l5)} (5 min): the machine is shared, so figures are medians of short runs and noisy (±15–40 %)`,
  ];
}

function throughputTable(rows: readonly SystemSummary[]): string {
  return table(
    ['system', 'produce MB/s', 'records/s', 'req p50 ms', 'req p99 ms', 'consume MB/s', 'records/s', 'req p50 ms', 'req p99 ms', 'runs (min–max MB/s produce / consume)'],
    rows.map((r) => [
      r.name,
      fmt(mbps(r.produce)),
      fmt(rps(r.produce)),
      fmt(r.produce.p50),
      fmt(r.produce.p99),
      fmt(mbps(r.consume)),
      fmt(rps(r.consume)),
      fmt(r.consume.p50),
      fmt(r.consume.p99),
      `${r.runs} (${fmt(r.produceRange[0])}–${fmt(r.produceRange[1])} / ${fmt(r.consumeRange[0])}–${fmt(r.consumeRange[1])})`,
    ]),
  );
}

function cpuTable(rows: readonly SystemSummary[]): string {
  const cell = (m: Measurement, side: 'server' | 'client'): string => {
    const c = cpuPerMB(m);
    return c ? fmt(c[side]) : 'n/a';
  };
  const total = (m: Measurement): string => {
    const c = cpuPerMB(m);
    return c ? fmt(c.server + c.client) : 'n/a';
  };
  return table(
    ['system', 'produce: server', 'client', 'total', 'consume: server', 'client', 'total'],
    rows.map((r) => [r.name, cell(r.produce, 'server'), cell(r.produce, 'client'), total(r.produce), cell(r.consume, 'server'), cell(r.consume, 'client'), total(r.consume)]),
  );
}

function requestsTable(rows: readonly SystemSummary[]): string {
  return table(
    ['system', 'what runs', 'one produce request', 'one consume request'],
    rows.map((r) => [r.name, r.label, `${r.produce.unit}; ${fmt(r.produce.requests)} requests`, `${r.consume.unit}; ${fmt(r.consume.requests)} requests`]),
    ['l', 'l', 'l', 'l'],
  );
}

function ceilingTable(rows: readonly CeilingRow[]): string {
  return table(
    ['ceiling (raw stand-ins, 4 in flight)', 'ops/s', 'MB/s', 'p50 ms', 'p99 ms', 'server CPU ms/op'],
    rows.map((r) => [r.name, fmt(r.opsPerS), r.mbPerS === undefined ? '' : fmt(r.mbPerS), fmt(r.p50), fmt(r.p99), fmt(r.serverCpuMsPerOp)]),
  );
}

/**
 * Eddy's storage-bound produce ceiling: a produce request of P payload bytes
 * costs one S3 PUT of ~P·(object/payload) bytes, one topic GetItem and a
 * Query + conditional PutItem pair; the stand-ins share one process, so
 * their service times add up.
 */
function eddyStorageCeiling(rows: readonly CeilingRow[], payloadPerRequest: number, objectPerPayload: number): { mbps: number; cpuMsPerMB: number } | undefined {
  const put = rows.find((r) => r.name.startsWith('s3rver PUT'));
  const pair = rows.find((r) => r.name.includes('Query +'));
  const cput = rows.find((r) => r.name.includes('conditional PutItem') && !r.name.includes('Query'));
  if (!put?.mbPerS || !pair || !cput) return undefined;
  const objectMiB = (payloadPerRequest * objectPerPayload) / 1_048_576;
  const seconds = (objectMiB * 1_048_576) / 1e6 / put.mbPerS + 1 / pair.opsPerS + 1 / cput.opsPerS;
  const cpuMs = objectMiB * put.serverCpuMsPerOp + pair.serverCpuMsPerOp + cput.serverCpuMsPerOp;
  return { mbps: payloadPerRequest / 1e6 / seconds, cpuMsPerMB: cpuMs / (payloadPerRequest / 1e6) };
}

/** Runs bench/hotpath.ts in a fresh process (this one's heap would tax its timings) and returns its result. */
async function hotpathInChild(quick: boolean, reps: number): Promise<HotpathResult> {
  const script = fileURLToPath(new URL('./hotpath.ts', import.meta.url));
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script, '--json', `--reps=${reps}`, ...(quick ? ['--quick'] : [])], { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as HotpathResult;
}

/** Handler CPU ms per MB of a path, from the hot-path benchmark. */
const cpuOfHot = (hot: HotpathResult, path: 'produce' | 'fetch'): number => hot.rows.find((r) => r.path === path && r.step.startsWith('TOTAL'))!.msPerMB;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const command = `npm run bench${args.argv.length ? ` -- ${args.argv.join(' ')}` : ''}`;
  const started = Date.now();
  const facts = machineFacts();
  say(`bench: ${command}`);
  for (const f of facts) say(`bench: ${f.slice(2)}`);
  say(
    `bench: workload: ${fmt(args.records)} records of 1 KiB (+8-byte key) over 4 partitions, ${fmt(workload(args.records).totalBytes / 1e6)} MB per run, ${args.runs} runs per system after a warm-up; MB = 10^6 payload bytes`,
  );

  const skipped = new Map<string, string>();
  const summaries: SystemSummary[] = [];
  let profileMd: string | undefined;
  // Kept after the run (not a temporary directory), to open in Chrome DevTools or a profile viewer.
  const profilePath = args.profile ? join(mkdtempSync(join(tmpdir(), 'eddy-bench-profile-')), 'eddy-host.cpuprofile') : undefined;
  const systems: BenchSystem[] = [
    new EddySystem(profilePath ? { profilePath } : {}),
    new EddyKafkaSystem(profilePath ? { profilePath: profilePath.replace(/eddy-host\.cpuprofile$/, 'eddy-kafka-host.cpuprofile') } : {}),
    new NatsSystem(),
    new RedisSystem(),
    new KinesaliteSystem(),
  ];
  for (const s of systems) {
    try {
      const r = await benchSystem(s, args, skipped);
      if (r) summaries.push(r);
    } catch (err) {
      const why = `failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      skipped.set(s.name, why);
      say(`bench: skipping ${s.name}: ${why}`);
    }
  }
  if (profilePath && existsSync(profilePath)) {
    const section = (title: string, path: string, inclusive: readonly string[]): string => {
      const p = summarise(path, inclusive);
      return [
        `${title}: ${fmt(p.busyMs / 1000)} s busy of ${fmt(p.totalMs / 1000)} s.`,
        '',
        table(['component (self time)', 'ms', 'share of busy'], p.byComponent.slice(0, 12).map(([c, ms]) => [c, fmt(ms), `${fmt((100 * ms) / p.busyMs, 2)}%`]), ['l', 'r', 'r']),
        '',
        table(['function (self time)', 'ms', 'share of busy'], p.topSelf.filter((t) => !t.name.startsWith('(idle)')).slice(0, 12).map((t) => [t.name, fmt(t.ms), `${fmt((100 * t.ms) / p.busyMs, 2)}%`]), ['l', 'r', 'r']),
        '',
        table(['function (inclusive)', 'ms', 'share of busy'], p.inclusive.map((t) => [t.name, fmt(t.ms), `${fmt((100 * t.ms) / p.busyMs, 2)}%`]), ['l', 'r', 'r']),
      ].join('\n');
    };
    profileMd = [
      section(
        `CPU profile of the Eddy local host's main thread (handlers, AWS SDK clients, HTTP; dynalite and s3rver run in a worker thread the inspector does not sample; sampling every 0.5 ms) over one extra run after the measured ones, produce and consume`,
        profilePath,
        ['dispatch@lambdas/http/handler', 'decodeRecords', 'decodeField', 'produce@core/log/produce', 'encodeObject', 'crc32c', 'fetchRecords', 'decodeChunk', 'safeParse'],
      ),
      '',
      section(`CPU profile of the benchmark process over the same run (the SDK producer and getRecords)`, `${profilePath}.client.cpuprofile`, ['send@producer/producer', 'encodeMessage', 'jsonWireBytes', 'putRecords', 'getRecords', 'request@transport/http']),
    ].join('\n');
    say(`\n${profileMd}\n`);
    say(`bench: profiles kept: ${profilePath} (host) and ${profilePath}.client.cpuprofile (this process)`);
  }
  const kafkaProfile = profilePath?.replace(/eddy-host\.cpuprofile$/, 'eddy-kafka-host.cpuprofile');
  if (kafkaProfile && existsSync(kafkaProfile)) {
    const p = summarise(kafkaProfile, ['fetch@kafka/handlers/data', 'produce@kafka/handlers/data', 'crc32c']);
    say(`\nCPU profile of the Eddy local host's main thread with its Kafka server (eddy-kafka; stand-ins' worker not sampled) over one extra run: ${fmt(p.busyMs / 1000)} s busy of ${fmt(p.totalMs / 1000)} s.\n`);
    say(table(['component (self time)', 'ms', 'share of busy'], p.byComponent.slice(0, 12).map(([c, ms]) => [c, fmt(ms), `${fmt((100 * ms) / p.busyMs, 2)}%`]), ['l', 'r', 'r']));
    say(`bench: profile kept: ${kafkaProfile} (eddy-kafka host)`);
  }

  let ceilingRows: CeilingRow[] = [];
  if (args.systems.has('ceiling')) {
    say('bench: ceiling: starting (raw dynalite + s3rver, loopback HTTP)');
    const c = new Ceiling();
    await c.start();
    try {
      const sizes = args.quick ? { s3Objects: 32, dynamoPuts: 1000, pairsPerPartition: 125, httpPosts: 64 } : { s3Objects: 96, dynamoPuts: 3000, pairsPerPartition: 400, httpPosts: 192 };
      await c.run({ s3Objects: 8, dynamoPuts: 100, pairsPerPartition: 10, httpPosts: 8 }, 'warmup');
      const runs: CeilingRow[][] = [];
      for (let r = 1; r <= Math.min(3, args.runs); r++) runs.push(await c.run(sizes, `run${r}`));
      ceilingRows = runs[0]!.map((row, i) => {
        const ops = runs.map((x) => x[i]!.opsPerS);
        const m = median(ops);
        return runs[ops.indexOf(m)]![i]!;
      });
    } finally {
      await c.stop();
    }
  }

  // ---- tables
  const eddy = summaries.find((s) => s.name === 'eddy');
  const out: string[] = [];
  out.push(`Command: \`${command}\``, '', 'Machine:', ...facts, '');
  out.push(
    `Workload: ${fmt(args.records)} records of a 1 KiB random value and an 8-byte key, keys spread over 4 partitions by Kafka's murmur2, ${fmt(workload(args.records).totalBytes / 1e6)} MB of payload per run; produced with each system's own batching or pipelining, then consumed from the start. MB/s counts payload (key + value) bytes, MB = 10^6. Each system runs in its own process on 127.0.0.1 (the Eddy local host too), the clients in the benchmark's process. Medians of ${args.runs} runs after a warm-up; "req" latencies are per request as defined below.`,
    '',
  );
  out.push(throughputTable(summaries), '');
  out.push(
    'CPU ms per MB of payload, from the same median runs (server: the system\'s own process(es), from /proc; client: the benchmark process). It depends much less than throughput on how busy the shared machine is:',
    '',
    cpuTable(summaries),
    '',
  );
  for (const [name, why] of skipped) out.push(`- ${name}: skipped, ${why}`);
  if (skipped.size) out.push('');
  out.push(requestsTable(summaries), '');
  if (eddy?.facts) {
    const f = eddy.facts;
    out.push(
      `Eddy requests (median run): ${fmt(Number(f.produceRequests))} produce requests, ${fmt(Number(f.s3PutsPerProduce), 3)} S3 PUT and ${fmt(Number(f.dynamoPerProduce), 3)} DynamoDB requests per produce request; ${fmt(Number(f.fetchRequests))} fetches, ${fmt(Number(f.s3GetsPerFetch), 3)} S3 GETs per fetch.`,
      '',
    );
  }
  let ceiling: number | undefined;
  let ceilingCpu: number | undefined;
  if (ceilingRows.length) {
    out.push(ceilingTable(ceilingRows), '');
    if (eddy?.facts) {
      const produceRequests = Number(eddy.facts.produceRequests);
      const payloadPerRequest = eddy.produce.bytes / produceRequests;
      const objectPerPayload = (Number(eddy.facts.s3PutMB) * 1e6) / eddy.produce.bytes;
      const c = eddyStorageCeiling(ceilingRows, payloadPerRequest, objectPerPayload);
      ceiling = c?.mbps;
      ceilingCpu = c?.cpuMsPerMB;
      if (ceiling !== undefined) {
        out.push(
          `Eddy's storage-bound produce ceiling on this machine: ${fmt(ceiling)} MB/s (one ${fmt((payloadPerRequest * objectPerPayload) / 1e6)} MB S3 PUT + a Query/PutItem pair + one more DynamoDB request, the topic GetItem, counted at the PutItem rate, per ${fmt(payloadPerRequest / 1e6)} MB produce request, at the raw stand-ins' rates; their service times add up since they share one process). The stand-ins alone spend ${fmt(ceilingCpu)} CPU ms per MB of payload on that pattern. Eddy reaches ${fmt((100 * mbps(eddy.produce)) / ceiling, 2)}% of the ceiling, and ${fmt((100 * mbps(eddy.produce)) / (ceilingRows[0]!.mbPerS ?? Number.NaN), 2)}% of raw s3rver PUT throughput.`,
          '',
        );
      }
    }
  }
  // ---- goals (throughput part)
  const peer = (n: string): SystemSummary | undefined => summaries.find((s) => s.name === n);
  const goals: string[][] = [];
  const goalTable = (rows: string[][]): string => table(['goal', 'measured', 'ratio', ''], rows, ['l', 'l', 'r', 'l']);
  if (eddy) {
    const others = ['nats', 'redis', 'kinesalite'].map(peer).filter((s): s is SystemSummary => s !== undefined);
    const best = others.sort((a, b) => mbps(b.produce) - mbps(a.produce))[0];
    if (best) goals.push(['produce ahead of every peer', `eddy ${fmt(mbps(eddy.produce))} vs best peer ${best.name} ${fmt(mbps(best.produce))} MB/s`, `${fmt(mbps(eddy.produce) / mbps(best.produce), 2)}×`, mbps(eddy.produce) > mbps(best.produce) ? 'met' : 'NOT met']);
    if (ceiling !== undefined) goals.push(['produce within 2× of the stand-in ceiling', `eddy ${fmt(mbps(eddy.produce))} vs ceiling ${fmt(ceiling)} MB/s`, `${fmt(ceiling / mbps(eddy.produce), 2)}× below`, ceiling / mbps(eddy.produce) <= 2 ? 'met' : 'NOT met']);
    const nats = peer('nats');
    if (nats) goals.push(['consume at least NATS JetStream', `eddy ${fmt(mbps(eddy.consume))} vs nats ${fmt(mbps(nats.consume))} MB/s`, `${fmt(mbps(eddy.consume) / mbps(nats.consume), 2)}×`, mbps(eddy.consume) >= mbps(nats.consume) ? 'met' : 'NOT met']);
    const kafka = peer('eddy-kafka');
    if (kafka) {
      goals.push(['produce through the Kafka protocol (kafkajs) vs the HTTP path (SDK)', `eddy-kafka ${fmt(mbps(kafka.produce))} vs eddy ${fmt(mbps(eddy.produce))} MB/s`, `${fmt(mbps(kafka.produce) / mbps(eddy.produce), 2)}×`, 'measured']);
      goals.push(['consume through the Kafka protocol (kafkajs) vs the HTTP path (SDK)', `eddy-kafka ${fmt(mbps(kafka.consume))} vs eddy ${fmt(mbps(eddy.consume))} MB/s`, `${fmt(mbps(kafka.consume) / mbps(eddy.consume), 2)}×`, 'measured']);
    }
    if (eddy.facts) goals.push(['at most one S3 PUT per produce request', `${fmt(Number(eddy.facts.s3PutsPerProduce), 3)} per request (measured)`, '', Number(eddy.facts.s3PutsPerProduce) <= 1 ? 'met' : 'NOT met']);
  }

  if (goals.length) out.push('Goals:', '', goalTable(goals), '');
  const throughputMd = out.join('\n');
  say(`\n${throughputMd}`);

  // ---- optional sections
  let hotpathMd: string | undefined;
  let hot: HotpathResult | undefined;
  if (args.hotpath) {
    say('bench: hot path micro-benchmark (in a fresh process)');
    const reps = args.quick ? 1 : 3;
    const merged = await hotpathInChild(args.quick, reps);
    hot = merged;
    hotpathMd = [
      `One produce request as the SDK builds it: ${merged.recordsPerRequest} records, ${fmt(merged.payloadBytesPerRequest / 1e6)} MB of payload in a ${fmt(merged.requestBodyBytes / 1e6)} MB JSON body; one 4 MiB fetch answers ${fmt(merged.fetchResponseBytes / 1e6)} MB. CPU ms per MB of payload, median of ${reps} × 5 timed batches; handlers on the memory adapters (no AWS SDK, no stand-ins). "share" is of the handler total above it; sub-steps ("of which") overlap their parent.`,
      '',
      hotpathTable(merged),
      '',
      alternativesTable(merged),
    ].join('\n');
    say(`\n${hotpathMd}\n`);
    // Issue 17 part 1's targets of the binary path, one process per target: native CRC32C (the SDK, the local host), then the JavaScript one (the Lambda functions).
    say('bench: binary path targets (bench/hotpath-targets.ts, one process per target)');
    for (const jsCrc of [false, true]) {
      const run = await runTargets({ jsCrc, quick: args.quick, reps });
      const md = `${targetsCaption(run)}\n\n${targetsTable(run)}`;
      say(`\n${md}\n`);
      hotpathMd += `\n\n${md}`;
    }
  }

  let costMd: string | undefined;
  if (args.cost) {
    say('bench: cost model: metered run on the local host with simulated AWS latency');
    const records = args.quick ? 16_384 : 65_536;
    const variants: CostVariant[] = [
      { label: 'SDK defaults (batchBytes 1 MiB)', m: await measureCosts(records, say) },
      { label: `batchBytes ${fmt(MAX_REQUEST_BYTES / 1e6)} MB (the maximum)`, m: await measureCosts(records, say, { batchBytes: MAX_REQUEST_BYTES }) },
    ];
    hot ??= await hotpathInChild(true, 1);
    const cpu = { produceCpuMsPerMB: cpuOfHot(hot, 'produce'), fetchCpuMsPerMB: cpuOfHot(hot, 'fetch') };
    const memo = new Map<number, number>();
    const requestMs = (payload: number): number => {
      const k = Math.round(payload / 1024);
      let v = memo.get(k);
      if (v === undefined) memo.set(k, (v = meanProduceMs({ ...DEFAULT_INPUTS, ...cpu }, k * 1024)));
      return v;
    };
    const report = costReport(variants, 1024, { requestMs, partitions: 4 });
    const costGoals: string[][] = [];
    const od = report.kinesisOnDemandPerGB10;
    for (const { label, perGB } of report.perGB10) {
      costGoals.push([`at 10 MB/s: < $0.01/GB ingested; ≥ 5× below Kinesis on-demand (${usd(od)}/GB). ${label}`, `${usd(perGB)}/GB`, `${fmt(od / perGB, 2)}× below`, `${perGB < 0.01 ? 'met' : 'NOT met'}; ${od / perGB >= 5 ? 'met' : 'NOT met'}`]);
    }
    costGoals.push(['at most one S3 PUT per produce request', `${fmt(report.s3PutsPerProduce, 3)} per request (metered)`, '', report.s3PutsPerProduce <= 1 ? 'met' : 'NOT met']);
    const mod = report.modelled;
    if (mod) costGoals.push(...modelledGoals(mod));
    const policyMd = await producerPolicyCheck(variants[0]!.m, variants[1]!.m, requestMs, args.quick ? 6 : 12, say);
    const single = eddyIngestPerGB(variants[0]!.m, 1032);
    const trig = triggerReport(((single.apiGateway + single.lambda + single.s3 + single.dynamo + single.compaction) * 1032e6) / 1e9);
    costGoals.push(...trig.goals);
    costMd = `Run: \`${command}\`, ${facts[0]!.slice(8)}, ${facts[3]!.slice(2).split(': the machine')[0]}, ${fmt(loadavg()[0])} (1 min) at the end of the cost model.\n\n${report.markdown}\n\n${policyMd}\n\n${trig.markdown}\n\nGoals:\n\n${goalTable(costGoals)}`;
    say(`\n${costMd}\n`);
  }
  let latencyMd: string | undefined;
  if (args.simulateAws) {
    say('bench: latency model: local host with simulated AWS latency, and the analytical model (a model, not a measurement of AWS)');
    hot ??= await hotpathInChild(true, 1);
    const lm = await measureLatency(args.quick ? 8192 : 32_768, args.quick ? 6 : 20, say, { produceCpuMsPerMB: cpuOfHot(hot, 'produce'), fetchCpuMsPerMB: cpuOfHot(hot, 'fetch') });
    const a = lm.analytic;
    const pc = (x: { p50: number; p99: number }): string[] => [fmt(x.p50), fmt(x.p99)];
    latencyMd = [
      'A model, not a measurement of AWS. Distributions (log-normal through p50 / p99): S3 PUT 30 / 100 ms; S3 GET first byte 18 / 60 ms + 90 MB/s; DynamoDB consistent GetItem/Query 4 / 12 ms; conditional PutItem 5 / 15 ms; client → API Gateway → Lambda 8 / 30 ms + 200 MB/s. Cold starts not modeled. See bench/lib/aws-model.ts and bench/lib/latency-model.ts.',
      '',
      `**Analytical model** (Monte Carlo over the request paths, 40,000 samples; handler CPU from the hot-path benchmark, ${fmt(lm.inputs.produceCpuMsPerMB)} ms/MB produce and ${fmt(lm.inputs.fetchCpuMsPerMB)} ms/MB fetch, plus ${lm.inputs.sdkMsPerMB} ms/MB for the AWS SDK, times ${fmt(lm.inputs.lambdaCpuFactor, 3)} for a 1024 MB Lambda's share of a vCPU):`,
      '',
      table(
        ['what', 'p50 ms', 'p99 ms', 'note'],
        [
          ...a.produceRequest.map((r, i) => [`one produce request of ${fmt(r.payloadBytes / 1e6)} MB`, ...pc(r), `one SDK producer on 4 partitions tops out near ${fmt(a.producerCeilingMBps[i]!.mbps)} MB/s (one request in flight per partition)`]),
          [`steady ${a.steady.mbps} MB/s: produce request`, ...pc(a.steady.request), `${fmt(a.steady.payloadPerRequest / 1e3)} KB per request`],
          [`steady ${a.steady.mbps} MB/s: send → ack`, ...pc(a.steady.sendToAck), 'waits for the partition\'s request in flight, then its own'],
          [`steady ${a.steady.mbps} MB/s: end to end, fetch woken in-process`, ...pc(a.steady.endToEndSameProcess), 'the local host, or a single container'],
          [`steady ${a.steady.mbps} MB/s: end to end, across Lambda containers`, ...pc(a.steady.endToEndAcrossContainers), 'a waiting fetch re-reads the index every 250 ms'],
        ],
        ['l', 'r', 'r', 'l'],
      ),
      '',
      `**Simulated on this machine** (the local host with the latency middleware on its AWS clients and the API Gateway hop on the client; includes this machine's CPU time and, on a busy shared machine, its wait for a CPU, so read it as an upper bound): bulk produce ${fmt(lm.bulkMBps)} MB/s from one client, per request p50 ${fmt(lm.bulkRequestP50)} ms, p99 ${fmt(lm.bulkRequestP99)} ms; a steady 1 MB/s stream (sends of 10 records, SDK producer defaults) with a consumer long-polling every partition (\`waitMs\` 5000):`,
      '',
      table(
        ['fetch wake-up', 'send→ack p50 ms', 'p99 ms', 'produce request p50 ms', 'p99 ms', 'records/request', 'end-to-end p50 ms', 'p99 ms', 'handler ms/produce', 'handler ms/fetch'],
        lm.steady.map((x) => [x.mode, fmt(x.sendP50), fmt(x.sendP99), fmt(x.requestP50), fmt(x.requestP99), fmt(x.recordsPerRequest), fmt(x.e2eP50), fmt(x.e2eP99), fmt(x.produceBilledMs), fmt(x.fetchBilledMs)]),
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    ].join('\n');
    say(`\n${latencyMd}\n`);
  }

  let faninMd: string | undefined;
  const faninRows: FaninRow[] = [];
  if (args.fanin) {
    say('bench: fan-in: single-record producers on one partition, core on memory adapters with simulated AWS latency');
    const ms = args.quick ? 4000 : 15_000;
    for (const protocol of ['head', 'reserve'] as const) {
      for (const n of [1, 8, 64]) {
        const row = await measureFanin(n, ms, protocol);
        faninRows.push(row);
        say(`bench: fan-in ${protocol} ${n}: ${fmt(row.appendsPerS)} appends/s, p99 ${fmt(row.p99)} ms, ${fmt(row.dynamoPerAppend, 3)} DynamoDB requests/append`);
      }
    }
    const [l1] = loadavg();
    faninMd = [
      `Many producers, one partition: each producer sends one record (1 KiB value) per request to partition 0 of a one-partition topic, for ${fmt(ms / 1000)} s per level. Core runs in the benchmark process on the memory adapters; every store call waits a delay from the simulated AWS latencies (S3 PUT p50 30 / p99 100 ms, DynamoDB read 4 / 12 ms, conditional write 5 / 15 ms), half before it takes effect and half after, so appends race as against DynamoDB. Both append protocols (docs/design.md §3, §3.1): \`head\`, the default (read the head, PUT the object, conditional write of the index entry; a lost write re-reads the head and retries with backoff), and \`reserve\` (PUT the object, reserve offsets with one counter update, conditional write of the entry at the reserved base; no head read, no lost races). Load average ${fmt(l1)} at the end: the delays are timers, so CPU load matters little here.`,
      '',
      faninTable(faninRows),
      '',
      'Goals:',
      '',
      table(['goal', 'measured', 'ratio', ''], faninGoals(faninRows), ['l', 'l', 'r', 'l']),
    ].join('\n');
    say(`\n${faninMd}\n`);
  }

  // ---- docs
  if (args.write) {
    mkdirSync(dirname(DOC), { recursive: true });
    let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : DOC_TEMPLATE;
    const written: string[] = [];
    // The comparison (and its chart) is only rewritten by a run of every system.
    const comparison = !args.argv.some((a) => a.startsWith('--systems='));
    if (comparison) {
      doc = replaceSection(doc, 'throughput', `${throughputMd}\n\n![produce and consume MB/s per system](benchmarks/throughput.svg)`);
      written.push('throughput');
    }
    for (const [name, md] of [
      ['cost', costMd],
      ['latency', latencyMd],
      ['hotpath', hotpathMd],
      ['profile', profileMd],
      ['fanin', faninMd ? `${faninMd}\n\n![appends/s and p99 by number of producers](benchmarks/fanin.svg)` : undefined],
    ] as const) {
      if (md) {
        doc = replaceSection(doc, name, md);
        written.push(name);
      }
    }
    writeFileSync(DOC, doc);
    mkdirSync(CHART_DIR, { recursive: true });
    const day = new Date().toISOString().slice(0, 10);
    const [load1] = loadavg();
    if (comparison) {
      const bars: Bar[] = SYSTEMS.flatMap((name) => {
        const s = peer(name);
        return [
          { group: name, series: 'produce', value: s ? mbps(s.produce) : undefined },
          { group: name, series: 'consume', value: s ? mbps(s.consume) : undefined },
        ];
      });
      const put = ceilingRows.find((r) => r.name.startsWith('s3rver PUT'));
      const get = ceilingRows.find((r) => r.name.startsWith('s3rver GET'));
      // The stand-in ceiling: raw s3rver 1 MiB PUTs (produce) and GETs (consume).
      if (put && get) bars.push({ group: 's3rver raw', series: 'produce', value: put.mbPerS }, { group: 's3rver raw', series: 'consume', value: get.mbPerS });
      const cpu = cpus();
      writeFileSync(
        CHART,
        await barChartSvg(
          'MB/s, 1 KiB records, 4 partitions (median runs)',
          `${day}, node ${process.version}, ${cpu.length} cores, load ${fmt(load1)} at the end, ${args.quick ? 'quick' : 'full'} run, loopback; s3rver raw = 1 MiB PUT / GET`,
          'MB/s',
          bars,
        ),
      );
      written.push(CHART);
    }
    if (faninRows.length) {
      const x = (r: FaninRow): string => `${r.protocol} ${r.producers}`;
      writeFileSync(
        FANIN_CHART,
        await panelsChartSvg('Single-record producers on one partition, by number of producers', `${day}, core on memory adapters with simulated AWS latency, ${args.quick ? 'quick' : 'full'} run`, [
          { title: 'appends/s', bars: faninRows.map((r) => ({ x: x(r), value: r.appendsPerS })) },
          { title: 'append p99 ms', bars: faninRows.map((r) => ({ x: x(r), value: r.p99 })) },
          { title: 'DynamoDB requests / append', bars: faninRows.map((r) => ({ x: x(r), value: r.dynamoPerAppend })) },
        ]),
      );
      written.push(FANIN_CHART);
    }
    say(`bench: wrote ${DOC} (sections and charts: ${written.join(', ') || 'none'})`);
  }
  say(`bench: done in ${fmt((Date.now() - started) / 1000)} s`);
  const line = PEERS.map((n) => {
    const s = peer(n);
    return `${n}=${s ? mbps(s.produce).toFixed(1) : 'n/a'}`;
  }).join(' ');
  say(`bench: produce MB/s ${line}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    say('bench: produce MB/s eddy=n/a nats=n/a redis=n/a kinesalite=n/a');
    process.exit(1);
  },
);
