// Mutation testing of core/maintenance/ and core/index.ts on its own (issue 20):
// the main config (stryker.config.mjs) with its own incremental cache and JSON
// report, so these runs never overwrite reports/mutation/mutation.json.
// Pass the file to mutate on the command line, one at a time, each with its
// own cache; copy each run's report aside (a report holds only the files its
// run mutated) and merge them (stryker.merge-reports.mjs):
//   npx stryker run stryker.maintenance.config.mjs --mutate core/maintenance/gc.ts --concurrency 1 \
//     --incrementalFile reports/mutation/maint/maintenance-gc-incremental.json
//   cp reports/mutation/maintenance.json reports/mutation/maint/gc.report.json
//   node stryker.merge-reports.mjs reports/mutation/maintenance.json reports/mutation/maint/*.report.json
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  incrementalFile: 'reports/mutation/maint-incremental.json',
  jsonReporter: { fileName: 'reports/mutation/maintenance.json' },
  htmlReporter: { fileName: 'reports/mutation/maintenance.html' },
  reporters: ['clear-text', 'json', 'html'],
  clearTextReporter: { reportTests: false, allowColor: false },
};
