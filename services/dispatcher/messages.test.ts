import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { avroSchema } from '../../contracts/avro/schemas';
import { FieldPolicy } from '../../contracts/policy';
import { NodeIds } from '../../contracts/nodes';
import { Topic, nodeTopic } from '../../contracts/topics';
import type { MessaggioItem } from '../../contracts/avro/types';
import { dispatch } from './dispatch';
import { routeMessage } from '../../lib/items/routing';
import type { OutputRecord } from '../runtime/runner/types';

const xml = readFileSync(join(__dirname, '../../test/fixtures/xml/messaggio-valid.xml'), 'utf8');
const ctx = { now: Date.UTC(2026, 10, 20, 12), hash: (cf: string) => `hash(${cf})` };
const agency = { codiceFiscale: '01234567897', denominazione: 'Agenzia Lavoro Nord srl' };

const interest: MessaggioItem = {
  code: '0532026112000000000000001',
  tipo: 'INTEREST',
  node: '05',
  root: '0822026112000000000000001',
  about: '0822026112000000000000001',
  itemKind: 'VACANCY',
  owner: '15',
  intermediary: null,
  answers: null,
  answersNode: null,
  subjectHash: 'hash(00488410010)',
  receivedAt: ctx.now - 1_000,
  xml,
};
const reply: MessaggioItem = {
  ...interest,
  code: '0842026112000000000000001',
  tipo: 'REPLY',
  node: '15',
  answers: interest.code,
  answersNode: '05',
};

const data = (o: OutputRecord): Record<string, unknown> => (o.value as { data: Record<string, unknown> }).data;

describe('routeMessage (rule 10)', () => {
  const item = { kind: 'VACANCY' as const, owner: '15' as const, intermediary: null };

  it('sends a 03 to the item\u2019s owner, for its employer or worker, or for the intermediary it came through', () => {
    expect(routeMessage({ tipo: '03', sender: '05', item })).toMatchObject({
      node: '15',
      addressee: { party: 'EMPLOYER', denominazione: null },
    });
    expect(routeMessage({ tipo: '03', sender: '05', item: { ...item, kind: 'CANDIDATURA' } }).addressee.party).toBe(
      'WORKER',
    );
    expect(routeMessage({ tipo: '03', sender: '05', item: { ...item, intermediary: agency } })).toMatchObject({
      node: '15',
      addressee: { party: 'INTERMEDIARY', denominazione: agency.denominazione },
    });
  });

  it('sends a 04 back to the node of the 03 it answers, whoever owns the item', () => {
    expect(routeMessage({ tipo: '04', sender: '15', item, answersNode: '05' })).toMatchObject({
      node: '05',
      addressee: { party: 'INTERESTED' },
    });
  });

  it('never routes to the sender: those inputs are broken contracts', () => {
    expect(() => routeMessage({ tipo: '03', sender: '15', item })).toThrow(/its own item/);
    expect(() => routeMessage({ tipo: '04', sender: '05', item, answersNode: '05' })).toThrow(/to itself/);
    expect(() => routeMessage({ tipo: '04', sender: '15', item })).toThrow(/without the node/);
  });
});

describe('dispatching a contact message', () => {
  it('a 03: one MESSAGE delivery to the owner node and its audit event; nothing public, nothing to EURES', () => {
    const result = dispatch(undefined, { type: 'message', message: interest }, ctx);
    expect(result.next).toBeUndefined();
    expect(result.outputs.map((o) => o.topic)).toEqual([nodeTopic.out('15'), Topic.audit]);
    const [delivery, audit] = result.outputs as [OutputRecord, OutputRecord];
    expect(delivery.key).toBe(interest.root);
    expect(data(delivery)).toMatchObject({
      node: '15',
      action: 'MESSAGE',
      kind: 'MESSAGGIO',
      root: interest.root,
      code: interest.code,
      xml,
      deliveryId: `${interest.root}/${interest.code}/MESSAGE/15`,
      addressee: { party: 'EMPLOYER', denominazione: null },
    });
    expect(delivery.headers?.['ncn-delivery-id']).toBe(`${interest.root}/${interest.code}/MESSAGE/15`);
    expect(data(audit)).toMatchObject({
      event: 'MESSAGE_INTEREST',
      kind: 'VACANCY',
      root: interest.root,
      fromNode: '05',
      toNode: '15',
      subjectHash: 'hash(00488410010)',
    });
    expect(String(data(audit).rule)).toMatch(/^rule 10/);
  });

  it('a 04: one delivery back to the node of the 03, whatever the holding', () => {
    const result = dispatch(undefined, { type: 'message', message: reply }, ctx);
    expect(result.outputs.map((o) => o.topic)).toEqual([nodeTopic.out('05'), Topic.audit]);
    expect(data(result.outputs[0] as OutputRecord)).toMatchObject({ node: '05', code: reply.code });
    expect(data(result.outputs[1] as OutputRecord)).toMatchObject({
      event: 'MESSAGE_REPLY',
      fromNode: '15',
      toNode: '05',
    });
  });

  it('writes records the registered schemas take', () => {
    for (const message of [interest, { ...interest, intermediary: agency }, reply]) {
      const [delivery, audit] = dispatch(undefined, { type: 'message', message }, ctx).outputs as [
        OutputRecord,
        OutputRecord,
      ];
      expect(avro.Type.forSchema(avroSchema('it.ncn.NodeDelivery')).isValid(data(delivery))).toBe(true);
      expect(avro.Type.forSchema(avroSchema('it.ncn.AuditEvent')).isValid(data(audit))).toBe(true);
    }
    expect(avro.Type.forSchema(avroSchema('it.ncn.MessaggioItem')).isValid(interest)).toBe(true);
  });

  it('holds the message\u2019s personal data to the policy: the sender\u2019s contacts reach the addressed node only', () => {
    const sender = ['RSSMRA85T10A562S', 'Mario Rossi', 'Via Cavour 12', '3331234567', 'mario.rossi@example.it'];
    const text = 'sono interessato alla vostra offerta';
    expect(FieldPolicy.messageSender).toEqual({ node: 'addressee', eures: 'no', public: 'no', audit: 'no' });
    expect(FieldPolicy.messageText).toEqual({ node: 'addressee', eures: 'no', public: 'no', audit: 'no' });
    const outputs = dispatch(undefined, { type: 'message', message: interest }, ctx).outputs;
    const to = (topic: string | RegExp) =>
      JSON.stringify(
        outputs.filter((o) => (typeof topic === 'string' ? o.topic === topic : topic.test(o.topic))).map(data),
      );
    for (const value of [...sender, text]) {
      expect(to(nodeTopic.out('15'))).toContain(value);
      for (const node of NodeIds.filter((n) => n !== '15')) expect(to(nodeTopic.out(node))).not.toContain(value);
      expect(to(Topic.audit)).not.toContain(value);
      expect(to(Topic.public)).not.toContain(value);
      expect(to(Topic.euresOut)).not.toContain(value);
    }
  });
});
