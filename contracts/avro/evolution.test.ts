import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro, { type Schema } from 'avsc';
import { avroSchema } from './schemas';

/**
 * The schemas that contact messages changed, against the version before them (kept, inlined, in
 * test/fixtures/avro): the new one reads every record of the old (BACKWARD, as the registry requires). The old
 * NodeDelivery's enums have no default, so a reader on it cannot take the new symbols: a node's reader moves to the
 * new version before the node sends it messages. From this version on the enums have a default.
 */
const previous = (file: string): avro.Type =>
  avro.Type.forSchema(JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/avro', file), 'utf8')) as Schema);

/** The schema with one more DeliveryAction symbol, as a later version might add. */
function withSymbol(schema: Schema, symbol: string): Schema {
  const copy = JSON.parse(JSON.stringify(schema)) as { fields: { name: string; type: { symbols: string[] } }[] };
  copy.fields.find((f) => f.name === 'action')?.type.symbols.push(symbol);
  return copy as unknown as Schema;
}

const delivery = {
  node: '05',
  action: 'UPSERT',
  kind: 'VACANCY',
  root: '0822026112000000000000001',
  code: '0822026112000000000000001',
  version: 1,
  rule: 'rule 2: a vacancy goes to every node but its sender, and EURES',
  xml: '<Vacancy/>',
  deliveredAt: Date.UTC(2026, 10, 20),
  deliveryId: '0822026112000000000000001/1/UPSERT/05',
  percettore: null,
};
const message = {
  ...delivery,
  node: '15',
  action: 'MESSAGE',
  kind: 'MESSAGGIO',
  code: '0532026112000000000000001',
  deliveryId: '0822026112000000000000001/0532026112000000000000001/MESSAGE/15',
  addressee: { party: 'EMPLOYER', denominazione: null },
};

describe('NodeDelivery and Receipt evolve for contact messages', () => {
  const current = avro.Type.forSchema(avroSchema('it.ncn.NodeDelivery'));
  const old = previous('node-delivery.previous.avsc');

  it('the new NodeDelivery reads what the previous one wrote (BACKWARD), with no addressee', () => {
    for (const action of ['UPSERT', 'WITHDRAW', 'CLOSE', 'EXPIRE']) {
      const bytes = old.toBuffer({ ...delivery, action });
      expect(current.fromBuffer(bytes, current.createResolver(old))).toMatchObject({ action, addressee: null });
    }
  });

  it('a reader still on the previous NodeDelivery cannot resolve the new version: readers move first', () => {
    // Its enums have no default, and the new version adds symbols to them: avsc refuses the resolution as a whole
    // (Java's Avro would refuse each record that uses a new symbol). The new version gives its enums a default, so
    // the next symbol added will not do this to readers of this one.
    expect(() => old.createResolver(current)).toThrow();
    const bytes = current.toBuffer(message);
    expect(current.fromBuffer(bytes)).toMatchObject({ action: 'MESSAGE', kind: 'MESSAGGIO' });
    const next = avro.Type.forSchema(withSymbol(avroSchema('it.ncn.NodeDelivery'), 'FORWARD_TEST'));
    expect(
      current.fromBuffer(next.toBuffer({ ...message, action: 'FORWARD_TEST' }), current.createResolver(next)),
    ).toMatchObject({
      action: 'UNKNOWN',
    });
  });

  it('Receipt: the new version reads old receipts and the old one reads new receipts of items', () => {
    const now = avro.Type.forSchema(avroSchema('it.ncn.Receipt'));
    const before = previous('receipt.previous.avsc');
    const receipt = {
      node: '05',
      code: '0822026112000000000000001',
      root: null,
      kind: 'VACANCY',
      outcome: 'ACCEPTED',
      issues: [],
      sha256: 'ab',
      partition: 0,
      offset: 1,
      receivedAt: Date.UTC(2026, 10, 20),
    };
    expect(now.fromBuffer(before.toBuffer(receipt), now.createResolver(before))).toMatchObject({ kind: 'VACANCY' });
    expect(before.fromBuffer(now.toBuffer(receipt), before.createResolver(now))).toMatchObject({ kind: 'VACANCY' });
    // The old version has a default for an unknown kind: it reads a message's receipt as UNKNOWN.
    expect(
      before.fromBuffer(now.toBuffer({ ...receipt, kind: 'MESSAGGIO' }), before.createResolver(now)),
    ).toMatchObject({ kind: 'UNKNOWN' });
  });
});
