import { standinMaintenanceKind } from './helpers.js';
import { maintenanceSuite } from './maintenance.suite.js';

maintenanceSuite(standinMaintenanceKind());
