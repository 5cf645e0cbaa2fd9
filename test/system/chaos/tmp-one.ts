import { mkdtempSync } from 'node:fs';
import { runChaos, TEST } from './harness.js';
const outDir = mkdtempSync('/tmp/chaos-loop-');
const t0 = Date.now();
const r = await runChaos({ seed: 20261126, profile: TEST, outcomeArm: false, outDir });
const k = r.kafka!;
console.log(JSON.stringify({ outDir, s: Math.round((Date.now() - t0) / 1000), mainDrained: r.main.workload.drained, mainAnom: r.main.report.anomalyCounts, kAck: k.report.counts.acknowledged, kDrained: k.workload.drained, kAnom: k.report.anomalyCounts }));
process.exit(0);
