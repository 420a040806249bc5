import { isNodeId } from '../../contracts/nodes';
import { Topic } from '../../contracts/topics';
import type { Messaggio } from '../../contracts/xml/messaggio.types';
import { routeMessage } from '../../lib/items/routing';
import type { OutputRecord } from '../runtime/runner/types';
import { IssueCode, error, type Issue } from '../../lib/xml/issues';
import { renderDocument } from '../../lib/xml/render';
import type { DocumentObject } from '../../lib/xml/to-object';
import { duplicate, receipt, reject, sha256, type Decision, type SubmissionInput } from './decision';
import type { MessageRecord, StateView } from './state';

const Path = {
  code: '/Messaggio/DatiSistema/codicemessaggio',
  previous: '/Messaggio/DatiSistema/codicemessaggioprecedente',
  item: '/Messaggio/Destinatario/Interlocutore/codiceoffertacandidatura',
} as const;

/**
 * The rules of a contact message that passed the schema and the document rules, with what ingest knows:
 * - its codicemessaggio is used once: the same bytes (or the same content) again from the same node are a
 *   DUPLICATE, anything else under a code already used (by a message or an item) is CODE_REUSED;
 * - the item it names must be known (MESSAGE_ITEM_UNKNOWN), not closed (MESSAGE_ITEM_CLOSED) and not past its
 *   expiry (MESSAGE_ITEM_EXPIRED) when the message is received;
 * - a 03 is about another node's item (MESSAGE_OWN_ITEM: a node's own items are its own business);
 * - a 04 answers, in codicemessaggioprecedente, a 03 that was delivered to the node now replying
 *   (REPLY_NOT_RECEIVED), about the same item (REPLY_ITEM_MISMATCH).
 * Accepted, it goes to ncn.messaggi keyed by the item's root (the dispatcher routes it with the item's facts
 * carried along), its record to ingest's changelog (which node it was routed to), and an ACCEPTED receipt.
 */
export function decideMessage(
  input: SubmissionInput,
  doc: Messaggio,
  view: StateView,
  context: { hash: string; warnings: readonly Issue[] },
): Decision {
  const { hash, warnings } = context;
  const system = doc.DatiSistema;
  const code = system.codicemessaggio;
  const tipo = system.tipocomunicazione === '04' ? '04' : '03';
  const about = doc.Destinatario.Interlocutore.codiceoffertacandidatura ?? '';
  const contentHash = sha256(JSON.stringify(doc));
  const base = { code, kind: 'MESSAGGIO' } as const;
  const refuse = (issueCode: Issue['code'], path: string, message: string, root?: string): Decision =>
    reject(input, hash, [error(issueCode, path, message)], { ...base, ...(root ? { root } : {}) });

  const earlier = view.message(code);
  if (earlier !== undefined) {
    if (earlier.node === input.node && (earlier.sha256 === hash || earlier.contentHash === contentHash)) {
      return duplicate(input, hash, { ...base, root: earlier.root });
    }
    return refuse(
      IssueCode.CodeReused,
      Path.code,
      `The code ${code} was already used for another message: every message needs a new code.`,
    );
  }
  if (view.code(code) !== undefined) {
    return refuse(IssueCode.CodeReused, Path.code, `The code ${code} is an item's code: a message needs its own.`);
  }

  const version = view.code(about);
  const item = version === undefined ? undefined : view.item(version.root);
  if (version === undefined || item === undefined) {
    return refuse(IssueCode.MessageItemUnknown, Path.item, `The item ${about} is not known to the node.`);
  }
  const root = item.root;
  if (item.closed) {
    return refuse(IssueCode.MessageItemClosed, Path.item, `The item ${about} is closed: it takes no messages.`, root);
  }
  if (item.expiresAt !== undefined && item.expiresAt !== null && item.expiresAt <= input.receivedAt.getTime()) {
    return refuse(
      IssueCode.MessageItemExpired,
      Path.item,
      `The item ${about} expired on ${new Date(item.expiresAt).toISOString()}: it takes no messages.`,
      root,
    );
  }

  let answered: MessageRecord | undefined;
  if (tipo === '03') {
    if (item.node === input.node) {
      return refuse(
        IssueCode.MessageOwnItem,
        Path.item,
        `The item ${about} is node ${input.node}'s own: a message of interest goes to another node's item.`,
        root,
      );
    }
  } else {
    const previous = system.codicemessaggioprecedente ?? '';
    answered = view.message(previous);
    if (answered === undefined || answered.tipo !== '03' || answered.to !== input.node) {
      return refuse(
        IssueCode.ReplyNotReceived,
        Path.previous,
        answered === undefined
          ? `The message ${previous} this replies to is not known to the node.`
          : answered.tipo !== '03'
            ? `The message ${previous} is a reply itself: a reply answers a message of interest (03).`
            : `The message ${previous} was delivered to node ${answered.to}, not to node ${input.node}: only its receiver may reply.`,
        root,
      );
    }
    if (answered.root !== root) {
      return refuse(
        IssueCode.ReplyItemMismatch,
        Path.item,
        `The message ${previous} is about the item ${answered.root}, not ${about}: a reply is about the same item.`,
        root,
      );
    }
  }

  const owner = item.node;
  const answersNode = answered?.node;
  if (!isNodeId(owner)) throw new Error(`item ${root}: '${owner}' is not a node`);
  const route = routeMessage({
    tipo,
    sender: input.node,
    item: { kind: item.kind === 'C' ? 'CANDIDATURA' : 'VACANCY', owner, intermediary: item.intermediary ?? null },
    answersNode,
  });
  const change: MessageRecord = {
    type: 'message',
    code,
    tipo,
    node: input.node,
    root,
    to: route.node,
    sha256: hash,
    contentHash,
  };
  const outputs: OutputRecord[] = [
    {
      topic: Topic.messaggi,
      key: root,
      value: {
        avro: 'it.ncn.MessaggioItem',
        data: {
          code,
          tipo: tipo === '03' ? 'INTEREST' : 'REPLY',
          node: input.node,
          root,
          about,
          itemKind: item.kind === 'C' ? 'CANDIDATURA' : 'VACANCY',
          owner,
          intermediary: item.intermediary ?? null,
          answers: answered?.code ?? null,
          answersNode: answersNode ?? null,
          subjectHash: item.subjectHash ?? null,
          receivedAt: input.receivedAt.getTime(),
          xml: renderDocument('Messaggio', doc as unknown as DocumentObject),
        },
      },
    },
    { topic: Topic.ingestItems, key: code, value: Buffer.from(JSON.stringify(change)) },
    receipt(input, 'ACCEPTED', { ...base, root, issues: warnings, hash }),
  ];
  return { kind: 'done', outcome: 'ACCEPTED', outputs, change };
}
