import { memoryMaintenanceKind } from './helpers.js';
import { maintenanceSuite } from './maintenance.suite.js';

maintenanceSuite(memoryMaintenanceKind());
