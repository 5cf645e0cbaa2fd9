import { standinKind } from '../helpers/standins.js';
import { batchesContract } from './batches.contract.js';
import { logContract } from './log.contract.js';

logContract(standinKind());
batchesContract(standinKind());
