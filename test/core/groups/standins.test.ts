import { standinKind } from '../../helpers/standins.js';
import { groupsContract } from './groups.contract.js';

groupsContract(standinKind());
