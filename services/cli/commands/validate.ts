import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { defaultLimits } from '../../../lib/xml/harden';
import { validateDocument, type Verdict } from '../../../lib/xml/validate';
import { table } from '../table';

interface FileVerdict {
  readonly file: string;
  readonly verdict: Verdict | undefined;
  readonly error?: string;
}

function human(results: readonly FileVerdict[]): string {
  const rows: string[][] = [];
  for (const { file, verdict, error } of results) {
    if (verdict === undefined) {
      rows.push([file, 'UNREADABLE', '', '', error ?? '']);
      continue;
    }
    const head = verdict.valid ? 'valid' : 'INVALID';
    if (verdict.issues.length === 0) rows.push([file, `${head} ${verdict.kind ?? ''}`.trim(), '', '', '']);
    verdict.issues.forEach((issue, i) =>
      rows.push([
        i === 0 ? file : '',
        i === 0 ? `${head} ${verdict.kind ?? ''}`.trim() : '',
        `${issue.severity === 'warning' ? '(warning) ' : ''}${issue.code}`,
        issue.path,
        issue.message,
      ]),
    );
  }
  return table(['file', 'verdict', 'code', 'path', 'message'], rows);
}

/** `ncn validate FILE...`: the verdict on documents of the standard (CV, vacancy, message); exit code 1 when any is invalid. */
export function validateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'check ClicLavoro XML documents, Candidatura (CV), Vacancy and Messaggio (03 interest, 04 reply), as the node does on submission: schema, then its rules',
    )
    .argument('<files...>', 'XML files, one document each')
    .option('--json', 'print JSON: one object per file with its issues')
    .option('--max-bytes <n>', 'size limit in bytes', String(defaultLimits.maxBytes))
    .addHelpText(
      'after',
      `
The kind is read from the root element and its namespace. A Messaggio must name the CV or vacancy it is about
(codiceoffertacandidatura of the Destinatario), and a reply (04) the message it answers (codicemessaggioprecedente);
whether those exist is the node's to check on submission. A file of another kind is reported as not a document of
the standard. INPS DID and CO UNILAV files are checked by \`ncn load inps|co --dry-run\`.

Examples:
  ncn validate cv.xml vacancy.xml               # a table of verdicts; exit code 1 when one is invalid
  ncn validate --json cv.xml                    # the verdict and every issue as JSON
  ncn validate message.xml                      # a Messaggio (a contact message): its schema, then its rules`,
    )
    .action((files: string[], options: { json?: boolean; maxBytes: string }) => {
      const maxBytes = Number(options.maxBytes);
      if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
        throw new Error(`--max-bytes must be a positive integer, got '${options.maxBytes}'`);
      }
      const results: FileVerdict[] = files.map((file) => {
        try {
          return { file, verdict: validateDocument(readFileSync(file), { ...defaultLimits, maxBytes }) };
        } catch (e) {
          return { file, verdict: undefined, error: `cannot read: ${(e as Error).message}` };
        }
      });
      if (options.json === true) {
        const out = results.map(({ file, verdict, error }) => ({
          file,
          valid: verdict?.valid ?? false,
          kind: verdict?.kind ?? null,
          issues: verdict?.issues ?? [],
          ...(error === undefined ? {} : { error }),
        }));
        console.log(JSON.stringify(out, null, 2));
      } else {
        console.log(human(results));
        const invalid = results.filter((r) => !r.verdict?.valid).length;
        console.log(`\n${results.length - invalid} valid, ${invalid} invalid`);
      }
      process.exitCode = results.every((r) => r.verdict?.valid === true) ? 0 : 1;
    });
}
