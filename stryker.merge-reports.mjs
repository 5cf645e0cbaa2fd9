// Merges Stryker JSON reports of separate runs into one, and prints each file's
// score. A run writes only the files it mutated, and test and mutant ids are
// numbered per run, so they are renumbered here to stay unique.
//   node stryker.merge-reports.mjs reports/mutation/maintenance.json reports/mutation/maint/*.report.json
import { readFileSync, writeFileSync } from 'node:fs';
const [out, ...inputs] = process.argv.slice(2);
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
for (const [file, f] of Object.entries(merged.files)) {
  const c = (s) => f.mutants.filter((m) => m.status === s).length;
  const killed = c('Killed') + c('Timeout');
  const valid = killed + c('Survived') + c('NoCoverage');
  console.log(`${file}\t${((100 * killed) / valid).toFixed(1)} %\t${killed} / ${valid}\tsurvived ${c('Survived')}\tno coverage ${c('NoCoverage')}\tignored ${c('Ignored')}`);
}
