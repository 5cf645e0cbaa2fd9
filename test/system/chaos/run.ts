/**
 * `npm run chaos [-- --quick] [-- --seed N] [-- --out DIR]`
 *
 * Runs the chaos workload (test/system/chaos/harness.ts) against a fresh local host
 * with seeded storage and client faults, checks the history, and prints the
 * seed first and, as the last line,
 *
 *   chaos: <N> acknowledged, <l> lost, <d> duplicated, <r> reordered, <f> faults injected; control arm: <c> duplicates detected; kafka arm: <K> acknowledged, <l> lost, <d> duplicated, <r> reordered
 *
 * Exits 1 when the main arm or the Kafka arm (kafkajs over the Kafka
 * protocol) shows any anomaly or did not drain, when fewer
 * than 10% of its storage requests failed, when the control arm found no
 * duplicates, or when the outcome arm shows a failure that lied about its
 * outcome. `--seed N` reruns the same fault schedule.
 */
// Must be set before the AWS SDK clients are built (the local host builds them).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { describeAnomalies } from './checker.js';
import { FULL, QUICK, runChaos, type ArmResult } from './harness.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const seedArg = arg('--seed');
const seed = seedArg !== undefined ? Number(seedArg) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isSafeInteger(seed) || seed < 0 || seed >= 2 ** 32) {
  console.error(`--seed must be an integer in [0, 2^32), got ${seedArg}`);
  process.exit(2);
}
const profile = quick ? QUICK : FULL;
const started = Date.now();
console.log(`chaos: seed ${seed} (${quick ? 'quick' : 'full'} run; rerun with --seed ${seed}${quick ? ' --quick' : ''})`);

function describeArm(name: string, arm: ArmResult): void {
  const c = arm.report.counts;
  const s = arm.storage;
  console.log(
    `${name}: ${c.attempted} sends: ${c.acknowledged} ok, ${c.failed} failed, ${c.indeterminate} unknown (${c.indeterminateApplied} of them applied); ` +
      `log ${c.logRecords} records${c.abandoned > 0 ? `, ${c.abandoned} offsets abandoned` : ''}; ${c.polls} polls, ${c.redelivered} values redelivered`,
  );
  console.log(
    `${name}: storage ${s.requests} requests, ${s.failures} failed by injection (${(s.failureRate * 100).toFixed(1)}%): ` +
      Object.entries(s.byKind)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
  );
  console.log(
    `${name}: client ${arm.client.requests} requests, faults: ` +
      Object.entries(arm.client.byKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') +
      `; producer ${arm.workload.producerRequests} produce requests, ${arm.workload.producerRetries} retries`,
  );
  console.log(`${name}: ${describeAnomalies(arm.report)}${arm.workload.drained ? '' : ' (drain timed out)'}`);
  for (const [kind, list] of Object.entries(arm.report.anomalies)) {
    if (list.length > 0) console.log(`  ${kind}: ${JSON.stringify(list.slice(0, 5))}${list.length > 5 ? ` … ${list.length - 5} more` : ''}`);
  }
}

const result = await runChaos({ seed, profile, log: (l) => console.log(l), ...(arg('--out') ? { outDir: arg('--out')! } : {}) });
describeArm('main', result.main);
describeArm('control', result.control);
if (result.outcome) describeArm('outcome', result.outcome);
if (result.kafka) {
  const k = result.kafka;
  const c = k.report.counts;
  console.log(`kafka: ${c.attempted} values sent by kafkajs: ${c.acknowledged} acknowledged, ${c.indeterminate} unknown (${c.indeterminateApplied} of them applied), ${k.workload.failedSends} sends given up; log ${c.logRecords} records${c.abandoned > 0 ? `, ${c.abandoned} offsets abandoned` : ''}; ${c.polls} polls, ${c.redelivered} values redelivered`);
  console.log(`kafka: proxy ${k.proxy.connections} connections, ${k.proxy.chunks} chunks, faults: refused ${k.proxy.byKind.refused}, lost-response ${k.proxy.byKind['lost-response']} (${k.proxy.lostProduceResponses} of a produce); ${k.workload.consumerCrashes} consumer crashes`);
  console.log(`kafka: ${describeAnomalies(k.report)}${k.workload.drained ? '' : ' (drain timed out)'}`);
  for (const [kind, list] of Object.entries(k.report.anomalies)) {
    if (list.length > 0) console.log(`  ${kind}: ${JSON.stringify(list.slice(0, 5))}${list.length > 5 ? ` … ${list.length - 5} more` : ''}`);
  }
}
console.log(`outcome arm: ${result.outcomeViolations} violations (failed sends that applied, duplicates from SDK retries without idempotence, lost acks)`);
const m = result.maintenance;
console.log(`maintenance: ${m.runs} runs, ${m.entriesCompacted} entries compacted into ${m.segmentsWritten} segments, ${m.objectsDeleted} objects collected, ${m.errors} errors (faults)`);
console.log(`histories and fault log: ${result.outDir}; ${((Date.now() - started) / 1000).toFixed(0)} s; ${result.passed ? 'PASS' : 'FAIL'}`);
console.log(result.line);
process.exit(result.passed ? 0 : 1);
