// Frontend messages (client → server) of the PostgreSQL v3 protocol that strongroom understands, as
// readonly `kind`-tagged values. Backend messages are built by serializer.ts.

/** The first message of a connection, before any type byte exists. */
export type StartupPacket =
  | { readonly kind: 'startup'; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'sslRequest' }
  | { readonly kind: 'gssEncRequest' }
  | { readonly kind: 'cancelRequest'; readonly processId: number; readonly secretKey: number };

export type FrontendMessage =
  | { readonly kind: 'query'; readonly text: string }
  | {
      readonly kind: 'parse';
      readonly name: string;
      readonly text: string;
      readonly paramTypes: readonly number[];
    }
  | {
      readonly kind: 'bind';
      readonly portal: string;
      readonly statement: string;
      /** Per parameter: 0 text, 1 binary (already expanded from the 0/1/n format-code list). */
      readonly paramFormats: readonly number[];
      readonly params: readonly (Buffer | null)[];
      readonly resultFormats: readonly number[];
    }
  | { readonly kind: 'describe'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'execute'; readonly portal: string; readonly maxRows: number }
  | { readonly kind: 'close'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'sync' }
  | { readonly kind: 'flush' }
  | { readonly kind: 'terminate' }
  /** SASLInitialResponse and SASLResponse share the type byte 'p'; the session knows which it expects. */
  | { readonly kind: 'password'; readonly body: Buffer };

export type MessageKind = FrontendMessage['kind'];

export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
