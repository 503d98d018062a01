// The host APIs this package uses that every JavaScript runtime (browsers, Node, Deno, Bun)
// provides but the ES library typings do not declare. Declared here, as in @raftkit/core, so the
// package compiles with no Node or DOM typings and cannot import from Node by accident.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
declare const queueMicrotask: (callback: () => void) => void;
