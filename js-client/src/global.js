// Entry of the classic-script build: `<script src="/client.js">` defines the global
// `Socket`, as the Trongate module's script did.
import { Socket } from './switchboard.js';

globalThis.Socket = Socket;
