import { describe, expect, it } from 'vitest';
import { SdkResponseError } from '../../src/driver/errors.js';
import { OPCODES, parseOpcodes } from '../../src/driver/opcodes.js';

/** The message parseOpcodes throws for `body`; fails the test if it does not throw. */
function refusal(body: string): string {
  try {
    parseOpcodes(body);
  } catch (err) {
    expect(err).toBeInstanceOf(SdkResponseError);
    expect((err as SdkResponseError).code).toBe('SDK_RESPONSE_INVALID');
    return (err as Error).message;
  }
  throw new Error(`parseOpcodes accepted ${body}`);
}

describe('parseOpcodes accepts', () => {
  it('an array of opcodes, keeping every field, the unknown ones too', () => {
    const op = {
      op: 'StepRun',
      id: 'ca978112ca1bbdcafac231b39a23dc4da786eff8',
      name: 'a',
      displayName: 'a',
      opts: { type: 'step.run' },
      data: 1,
      userland: { id: 'a' },
      timing: { a: 1, b: 2 },
    };
    expect(parseOpcodes(JSON.stringify([op]))).toEqual([op]);
  });

  it('each opcode name the protocol defines', () => {
    const body = JSON.stringify(OPCODES.map((op, i) => ({ op, id: `id${i}` })));
    expect(parseOpcodes(body).map((o) => o.op)).toEqual([...OPCODES]);
  });

  it('an empty array, meaning nothing to do', () => {
    expect(parseOpcodes('[]')).toEqual([]);
    expect(parseOpcodes(' [ ] ')).toEqual([]);
  });

  it('a single object as an array of one (old SDKs)', () => {
    expect(parseOpcodes('{"op":"Sleep","id":"x","name":"1s"}')).toEqual([
      { op: 'Sleep', id: 'x', name: '1s' },
    ]);
  });

  it('an empty id on a None op only', () => {
    expect(parseOpcodes('[{"op":"None","id":""}]')).toEqual([{ op: 'None', id: '' }]);
  });

  it('null for the optional named fields, read as absent; data and error as anything', () => {
    const [op] = parseOpcodes(
      '[{"op":"StepPlanned","id":"x","name":null,"displayName":null,"opts":null,' +
        '"userland":null,"data":null,"error":"boom"}]',
    );
    expect(op).toEqual({ op: 'StepPlanned', id: 'x', data: null, error: 'boom' });
    expect(op?.data).toBeNull();
  });

  it('a userland with or without an index', () => {
    const ops = parseOpcodes(
      '[{"op":"StepRun","id":"a","userland":{"id":"a"}},' +
        '{"op":"StepRun","id":"b","userland":{"id":"a","index":1,"extra":true}}]',
    );
    expect(ops.map((o) => o.userland)).toEqual([{ id: 'a' }, { id: 'a', index: 1, extra: true }]);
  });
});

describe('parseOpcodes refuses, saying what is wrong', () => {
  const cases: [string, string][] = [
    ['', '206 body is not JSON: Unexpected end of JSON input'],
    ['[{"op":"StepRun"', '206 body is not JSON'],
    ['"StepRun"', '206 body is not a JSON array of opcodes: got a string'],
    ['42', '206 body is not a JSON array of opcodes: got a number'],
    ['true', '206 body is not a JSON array of opcodes: got a boolean'],
    ['null', '206 body is not a JSON array of opcodes: got null'],
    ['[1]', 'opcode 0 is a number, not an object'],
    ['[null]', 'opcode 0 is null, not an object'],
    ['[[]]', 'opcode 0 is an array, not an object'],
    ['[{"id":"x"}]', 'opcode 0 has no op'],
    ['[{"op":3,"id":"x"}]', 'opcode 0 has op of the wrong type: a number, not a string'],
    [
      '[{"op":"StepRun","id":"x"},{"op":"Sleep","id":"y"},{"op":"Bogus","id":"z"}]',
      'opcode 2 has unknown op "Bogus"',
    ],
    ['[{"op":"steprun","id":"x"}]', 'opcode 0 has unknown op "steprun"'],
    ['[{"op":"StepRun"}]', 'opcode 0 has no id'],
    ['[{"op":"StepRun","id":null}]', 'opcode 0 has id of the wrong type: null, not a string'],
    ['[{"op":"StepRun","id":7}]', 'opcode 0 has id of the wrong type: a number, not a string'],
    ['[{"op":"StepRun","id":""}]', 'opcode 0 has an empty id (only a None op may)'],
    [
      '[{"op":"Sleep","id":"x","name":5}]',
      'opcode 0 has name of the wrong type: a number, not a string',
    ],
    [
      '[{"op":"Sleep","id":"x","displayName":{}}]',
      'opcode 0 has displayName of the wrong type: an object, not a string',
    ],
    [
      '[{"op":"Sleep","id":"x","opts":[]}]',
      'opcode 0 has opts of the wrong type: an array, not an object',
    ],
    [
      '[{"op":"Sleep","id":"x","opts":"1s"}]',
      'opcode 0 has opts of the wrong type: a string, not an object',
    ],
    [
      '[{"op":"StepRun","id":"x","userland":"a"}]',
      'opcode 0 has userland of the wrong type: a string, not an object',
    ],
    ['[{"op":"StepRun","id":"x","userland":{}}]', 'opcode 0 has no userland.id'],
    [
      '[{"op":"StepRun","id":"x","userland":{"id":"a","index":"1"}}]',
      'opcode 0 has userland.index of the wrong type: a string, not a number',
    ],
  ];

  for (const [body, message] of cases) {
    it(`${body || '(empty body)'}`, () => {
      expect(refusal(body)).toContain(message);
    });
  }

  it('counts the further problems after the first', () => {
    expect(refusal('[{"op":"Bogus"},{"id":1}]')).toBe(
      'opcode 0 has unknown op "Bogus" (and 3 more problems)',
    );
    expect(refusal('[{"op":"Bogus","id":"x"},{"id":"y"}]')).toBe(
      'opcode 0 has unknown op "Bogus" (and 1 more problem)',
    );
  });
});
