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
// `--moved report:old=new` (any number): a file that report measured under an old path whose
// code now lives at another (e.g. codec.json:core/codec/crc32c.ts=api/src/crc32c.ts): its
// figure is filed under the new path, and checked against the new file like any other.
// `report` is matched against the end of the report's path.
const args = process.argv.slice(2);
const moves = [];
for (let k = args.indexOf('--moved'); k >= 0; k = args.indexOf('--moved')) {
  const m = /^(.+):(.+)=(.+)$/.exec(args[k + 1] ?? '');
  if (!m) throw new Error(`--moved wants report:old=new, got ${args[k + 1]}`);
  moves.push({ report: m[1], from: m[2], to: m[3] });
  args.splice(k, 2);
}
const movedTo = (path, file) => moves.find((m) => path.endsWith(m.report) && m.from === file)?.to;
const [out, ...inputs] = args;
if (!out || inputs.length === 0) throw new Error('usage: node stryker.merge-reports.mjs <out.json> <report.json>...');
if (inputs.includes(out)) throw new Error(`${out} is both the output and an input`);
const merged = { files: {}, testFiles: {}, schemaVersion: '1.0' };
const testIds = new Map(); // "file\0name" -> id
const from = new Map(); // file -> the report its figure comes from
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
  for (const [measured, f] of Object.entries(r.files)) {
    const file = movedTo(path, measured) ?? measured;
    from.set(file, file !== measured ? `${path} (as ${measured})` : path);
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
// A report holds the source it mutated. When the file now differs from it only by
// `// Stryker disable next-line` comments added since the run, the figure is carried
// over to the code as it is now: each mutant whose line now follows a comment naming
// its mutator becomes Ignored, as Stryker would report it (shown as "disable comments
// added since"). Any other change makes the figure STALE (re-run that file).
const DISABLE = /^\s*\/\/ Stryker disable next-line ([A-Za-z,]+)/;
function carryOver(file, f) {
  if (!existsSync(file)) return 'stale';
  const now = readFileSync(file, 'utf8');
  if (now === f.source) return 'current';
  const oldLines = f.source.split('\n');
  const newLines = now.split('\n');
  const strip = (lines) => lines.filter((l) => !DISABLE.test(l));
  const a = strip(oldLines);
  const b = strip(newLines);
  if (a.length !== b.length || a.some((l, k) => l !== b[k])) return 'stale';
  // old line number (1-based) -> new line number, walking both without the comment lines
  const map = new Map();
  let j = 0;
  for (let k = 0; k < oldLines.length; k++) {
    if (DISABLE.test(oldLines[k])) continue;
    while (DISABLE.test(newLines[j])) j++;
    map.set(k + 1, j + 1);
    j++;
  }
  for (const m of f.mutants) {
    const line = map.get(m.location.start.line);
    const comment = line === undefined ? undefined : DISABLE.exec(newLines[line - 2] ?? '');
    if (comment && comment[1].split(',').includes(m.mutatorName) && m.status !== 'Ignored') {
      m.status = 'Ignored';
      m.statusReason = 'disabled by a comment added after the run';
    }
  }
  f.source = now;
  return 'comments';
}
const state = new Map(Object.keys(merged.files).map((file) => [file, carryOver(file, merged.files[file])]));
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
  if (state.get(file) === 'stale') stale.push(file);
  const note = { current: '', comments: '\tdisable comments added since the run', stale: '\tSTALE: the code changed since this run' }[state.get(file)];
  console.log(`${file}\t${pct(killed, valid)}\t${killed} / ${valid}\tsurvived ${c('Survived')}\tno coverage ${c('NoCoverage')}\tignored ${c('Ignored')}\tfrom ${from.get(file)}${note}`);
}
console.log(`all ${Object.keys(merged.files).length} files\t${pct(total.killed, total.valid)}\t${total.killed} / ${total.valid}\tsurvived ${total.survived}\tno coverage ${total.noCoverage}\tignored ${total.ignored}`);
if (stale.length > 0) console.log(`${stale.length} of these figures are of code that has changed since: ${stale.join(', ')}`);
