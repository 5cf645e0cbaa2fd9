// Merges Stryker JSON reports of separate runs into one, and prints each file's
// score and the total. A run writes only the files it mutated, and test and
// mutant ids are numbered per run, so they are renumbered here to stay unique.
// When several reports hold the same file, the one given LAST wins: list older
// reports first. For example (docs/reliability.md, "Mutation testing"):
//   node stryker.merge-reports.mjs reports/mutation/mutation.json \
//     reports/mutation/groups.json reports/mutation/maintenance.json reports/mutation/codec.json \
//     reports/mutation/runs/*.json
// The output may not be one of the inputs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) throw new Error('usage: node stryker.merge-reports.mjs <out.json> <report.json>...');
if (inputs.includes(out)) throw new Error(`${out} is both the output and an input`);
const merged = { files: {}, testFiles: {}, schemaVersion: '1.0' };
const testIds = new Map(); // "file\0name" -> id
let nextMutant = 0;
for (const path of inputs) {
  const r = JSON.parse(readFileSync(path, 'utf8'));
  for (const k of ['thresholds', 'projectRoot', 'config', 'framework']) if (r[k] !== undefined && merged[k] === undefined) merged[k] = r[k];
  const remap = new Map();
  for (const [file, tf] of Object.entries(r.testFiles ?? {})) {
    const target = (merged.testFiles[file] ??= { ...tf, tests: [] });
    for (const t of tf.tests) {
      const key = `${file}\0${t.name}`;
      if (!testIds.has(key)) {
        testIds.set(key, String(testIds.size));
        target.tests.push({ ...t, id: testIds.get(key) });
      }
      remap.set(t.id, testIds.get(key));
    }
  }
  for (const [file, f] of Object.entries(r.files)) {
    merged.files[file] = {
      ...f,
      mutants: f.mutants.map((m) => ({
        ...m,
        id: String(nextMutant++),
        ...(m.killedBy ? { killedBy: m.killedBy.map((id) => remap.get(id) ?? id) } : {}),
        ...(m.coveredBy ? { coveredBy: m.coveredBy.map((id) => remap.get(id) ?? id) } : {}),
      })),
    };
  }
}
writeFileSync(out, JSON.stringify(merged));
// Stryker's score: (killed + timed out) / (killed + timed out + survived + no coverage); ignored
// (disabled) mutants and compile errors do not count.
const total = { killed: 0, valid: 0, survived: 0, noCoverage: 0, ignored: 0 };
const stale = [];
const pct = (k, v) => (v === 0 ? 'n/a (no mutants)' : `${((100 * k) / v).toFixed(1)} %`);
for (const [file, f] of Object.entries(merged.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
  const c = (s) => f.mutants.filter((m) => m.status === s).length;
  const killed = c('Killed') + c('Timeout');
  const valid = killed + c('Survived') + c('NoCoverage');
  total.killed += killed;
  total.valid += valid;
  total.survived += c('Survived');
  total.noCoverage += c('NoCoverage');
  total.ignored += c('Ignored');
  // A report holds the source it mutated: a figure is of the code as it is now only if that is unchanged.
  const current = existsSync(file) && readFileSync(file, 'utf8') === f.source;
  if (!current) stale.push(file);
  console.log(`${file}\t${pct(killed, valid)}\t${killed} / ${valid}\tsurvived ${c('Survived')}\tno coverage ${c('NoCoverage')}\tignored ${c('Ignored')}${current ? '' : '\tSTALE: the code changed since this run'}`);
}
console.log(`all ${Object.keys(merged.files).length} files\t${pct(total.killed, total.valid)}\t${total.killed} / ${total.valid}\tsurvived ${total.survived}\tno coverage ${total.noCoverage}\tignored ${total.ignored}`);
if (stale.length > 0) console.log(`${stale.length} of these figures are of code that has changed since: ${stale.join(', ')}`);
