// What node-postgres calls on a query object it runs (a "submittable": client.query(obj) calls
// obj.submit(connection), then one handler per protocol message), with the async side's waiting: the
// handlers record what happened and wake whoever waits for it.

export abstract class Submittable {
  /** The server's error for this query, if any (the first one). */
  error: unknown;
  /** ReadyForQuery arrived: the connection is free for the next query. */
  finished = false;
  #wake: (() => void) | undefined;

  abstract submit(connection: unknown): void;

  wake(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** Resolves at the next wake(). */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  handleError(err: unknown): void {
    this.error ??= err;
    this.wake();
  }
  handleReadyForQuery(): void {
    this.finished = true;
    this.wake();
  }
  handleCommandComplete(_msg: { text?: string }): void {}
  handleCopyInResponse(): void {}
  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCopyData(): void {}
  handlePortalSuspended(): void {}
}
