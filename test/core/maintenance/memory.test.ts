import { memoryMaintenanceKind } from './helpers.js';
import { maintenanceSuite } from './maintenance.contract.js';

maintenanceSuite(memoryMaintenanceKind());
