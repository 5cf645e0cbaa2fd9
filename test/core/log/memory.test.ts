import { memoryKind } from '../../helpers/standins.js';
import { batchesContract } from './batches.contract.js';
import { logContract } from './log.contract.js';

logContract(memoryKind());
batchesContract(memoryKind());

// The same contracts under the reserve append protocol (docs/design.md §3).
logContract(memoryKind(), { appendProtocol: 'reserve' });
batchesContract(memoryKind(), { appendProtocol: 'reserve' });
