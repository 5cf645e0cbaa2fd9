// The committed generated codecs are exactly what the generator makes from the committed schema:
// change either without regenerating (`npm run kafka:generate`) and this fails.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { generate, GENERATED_DIR } from '../../../kafka/protocol/generate.js';

test('kafka/protocol/generated/ is up to date with kafka/protocol/schema/', () => {
  const expected = generate();
  const onDisk = readdirSync(GENERATED_DIR).filter((f) => f.endsWith('.ts')).sort();
  expect(onDisk).toEqual([...expected.keys()].sort());
  for (const [name, text] of expected) {
    expect(readFileSync(join(GENERATED_DIR, name), 'utf8'), `generated/${name} is stale: run npm run kafka:generate`).toBe(text);
  }
});
