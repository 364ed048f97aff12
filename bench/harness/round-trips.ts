import { Redis } from 'ioredis';

/**
 * Counts commands sent by every ioredis client in this process (durq's and BullMQ's alike: they
 * share the ioredis module), as the number of client→server requests. Pipelined commands count
 * one each, so this is an upper bound on round trips.
 */
let sent = 0;
let installed = false;

export function countRoundTrips(): void {
  if (installed) return;
  installed = true;
  const proto = Redis.prototype as unknown as { sendCommand: (...args: unknown[]) => unknown };
  const original = proto.sendCommand;
  proto.sendCommand = function (this: unknown, ...args: unknown[]) {
    sent++;
    return original.apply(this, args);
  };
}

export function commandsSent(): number {
  return sent;
}
