/**
 * The door's cheap paths give the same answers as the exact ones: nesting from the raw bytes
 * equals the walk of the parsed value (brackets in strings and escapes do not count), and a body
 * small enough to skip per-event measuring cannot hold an event over the size limit.
 */
import { admit, DEFAULT_LIMITS, jsonDepth, rawJsonDepth } from '../../client/gateway/door';
import type { Message } from '../../activities/realtime/mapping';

const destination = { eventChoice: 'PutEvents' as const, trackingId: 'tracker-1', customMappings: [{ from: 'ITEM_ID', to: 'product_id' }] };

test('nesting from the raw bytes equals the nesting of the parsed value', () => {
  const bodies = [
    '{}',
    '[]',
    '{"a":1}',
    '{"a":{"b":[1,[2,{"c":3}]]}}',
    '{"s":"{[{[{[ not nesting ]}]}]}","t":{"u":"\\\\"}}',
    '{"s":"a \\" {[ quoted","n":[[[[]]]]}',
    '{"k":"\\\\\\"{{{","v":[{}]}',
    `{"deep":${'['.repeat(40)}${']'.repeat(40)}}`,
    '  { "spaced" : [ { } , { "x" : [ ] } ] }  ',
  ];
  for (const b of bodies) expect([b, rawJsonDepth(Buffer.from(b), 100)]).toEqual([b, jsonDepth(JSON.parse(b), 100)]);
  expect(rawJsonDepth(Buffer.from(`{"deep":${'['.repeat(40)}${']'.repeat(40)}}`), 32)).toBe(33); // stops once over
});

test('an event written by JSON.stringify is at most 6 × its bytes in the body + 64, so a small body needs no per-event measuring', () => {
  const bodies: Buffer[] = [
    Buffer.from('{"a":1e20,"b":1e20,"c":-1e20,"d":[1e20,1e20]}'),
    Buffer.from('{"e":1E9,"f":5e-7,"g":1e21}'),
    Buffer.from('{"s":"\\ud800\\u00e9\\n\\t"}'),
    Buffer.from([0x7b, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x80, 0x22, 0x7d]), // {"x":"<invalid UTF-8>"}
    Buffer.from('{}'),
  ];
  for (const raw of bodies) {
    const written = Buffer.byteLength(JSON.stringify({ ...(JSON.parse(raw.toString('utf8')) as object), type: 'identify' }));
    expect(written).toBeLessThanOrEqual(raw.length * 6 + 64);
  }
});

test('the size check is skipped only for small bodies; a large event is measured and refused', () => {
  const limits = { ...DEFAULT_LIMITS, eventBytes: 600 };
  const big: Message = { type: 'track', messageId: 'g', event: 'V', userId: 'u', properties: { product_id: 'i', pad: 'p'.repeat(700) } };
  const bytes = Buffer.byteLength(JSON.stringify(big));
  expect(admit([big], destination, limits, '2026-12-02T10:00:00.000Z', bytes).problems[0]!.errors[0]).toMatchObject({ field: '(event)', limit: 600 });
  expect(admit([big], destination, limits).problems[0]!.errors[0]).toMatchObject({ field: '(event)', limit: 600 });
  const small: Message = { ...big, properties: { product_id: 'i' } };
  expect(admit([small], destination, limits, '2026-12-02T10:00:00.000Z', 80)).toMatchObject({ problems: [], records: [{ messageId: 'g' }] });
});
