// What the results were measured on: the machine line of the table and `machine` in --json.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The machine a run was measured on. */
export interface MachineInfo {
  /** `uname -sr`, e.g. `Linux 6.18.44`. */
  kernel: string;
  /** Filesystem type holding the file (`ext4`, `xfs`, `tmpfs`...), or `block device`. */
  filesystem: string;
  cpus: number;
  cpuModel: string;
  node: string;
}

// mountinfo escapes blanks in paths as octal.
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The filesystem type of the mount holding `file` (longest matching mount point). */
export function filesystemOf(file: string): string {
  let real: string;
  try {
    if (fs.statSync(file).isBlockDevice()) return 'block device';
    real = fs.realpathSync(file);
  } catch {
    real = path.resolve(file);
  }
  let best = '';
  let type = 'unknown';
  try {
    for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const sep = line.indexOf(' - ');
      if (sep < 0) continue;
      const mountPoint = unescapeMount(line.slice(0, sep).split(' ')[4] ?? '');
      const inside = mountPoint === '/' || real === mountPoint || real.startsWith(mountPoint + '/');
      if (inside && mountPoint.length >= best.length) {
        best = mountPoint;
        type = line.slice(sep + 3).split(' ')[0];
      }
    }
  } catch {
    // not Linux-like /proc: leave it unknown
  }
  return type;
}

/** Describes this machine, for the file at `file`. */
export function machineInfo(file: string): MachineInfo {
  const cpus = os.cpus();
  return {
    kernel: `${os.type()} ${os.release()}`,
    filesystem: filesystemOf(file),
    cpus: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpuModel: (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
    node: process.version,
  };
}

/** `Linux 6.18.44 · ext4 · 2 CPUs (Intel Xeon ...) · node v20.20.2`. */
export function machineLine(m: MachineInfo): string {
  return `${m.kernel} · ${m.filesystem} · ${m.cpus} CPU${m.cpus === 1 ? '' : 's'} (${m.cpuModel}) · node ${m.node}`;
}
