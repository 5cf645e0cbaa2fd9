// Mutation testing of ONE file per run (issue 20), against the whole fast suite
// (vitest.fast.config.ts), with its own incremental cache and JSON report named
// after the file, so that runs never overwrite one another or
// reports/mutation/mutation.json. For example:
//
//   MUTATE=core/log/fetch.ts npx stryker run stryker.file.config.mjs
//     -> reports/mutation/runs/core-log-fetch.json             (report, committed)
//        reports/mutation/cache/core-log-fetch.json            (incremental cache, not committed)
//
// Then merge every report into reports/mutation/mutation.json and print each
// file's score (the full command, with the older reports, is in
// docs/reliability.md, "Mutation testing"):
//
//   node stryker.merge-reports.mjs reports/mutation/mutation.json <older reports> reports/mutation/runs/*.json
import base from './stryker.config.mjs';

const file = process.env.MUTATE;
if (!file) throw new Error('stryker.file.config.mjs: set MUTATE to the one file to mutate, e.g. MUTATE=core/log/fetch.ts');
const name = file.replace(/\.ts$/, '').replace(/[/\\]/g, '-');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: [file],
  // The development machine has 2 cores shared with other work.
  concurrency: 1,
  incrementalFile: `reports/mutation/cache/${name}.json`,
  reporters: ['clear-text', 'progress', 'json'],
  clearTextReporter: { reportTests: false, allowColor: false },
  jsonReporter: { fileName: `reports/mutation/runs/${name}.json` },
  // The bar for every file; the 85 % bar is for all of core (stryker.config.mjs).
  thresholds: { high: 90, low: 80, break: null },
};
