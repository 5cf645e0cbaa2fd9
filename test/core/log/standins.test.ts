import { standinKind } from '../../helpers/standins.js';
import { batchesContract } from './batches.contract.js';
import { logContract } from './log.contract.js';

logContract(standinKind());
batchesContract(standinKind());

// The same contracts under the reserve append protocol (docs/design.md §3).
logContract(standinKind(), { appendProtocol: 'reserve' });
batchesContract(standinKind(), { appendProtocol: 'reserve' });
