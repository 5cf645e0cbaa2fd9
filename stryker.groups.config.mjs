// Mutation testing of core/groups/ other than protocol.ts, one file or all of
// them, with its own report and incremental cache so that it does not touch
// reports/mutation/mutation.json (docs/reliability.md, "Latest figures"):
//   npx stryker run stryker.groups.config.mjs --mutate core/groups/coordinator.ts --concurrency 1
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: [
    'core/groups/coordinator.ts',
    'core/groups/assignment.ts',
    'core/groups/assignor.ts',
    'core/groups/state.ts',
    'core/groups/requests.ts',
    'core/groups/types.ts',
    'core/groups/index.ts',
  ],
  concurrency: 1,
  incrementalFile: 'reports/mutation/groups-incremental.json',
  jsonReporter: { fileName: 'reports/mutation/groups.json' },
  htmlReporter: { fileName: 'reports/mutation/groups.html' },
};
