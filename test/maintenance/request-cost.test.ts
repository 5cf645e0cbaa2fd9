/**
 * What compaction costs in storage requests (the cost model counts requests),
 * measured with the AWS adapters on the stand-ins: S3 and DynamoDB requests
 * per MiB merged, for the merge itself and for GC reclaiming what it merged.
 * Prints the figures (docs/maintenance.md quotes them) and bounds them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../helpers/core.js';
import { seededIds } from '../../core/ids.js';
import { Maintenance } from '../../core/maintenance/index.js';
import { readAll, standinMaintenanceKind, testClock } from './helpers.js';

const MiB = 1024 * 1024;
const GRACE = 10 * 60_000;

interface Scenario {
  readonly name: string;
  readonly partitions: number;
  readonly requests: number;
  /** Records per partition per request. */
  readonly perPartition: number;
  readonly recordBytes: number;
}

const scenarios: Scenario[] = [
  { name: '1 KiB records, one per produce', partitions: 1, requests: 256, perPartition: 1, recordBytes: 1024 },
  { name: '1 KiB records, 4 per partition per produce, 4 partitions', partitions: 4, requests: 64, perPartition: 4, recordBytes: 1024 },
  { name: '64 KiB records, one per produce', partitions: 1, requests: 40, perPartition: 1, recordBytes: 64 * 1024 },
];

describe('compaction request cost (aws on stand-ins)', () => {
  const kind = standinMaintenanceKind();
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());
  const rows: string[] = [];
  afterAll(() => {
    console.info(
      ['compaction requests per MiB merged (aws adapters on dynalite + s3rver)', '| scenario | MiB merged | entries | segments | merge: S3 | merge: DynamoDB | merge: per MiB | GC after: per MiB |', '|---|---|---|---|---|---|---|---|', ...rows].join('\n'),
    );
  });

  it.each(scenarios)('$name', async (s) => {
    const clock = testClock();
    const c = await kind.fresh(clock, seededIds(42));
    const counter = kind.counter!;
    const engine = createLog(c);
    await engine.createTopic({ name: 'cost', partitions: s.partitions });
    for (let i = 0; i < s.requests; i++) {
      await engine.produce({
        topic: 'cost',
        records: Array.from({ length: s.partitions * s.perPartition }, (_, j) => ({ key: null, value: new Uint8Array(s.recordBytes).fill(i), partition: j % s.partitions })),
      });
    }

    counter.reset();
    const merge = await new Maintenance(c, { gcGraceMs: GRACE, compactionMinAgeMs: 0, passes: { retention: false, gc: false, tombstones: false } }).runOnce();
    const mergeCounts = counter.snapshot();
    const total = (counts: Record<string, number>, service?: string) => Object.entries(counts).reduce((n, [k, v]) => (!service || k.startsWith(service) ? n + v : n), 0);
    const mergeRequests = total(mergeCounts);
    const mib = merge.bytesMerged / MiB;
    expect(merge.errors).toEqual([]);
    expect(merge.entriesCompacted).toBe(s.partitions * (s.requests - 1));

    // GC of the merged ingest objects: one run marks them, one a grace period later deletes them.
    counter.reset();
    const gc = new Maintenance(c, { gcGraceMs: GRACE, compactionMinAgeMs: 0 });
    let deleted = 0;
    for (let i = 0; i < 2; i++) {
      clock.advance(GRACE + 60_000);
      deleted += (await gc.runOnce()).objectsDeleted;
    }
    const gcRequests = total(counter.snapshot());
    expect(deleted).toBe(s.requests - 1);

    // Per merge: one ranged GET per merged entry, one PUT, two Queries to re-read the range,
    // one PutItem (the covering entry), one DeleteItem per other merged entry.
    // Per run: two Scans (topics, tombstones) and one Query per partition (the index).
    expect(mergeCounts['s3:GetObject']).toBe(merge.entriesCompacted);
    expect(mergeCounts['s3:PutObject']).toBe(merge.segmentsWritten);
    expect(mergeCounts['dynamodb:DeleteItem']).toBe(merge.entriesCompacted - merge.segmentsWritten);
    expect(mergeRequests).toBeLessThanOrEqual(2 * merge.entriesCompacted + 4 * merge.segmentsWritten + 2 * s.partitions + 4);
    // GC: a few lists and scans per run, one DeleteObjects per 1000 objects, the marks object.
    expect(gcRequests).toBeLessThanOrEqual(2 * (8 + 2 * s.partitions) + Math.ceil(deleted / 1000) + 4);

    for (let p = 0; p < s.partitions; p++) expect(await readAll(engine, 'cost', p, 0, 1000)).toHaveLength(s.requests * s.perPartition);
    rows.push(
      `| ${s.name} | ${mib.toFixed(2)} | ${merge.entriesCompacted} | ${merge.segmentsWritten} | ${total(mergeCounts, 's3')} | ${total(mergeCounts, 'dynamodb')} | ${(mergeRequests / mib).toFixed(1)} | ${(gcRequests / mib).toFixed(1)} |`,
    );
    rows.push(`|   ${JSON.stringify(mergeCounts)} | | | | | | | |`);
  }, 120_000);
});
