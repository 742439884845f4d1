import { Injectable } from '@nestjs/common';
import { type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, relative, resolve, sep } from 'node:path';
import { AppConfig } from '../platform/config';
import { InvalidInput } from '../platform/http/domain-error';
import { outside } from './analysis-input';
import { realOrNull } from './file-checksum';

/** The input folder (ANALYSIS_INPUT_DIR) as staff see it: the files they may pick, paths shown inside it. */
@Injectable()
export class AnalysisInputs {
  constructor(private readonly config: AppConfig) {}

  /**
   * Resolves names from the API against ANALYSIS_INPUT_DIR, refusing anything outside it, by name or by
   * where it really is: a symbolic link to /etc/passwd inside the folder is refused (issue 18, F9). The
   * real path is what gets opened. A missing file is passed on, for inspectFile to report.
   */
  serverFiles(names: string[]): string[] {
    const dir = this.config.analysis.inputDir;
    const realDir = realOrNull(dir) ?? dir;
    return names.map((n) => {
      const p = resolve(dir, n);
      if (outside(p, dir)) throw new InvalidInput(`${n}: outside the analysis input directory`);
      const real = realOrNull(p);
      if (real === null) return p;
      if (outside(real, realDir))
        throw new InvalidInput(`${n}: a link to a file outside the analysis input directory`);
      return real;
    });
  }

  /**
   * The log files staff may pick for a run: regular files directly in ANALYSIS_INPUT_DIR (no links, no
   * sub-folders), by name, with their size and time of last change; at most 1,000, by name.
   */
  async inputFiles(): Promise<Array<{ name: string; size: number; modifiedAt: string }>> {
    const dir = this.config.analysis.inputDir;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const files = entries
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort()
      .slice(0, 1000);
    return Promise.all(
      files.map(async (name) => {
        const st = await stat(resolve(dir, name));
        return { name, size: st.size, modifiedAt: st.mtime.toISOString() };
      }),
    );
  }

  /**
   * A server path as staff may see it: relative to the input folder, or only the file's name (issue 18,
   * F22: comms and support never see the server's layout).
   */
  displayPath(path: string): string {
    const dir = this.config.analysis.inputDir;
    for (const base of [realOrNull(dir) ?? dir, dir]) if (!outside(path, base)) return relative(base, path);
    return basename(path);
  }

  /** A message with the input folder's paths shortened as displayPath does. */
  displayText(text: string): string {
    const dir = this.config.analysis.inputDir;
    const real = realOrNull(dir) ?? dir;
    return [...new Set([real, dir])].reduce((t, d) => t.split(`${d}${sep}`).join(''), text);
  }
}
