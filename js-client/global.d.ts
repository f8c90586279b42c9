// For pages that load the classic-script build (dist/switchboard.min.js, served as
// /client.js): `/// <reference types="switchboard-client/global" />` declares the global.
import type { Socket as SwitchboardSocket } from './index.js';

declare global {
  var Socket: typeof SwitchboardSocket;
}
