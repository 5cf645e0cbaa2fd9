// Mutation testing of one codec file at a time (core/codec/), against the whole
// fast suite, with its own JSON report and incremental cache so that the runs
// of one area do not overwrite reports/mutation/mutation.json. For example:
//
//   MUTATE=core/codec/format.ts JSON_OUT=reports/mutation/codec-format.json \
//   INCREMENTAL=reports/mutation/codec-format-incremental.json \
//   npx stryker run stryker.codec.config.mjs
//
// Without MUTATE it mutates all of core/codec/ (slow: over an hour on a shared machine).
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate: (process.env.MUTATE ?? 'core/codec/**/*.ts,!core/codec/**/*.d.ts').split(','),
  concurrency: 1,
  incrementalFile: process.env.INCREMENTAL ?? 'reports/mutation/codec-incremental.json',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: process.env.JSON_OUT ?? 'reports/mutation/codec.json' },
  // The bar for every file; the 85 % bar is for all of core.
  thresholds: { high: 90, low: 80, break: null },
};
