import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Type } from 'avsc';
import { avroSchema } from '../../../contracts/avro/schemas';
import { comune } from '../../../contracts/tables/comuni';
import { Topic } from '../../../contracts/topics';
import { AvroSerde, valueSubject } from '../../runtime/avro-serde';
import { loadConfig } from '../../runtime/config';
import { createKafka } from '../../runtime/kafka';
import { createLogger } from '../../runtime/logger';
import { hasValidCheck } from '../../../lib/xml/codice-fiscale';
import { dateToDays } from '../../../lib/xml/rome-time';

interface IntermediaryInput {
  codiceFiscale: string;
  denominazione: string;
  indirizzo: string;
  idcomune: string;
  email: string;
  cap?: string;
  telefono?: string;
  fax?: string;
  accreditatoDal?: string;
  accreditatoAl?: string;
}

function toRecord(i: IntermediaryInput, where: string): Record<string, unknown> {
  const problems: string[] = [];
  if (!hasValidCheck(i.codiceFiscale ?? ''))
    problems.push(`codiceFiscale '${i.codiceFiscale}' is not a valid codice fiscale`);
  for (const field of ['denominazione', 'indirizzo', 'email'] as const)
    if (!i[field]) problems.push(`${field} is required`);
  if (comune(i.idcomune ?? '') === undefined)
    problems.push(`idcomune '${i.idcomune}' is not a Belfiore code of a comune`);
  if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
  return {
    codiceFiscale: i.codiceFiscale,
    denominazione: i.denominazione,
    indirizzo: i.indirizzo,
    idcomune: i.idcomune,
    cap: i.cap ?? null,
    telefono: i.telefono ?? null,
    fax: i.fax ?? null,
    email: i.email,
    accreditatoDal: dateToDays(i.accreditatoDal ?? new Date().toISOString().slice(0, 10)),
    accreditatoAl: i.accreditatoAl ? dateToDays(i.accreditatoAl) : null,
  };
}

const DryRunOption = ['--dry-run', 'check and encode, and say what would be published, publishing nothing'] as const;

/**
 * Publishes accreditations (and tombstones for removals) on ncn.intermediari and says what it did; a dry run
 * encodes the records with the contract's schema and says what it would publish, sending nothing (not even the
 * schema to the registry).
 */
async function publish(
  what: { records?: Record<string, unknown>[]; removals?: string[]; done: string; wouldDo: string },
  dryRun: boolean | undefined,
): Promise<void> {
  const { records = [], removals = [] } = what;
  if (dryRun === true) {
    const type = Type.forSchema(avroSchema('it.ncn.Intermediario'));
    for (const record of records) type.toBuffer(record);
    console.log(`${what.wouldDo} (dry run: nothing published to ${Topic.intermediari})`);
    return;
  }
  const config = loadConfig();
  const kafka = createKafka(config, createLogger('ncn-cli', 'error'));
  const serde = new AvroSerde(config.registry.url);
  const id = await serde.register(valueSubject(Topic.intermediari), avroSchema('it.ncn.Intermediario'));
  const producer = kafka.producer();
  await producer.connect();
  try {
    const messages = await Promise.all(
      records.map(async (r) => ({ key: String(r.codiceFiscale), value: await serde.encode(id, r) })),
    );
    await producer.send({
      topic: Topic.intermediari,
      messages: [...messages, ...removals.map((cf) => ({ key: cf, value: null }))],
    });
  } finally {
    await producer.disconnect();
  }
  console.log(what.done);
}

/** `ncn registry`: the accreditation registry of intermediaries (ncn.intermediari, compacted). */
export function registryCommand(program: Command): void {
  const registry = program
    .command('registry')
    .description('manage the accreditation registry of intermediaries (ncn.intermediari)')
    .addHelpText(
      'after',
      `
Examples:
  ncn registry add-intermediary --cf 00488410010 --name "Agenzia Spa" --address "Via Po 1" --comune L219 --email info@agenzia.it
  ncn registry load intermediari.json           # many at once (the file's form: ncn registry load --help)
  ncn registry load --dry-run intermediari.json # check the file, publish nothing
  ncn registry remove 00488410010               # end an accreditation`,
    );
  registry
    .command('add-intermediary')
    .description('accredit an intermediary (or replace its block)')
    .requiredOption('--cf <codice>', 'its codice fiscale (16 characters or 11 digits)')
    .requiredOption('--name <denominazione>', 'its name')
    .requiredOption('--address <indirizzo>', 'its address')
    .requiredOption('--comune <belfiore>', 'Belfiore code of the comune of the address')
    .requiredOption('--email <email>', 'where intermediated items are contacted')
    .option('--cap <cap>')
    .option('--phone <telefono>')
    .option('--fax <fax>')
    .option('--from <date>', 'accredited from (YYYY-MM-DD, default today)')
    .option(...DryRunOption)
    .action(
      async (o: {
        cf: string;
        name: string;
        address: string;
        comune: string;
        email: string;
        cap?: string;
        phone?: string;
        fax?: string;
        from?: string;
        dryRun?: boolean;
      }) => {
        const record = toRecord(
          {
            codiceFiscale: o.cf,
            denominazione: o.name,
            indirizzo: o.address,
            idcomune: o.comune,
            email: o.email,
            ...(o.cap ? { cap: o.cap } : {}),
            ...(o.phone ? { telefono: o.phone } : {}),
            ...(o.fax ? { fax: o.fax } : {}),
            ...(o.from ? { accreditatoDal: o.from } : {}),
          },
          'add-intermediary',
        );
        await publish(
          { records: [record], done: `accredited ${o.cf} (${o.name})`, wouldDo: `would accredit ${o.cf} (${o.name})` },
          o.dryRun,
        );
      },
    );
  registry
    .command('load')
    .description(
      'accredit the intermediaries of a JSON file: an array of {codiceFiscale, denominazione, indirizzo, idcomune, email, cap?, telefono?, fax?}',
    )
    .argument('<file>')
    .option(...DryRunOption)
    .action(async (file: string, options: { dryRun?: boolean }) => {
      const list = JSON.parse(readFileSync(file, 'utf8')) as IntermediaryInput[];
      if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON array of intermediaries`);
      const records = list.map((i, n) => toRecord(i, `${file}[${n}]`));
      await publish(
        {
          records,
          done: `accredited ${records.length} intermediaries from ${file}`,
          wouldDo: `would accredit ${records.length} intermediaries from ${file}`,
        },
        options.dryRun,
      );
    });
  registry
    .command('remove')
    .description('end the accreditation of an intermediary (a tombstone on the compacted topic)')
    .argument('<cf>')
    .option(...DryRunOption)
    .action(async (cf: string, options: { dryRun?: boolean }) => {
      await publish({ removals: [cf], done: `removed ${cf}`, wouldDo: `would remove ${cf}` }, options.dryRun);
    });
}
