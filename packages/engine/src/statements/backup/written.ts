// What a BACKUP run has written so far, so a failed run can remove it (best effort: without a manifest
// the layer is not a backup either way, and a later backup's cleanup removes what is left).
import type { ExternalStorage } from '@strongroom/storage';

export class WrittenFiles {
  readonly #files: { readonly store: ExternalStorage; readonly path: string }[] = [];

  add(store: ExternalStorage, path: string): void {
    this.#files.push({ store, path });
  }

  /** Removes every file written, newest first; errors are ignored. */
  async removeAll(): Promise<void> {
    for (const w of this.#files.splice(0).reverse()) await w.store.delete(w.path).catch(() => undefined);
  }
}
