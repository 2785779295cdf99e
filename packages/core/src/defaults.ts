// The ambient defaults used only when a caller injects no clock or id source (the in-process use).
import type { Instant } from './model.js';

export const defaultClock = (): Instant => Date.now();

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Task ids for tasks added without one: `t-<time><counter><random>`, sortable by creation and
 * unique within a process; the random part keeps two processes apart.
 */
export function defaultIdGenerator(): () => string {
  let counter = 0;
  const random = (length: number): string => {
    const bytes = new Uint8Array(length);
    const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
    if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
    else for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
    let out = '';
    for (const byte of bytes) out += ALPHABET[byte % 36];
    return out;
  };
  return () => {
    counter = (counter + 1) % 36 ** 4;
    return `t-${Date.now().toString(36)}${counter.toString(36).padStart(4, '0')}${random(6)}`;
  };
}
