import { memoryKind } from '../helpers/standins.js';
import { batchesContract } from './batches.contract.js';
import { logContract } from './log.contract.js';

logContract(memoryKind());
batchesContract(memoryKind());
