import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LessonSchema, type Lesson } from '../../shared/model/workshop.model.ts';
import { describeIssues } from '../errors.ts';

const MAX_LESSON_BYTES = 256 * 1024;

/** The lessons on offer, and in words every file that could not be one. */
export interface Catalog {
  lessons: Lesson[];
  notes: string[];
}

// Lessons ship in build/lessons at the repository root, found from the source tree (main/workshop) and from the bundle (out/main/<host>) alike.
export function shippedLessonsFolder(): string | null {
  for (const relative of ['../../', '../../../']) {
    const root = new URL(relative, import.meta.url);
    try {
      const parsed = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { name?: string };
      const folder = new URL('build/lessons/', root);
      if (parsed.name === 'signet' && existsSync(folder)) return fileURLToPath(folder);
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * Reads the lessons each time they are asked for, so a trainer's new file shows up at once: those
 * shipped with Signet first, then `<data folder>/lessons/*.json`. A file that is not valid JSON or not
 * a valid lesson is reported and skipped; it never stops the others.
 */
export class LessonCatalog {
  private readonly shipped: string | null;
  private readonly own: string;

  constructor(shipped: string | null, own: string) {
    this.shipped = shipped;
    this.own = own;
  }

  async load(): Promise<Catalog> {
    const lessons: Lesson[] = [];
    const notes: string[] = [];
    if (!this.shipped) notes.push('The lessons shipped with Signet were not found next to the app.');
    for (const [folder, label] of [
      [this.shipped, 'shipped lesson'],
      [this.own, 'lesson'],
    ] as const) {
      if (!folder) continue;
      for (const file of await jsonFiles(folder)) {
        const path = join(folder, file);
        const lesson = await readLesson(path, (problem) => notes.push(`The ${label} file ${path} was skipped: ${problem}`));
        if (!lesson) continue;
        if (lessons.some((l) => l.id === lesson.id)) {
          notes.push(`The ${label} file ${path} was skipped: a lesson with the id "${lesson.id}" is already offered.`);
          continue;
        }
        lessons.push(lesson);
      }
    }
    return { lessons, notes };
  }
}

async function jsonFiles(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.json')).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

async function readLesson(path: string, problem: (text: string) => void): Promise<Lesson | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    problem(`it could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
    return null;
  }
  if (text.length > MAX_LESSON_BYTES) {
    problem(`it is larger than ${MAX_LESSON_BYTES / 1024} KiB.`);
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    problem(`it is not JSON (${(error as Error).message}).`);
    return null;
  }
  const parsed = LessonSchema.safeParse(raw);
  if (!parsed.success) {
    problem(describeIssues(parsed.error).slice(0, 5).join('; '));
    return null;
  }
  const lesson = parsed.data;
  const seen = new Set<string>();
  for (const step of lesson.steps) {
    if (seen.has(step.id)) {
      problem(`the step id "${step.id}" is used twice.`);
      return null;
    }
    seen.add(step.id);
    if (step.action.kind === 'require-signers' && step.action.threshold > step.action.keys.length) {
      problem(`the step "${step.id}" requires ${step.action.threshold} signers out of ${step.action.keys.length} keys.`);
      return null;
    }
  }
  return lesson;
}
