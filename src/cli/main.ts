#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { DurqError } from '../core/errors.js';
import { addCancelCommand } from './commands/cancel.js';
import { addRunCommand } from './commands/run.js';
import { addRunsCommand } from './commands/runs.js';
import { addSendCommand } from './commands/send.js';
import { addSyncCommand } from './commands/sync.js';
import { addServeCommand } from './commands/serve-command.js';
import { ServerReplyError } from './client.js';
import { EXIT, UsageError } from './usage.js';

/** durq's command line: serve, sync, send, runs, run, cancel. */
function packageVersion(): string {
  // dist/src/cli/main.js, src/cli/main.ts or any build folder: the nearest durq package.json up.
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    try {
      const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (p.name === 'durq' && p.version !== undefined) return p.version;
    } catch {
      // no package.json here; look one folder up
    }
    if (dirname(dir) === dir) return 'unknown';
  }
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
    .showHelpAfterError('(durq --help lists the commands)')
    .exitOverride();
  addServeCommand(program, version, exit);
  for (const add of [
    addSyncCommand,
    addSendCommand,
    addRunsCommand,
    addRunCommand,
    addCancelCommand,
  ])
    add(program);
  for (const cmd of program.commands)
    cmd.exitOverride().showHelpAfterError(`(durq ${cmd.name()} --help lists its options)`);
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
