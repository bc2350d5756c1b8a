// @strongroom/server: the PostgreSQL v3 wire protocol in front of strongroom engines (`strongroom
// serve`), its users file of SCRAM-SHA-256 verifiers, and the protocol codec (for tests and tools).
export type { SessionInfo } from './connection.js';
export type { FrontendMessage, StartupPacket } from './messages.js';
export { MessageParser } from './parser.js';
export { ProtocolError } from './protocol-error.js';
export { formatVerifier, makeVerifier, parseVerifier, type ScramVerifier } from './scram.js';
export { type RunningServer, type ServerOptions, startServer } from './server.js';
export { addUser, loadUsers, parseUsers, type UserDirectory } from './users.js';
