import { memoryKind } from '../helpers/standins.js';
import { logContract } from './log.contract.js';

logContract(memoryKind());
