import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz, peerValue } from './test-support/fuzz.js';
import { MessageValidationError, validateMessage } from './validate-message.js';

// Part of the CI fuzz budget (issue 10): every value a peer could send is either a Message that
// validates again unchanged, or a MessageValidationError. Nothing else is ever thrown.

const bytesAsArrays = (_key: string, value: unknown) => (value instanceof Uint8Array ? [...value] : value);

describe('validateMessage fuzz', () => {
  it('answers 25,000 generated values with a Message or a MessageValidationError, never another throw', () => {
    let accepted = 0;
    fuzz(
      'validateMessage',
      fc.property(peerValue, (value) => {
        let message;
        try {
          message = validateMessage(value);
        } catch (error) {
          if (!(error instanceof MessageValidationError)) throw error;
          return;
        }
        accepted++;
        // What was accepted is a clean Message: validating it again gives an equal copy.
        if (JSON.stringify(validateMessage(message), bytesAsArrays) !== JSON.stringify(message, bytesAsArrays)) throw new Error('validating an accepted message again changed it');
        if (!(Number.isSafeInteger(message.term) && message.term < Number.MAX_SAFE_INTEGER)) throw new Error(`accepted term ${message.term}`);
      }),
      25_000,
    );
    // The generator reaches both outcomes; otherwise the fuzz would test only one side.
    expect(accepted).toBeGreaterThan(100);
  });
});
