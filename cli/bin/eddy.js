#!/usr/bin/env node
// The `eddy` command: runs the TypeScript CLI (cli/main.ts) through tsx, so a
// checkout needs no build step. The AWS SDK's Node-version warning is noise
// on every invocation of a CLI; it is silenced before the SDK loads.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../main.ts');
