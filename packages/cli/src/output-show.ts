// Shows a result the way the session wants it: the table format's expanded setting (`\\x auto` needs the
// terminal's width) and, in the REPL, through the pager.
import type { renderResult } from './output/render.js';
import type { Session } from './session.js';

export function renderOptions(session: Session): Parameters<typeof renderResult>[1] {
  return {
    format: session.format,
    expanded: session.settings.expanded,
    ...(session.stdout.columns ? { width: session.stdout.columns } : {}),
  };
}

/** Writes a result, through the REPL's pager when it has one. */
export async function show(session: Session, text: string): Promise<void> {
  if (session.show) await session.show(text);
  else session.stdout.write(text);
}
