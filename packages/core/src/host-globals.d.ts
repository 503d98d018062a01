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
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as the DOM and Node typings declare it, so the declarations merge.
declare interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: any;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
declare class AbortController {
  readonly signal: AbortSignal;
  abort(reason?: any): void;
}
declare function structuredClone<T>(value: T): T;
