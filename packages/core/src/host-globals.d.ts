// The few host APIs the core uses that every JavaScript runtime (browsers, Node, Deno, Bun)
// provides but the ES library typings do not declare. Declared here so the core compiles with no
// Node or DOM typings and so cannot import from Node by accident.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare const performance: { now(): number };
declare const queueMicrotask: (callback: () => void) => void;
