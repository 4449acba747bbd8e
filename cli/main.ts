import { InputError } from '../domain/errors.js';
import { CommandFailure } from './command-failure.js';

/** One `review-cycle` subcommand: its usage line and what it does with the rest of the arguments. */
export interface Command {
  usage: string;
  summary: string;
  run(args: string[]): Promise<void>;
}

const commands: Record<string, () => Promise<Command>> = {
  train: async () => (await import('./train.js')).trainCommand,
  transform: async () => (await import('./transform.js')).transformCommand,
  explain: async () => (await import('./explain.js')).explainCommand,
  plot: async () => (await import('./plot.js')).plotCommand,
  reviewer: async () => (await import('./reviewer.js')).reviewerCommand,
  'a2i-template': async () => (await import('./a2i-template.js')).a2iTemplateCommand,
  pipeline: async () => (await import('./pipeline.js')).pipelineCommand,
  cycle: async () => (await import('./cycle.js')).cycleCommand,
  status: async () => (await import('./status.js')).statusCommand,
  tasks: async () => (await import('./tasks.js')).tasksCommand,
  task: async () => (await import('./task.js')).taskCommand,
  verdict: async () => (await import('./verdict.js')).verdictCommand,
  schedule: async () => (await import('./schedule.js')).scheduleCommand,
  history: async () => (await import('./history.js')).historyCommand,
};

function help(): string {
  return [
    'Usage: review-cycle <command> [options]',
    '',
    'Commands:',
    ...Object.keys(commands).map((name) => `  ${name}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name === undefined ? 1 : 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`review-cycle: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const command = await load();
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`Usage: review-cycle ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    await command.run(args);
    return 0;
  } catch (error) {
    // Bad input is the user's to fix: say what and where, without a stack trace.
    if (error instanceof InputError || (error instanceof TypeError && 'code' in error)) {
      console.error(`review-cycle ${name}: ${error.message}`);
      return 2;
    }
    if (error instanceof CommandFailure) {
      console.error(`review-cycle ${name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
