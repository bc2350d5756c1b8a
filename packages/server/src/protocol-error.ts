// A client broke the protocol (bad framing, a field past the end, an oversized message). The session
// answers with SQLSTATE 08P01 and closes the connection: after a framing error nothing that follows
// can be trusted.
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    message: string,
    readonly sqlstate = '08P01',
  ) {
    super(message);
  }
}
