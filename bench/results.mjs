// bench/results.md: the machine, the Node version, the date and the Markdown sections of one run.
import os from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('./results.md', import.meta.url));

/**
 * The hand-written section of results.md: what several runs showed (ranges, variation), which one run cannot.
 * A new run replaces everything above it and keeps it, so the figures keep living in this one file.
 */
const NOTES_HEADING = '## Notes from earlier runs';

/** The notes section of the current results.md, heading included, or '' when there is none. */
function keptNotes() {
  if (!existsSync(RESULTS_FILE)) return '';
  const text = readFileSync(RESULTS_FILE, 'utf8');
  const start = text.indexOf(`\n${NOTES_HEADING}\n`);
  return start === -1 ? '' : text.slice(start + 1).trimEnd();
}

/** One line naming the machine (CPU model × count), the OS, the Node version and the date. */
export function machineMarkdown(date = new Date()) {
  const cpus = os.cpus();
  return `Machine: ${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length}, ${os.type()} ${os.release()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${date.toISOString()}.`;
}

/** Where a run starts: the date and the 1-minute load average, for writeResults. */
export function startRun() {
  return { startedAt: new Date(), loadAtStart: os.loadavg()[0] };
}

/**
 * Writes bench/results.md. `BENCH_NOTE` in the environment adds the conditions of the run worth
 * recording (a shared machine, other load at the same time).
 */
export function writeResults({ producedBy, startedAt, loadAtStart, sections }) {
  const seconds = ((Date.now() - startedAt.getTime()) / 1000).toFixed(0);
  // The load average tells a reader how much else competed for the CPUs during the run.
  const load = `Load average (1 min) at the start ${loadAtStart.toFixed(2)}, at the end ${os.loadavg()[0].toFixed(2)}.`;
  const note = process.env.BENCH_NOTE ? ` ${process.env.BENCH_NOTE}` : '';
  const notes = keptNotes();
  const text = [
    '# Benchmark results',
    '',
    machineMarkdown(startedAt),
    '',
    `Produced by \`${producedBy}\` in ${seconds} s. Absolute figures depend on the machine and on whatever else runs on it; ` +
      `every ratio is against a baseline measured in the same rounds. ${load}${note}`,
    '',
    sections.join('\n\n'),
    '',
    ...(notes ? [notes, ''] : []),
  ].join('\n');
  writeFileSync(RESULTS_FILE, text);
  return RESULTS_FILE;
}
