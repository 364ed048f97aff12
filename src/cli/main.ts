#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { DurqError } from '../core/errors.js';
import { addClientCommands } from './commands/client-commands.js';
import { addServeCommand } from './commands/serve-command.js';
import { ServerReplyError } from './client.js';
import { EXIT, UsageError } from './usage.js';

/** durq's command line: `durq serve`, `durq sync`, `durq send`, `durq runs`, `durq run`, `durq cancel`. */
function packageVersion(): string {
  for (const up of ['..', join('..', '..'), join('..', '..', '..')]) {
    try {
      const p = JSON.parse(readFileSync(join(import.meta.dirname, up, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (p.name === 'durq' && p.version !== undefined) return p.version;
    } catch {
      // not here; look one folder up
    }
  }
  return 'unknown';
}

function exit(code: number): void {
  process.exitCode = code;
  // Flush stdout/stderr, then leave even if a socket or timer is still open.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

async function main(argv: string[]): Promise<void> {
  const version = packageVersion();
  const program = new Command('durq')
    .description('durq: a durable-function engine on Redis that runs Inngest SDK apps')
    .version(version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  addServeCommand(program, version, exit);
  addClientCommands(program);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(
        err.code,
      );
      return exit(ok ? EXIT.ok : EXIT.usage);
    }
    if (err instanceof UsageError) {
      process.stderr.write(`durq: ${err.message}\n`);
      return exit(EXIT.usage);
    }
    if (err instanceof ServerReplyError || err instanceof DurqError) {
      process.stderr.write(`durq: ${err.message}\n`);
      return exit(EXIT.failed);
    }
    process.stderr.write(`durq: ${(err as Error).stack ?? String(err)}\n`);
    return exit(EXIT.failed);
  }
}

void main(process.argv);
