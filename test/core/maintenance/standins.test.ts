import { standinMaintenanceKind } from './helpers.js';
import { maintenanceSuite } from './maintenance.contract.js';

maintenanceSuite(standinMaintenanceKind());
