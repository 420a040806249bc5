#!/usr/bin/env node
/** `ncn`: the node's command line (program.ts). */
import { ncnProgram } from './program';

ncnProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(`ncn: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
