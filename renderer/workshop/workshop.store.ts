import { create } from 'zustand';
import type { AppError } from '../../shared/errors.ts';
import type { IntentView } from '../../shared/model/intent.model.ts';
import type { Happened, Lesson, SandboxView, StepResult } from '../../shared/model/workshop.model.ts';
import { api } from '../api/client.ts';
import { asAppError } from '../state/request-state.ts';

/** idle: the step can be run; preparing: asking main what the step will do; review: main's intent on screen; running: main runs the step. */
export type StepPhase = 'idle' | 'preparing' | 'review' | 'running';
export type SandboxAction = 'start' | 'reset' | 'leave';

interface WorkshopState {
  lessons: Lesson[] | null;
  lessonsError: AppError | null;
  sandbox: SandboxView | null;
  sandboxError: AppError | null;
  /** The lesson on screen; null shows the lesson list. */
  lessonId: string | null;
  /** The step on screen, counted from 0; it can be ahead of or behind the steps that ran. */
  view: number;
  /** What each step that ran since the lesson's start showed, by step id. */
  results: Record<string, StepResult>;
  phase: StepPhase;
  review: { stepId: string; intent: IntentView } | null;
  stepError: { stepId: string; during: 'prepare' | 'run'; error: AppError } | null;
  happened: Happened | null;
  happenedOpen: boolean;
  happenedLoading: boolean;
  happenedError: AppError | null;
  presenter: boolean;
  busy: { action: SandboxAction; lessonId: string | null } | null;
  actionError: { action: SandboxAction; error: AppError } | null;
  /** What main answered when the workshop was left, until another lesson starts. */
  left: SandboxView | null;
  /** A short word after reset, for everyone watching. */
  notice: string | null;
  load(): Promise<void>;
  start(lessonId: string): Promise<void>;
  resume(lessonId: string): void;
  show(index: number): void;
  runStep(): Promise<void>;
  confirm(): Promise<void>;
  cancelReview(): void;
  reset(): Promise<void>;
  leave(): Promise<void>;
  backToLessons(): void;
  setPresenter(on: boolean): void;
  toggleHappened(): Promise<void>;
  refreshHappened(): Promise<void>;
  dismissError(): void;
}


/** Bumped by every start, reset and leave, so an answer about an earlier sandbox state never lands on a newer one. */
let epoch = 0;

// The lesson on screen, or null when the list is shown or the lesson is no longer offered.
export function currentLesson(state: Pick<WorkshopState, 'lessons' | 'lessonId'>): Lesson | null {
  return state.lessons?.find((l) => l.id === state.lessonId) ?? null;
}

// How many of the lesson's steps have run: main's count while its sandbox is on this lesson, none otherwise.
export function stepsRun(state: Pick<WorkshopState, 'sandbox' | 'lessonId'>): number {
  const sandbox = state.sandbox;
  return sandbox?.active && sandbox.lessonId === state.lessonId ? sandbox.step : 0;
}

export const useWorkshop = create<WorkshopState>((set, get) => ({
  lessons: null,
  lessonsError: null,
  sandbox: null,
  sandboxError: null,
  lessonId: null,
  view: 0,
  results: {},
  phase: 'idle',
  review: null,
  stepError: null,
  happened: null,
  happenedOpen: false,
  happenedLoading: false,
  happenedError: null,
  presenter: false,
  busy: null,
  actionError: null,
  left: null,
  notice: null,
  load: async () => {
    const [lessons, sandbox] = await Promise.allSettled([api.workshop.lessons({}), api.workshop.status({})]);
    set({
      lessons: lessons.status === 'fulfilled' ? lessons.value : get().lessons,
      lessonsError: lessons.status === 'rejected' ? asAppError(lessons.reason) : null,
      sandbox: sandbox.status === 'fulfilled' ? sandbox.value : get().sandbox,
      sandboxError: sandbox.status === 'rejected' ? asAppError(sandbox.reason) : null,
    });
    // A lesson already under way in main (the page was reloaded) opens where it stands.
    const state = get();
    const running = state.sandbox?.active ? state.sandbox.lessonId : null;
    const lesson = running ? state.lessons?.find((l) => l.id === running) : undefined;
    if (state.lessonId === null && lesson && state.sandbox) {
      set({ lessonId: lesson.id, view: Math.min(state.sandbox.step, lesson.steps.length - 1), results: {} });
      void get().refreshHappened();
    }
  },
  start: async (lessonId) => {
    if (get().busy) return;
    const mine = ++epoch;
    set({ busy: { action: 'start', lessonId }, actionError: null, notice: null });
    try {
      const sandbox = await api.workshop.start({ lessonId });
      if (mine !== epoch) return;
      set({ sandbox, lessonId, view: 0, results: {}, phase: 'idle', review: null, stepError: null, happened: null, happenedError: null, left: null, busy: null });
      void get().refreshHappened();
    } catch (error) {
      if (mine === epoch) set({ busy: null, actionError: { action: 'start', error: asAppError(error) } });
    }
  },
  resume: (lessonId) => {
    const lesson = get().lessons?.find((l) => l.id === lessonId);
    if (!lesson) return;
    const done = stepsRun({ sandbox: get().sandbox, lessonId });
    set({ lessonId, view: Math.min(done, lesson.steps.length - 1), phase: 'idle', review: null, stepError: null, notice: null, actionError: null });
    void get().refreshHappened();
  },
  show: (index) => {
    const lesson = currentLesson(get());
    const { phase } = get();
    if (!lesson || phase === 'preparing' || phase === 'running') return;
    const view = Math.max(0, Math.min(index, lesson.steps.length - 1));
    // A review belongs to its step: moving away drops it, and main lets the unconfirmed intent expire.
    set({ view, phase: 'idle', review: null, stepError: get().stepError?.stepId === lesson.steps[view]?.id ? get().stepError : null, notice: null });
  },
  runStep: async () => {
    const state = get();
    const lesson = currentLesson(state);
    const step = lesson?.steps[state.view];
    if (!lesson || !step || state.phase !== 'idle' || state.busy || state.results[step.id] || state.view !== stepsRun(state)) return;
    const mine = epoch;
    set({ phase: 'preparing', stepError: null, notice: null });
    let intent: IntentView | null;
    try {
      intent = await api.workshop.prepare({ lessonId: lesson.id, stepId: step.id });
    } catch (error) {
      if (mine === epoch) set({ phase: 'idle', stepError: { stepId: step.id, during: 'prepare', error: asAppError(error) } });
      return;
    }
    if (mine !== epoch) return;
    if (intent) {
      set({ phase: 'review', review: { stepId: step.id, intent } });
      return;
    }
    await runNow(lesson.id, step.id, undefined, mine);
  },
  confirm: async () => {
    const { review, phase, lessonId } = get();
    if (!review || phase !== 'review' || !lessonId) return;
    await runNow(lessonId, review.stepId, review.intent.intentId, epoch);
  },
  cancelReview: () => {
    if (get().phase === 'review') set({ phase: 'idle', review: null });
  },
  reset: async () => {
    const { busy, lessonId } = get();
    if (busy || !lessonId) return;
    const mine = ++epoch;
    set({ busy: { action: 'reset', lessonId }, actionError: null, phase: 'idle', review: null, stepError: null, notice: null });
    try {
      const sandbox = await api.workshop.reset({});
      if (mine !== epoch) return;
      set({ sandbox, view: 0, results: {}, happened: null, busy: null, notice: 'The sandbox is back at the start of the lesson: every step is ready to run again.' });
      void get().refreshHappened();
    } catch (error) {
      if (mine === epoch) set({ busy: null, actionError: { action: 'reset', error: asAppError(error) } });
    }
  },
  leave: async () => {
    if (get().busy) return;
    const mine = ++epoch;
    set({ busy: { action: 'leave', lessonId: null }, actionError: null, phase: 'idle', review: null, stepError: null, notice: null });
    try {
      const sandbox = await api.workshop.leave({});
      if (mine !== epoch) return;
      set({ sandbox, left: sandbox, lessonId: null, view: 0, results: {}, happened: null, happenedOpen: false, presenter: false, busy: null });
    } catch (error) {
      if (mine === epoch) set({ busy: null, actionError: { action: 'leave', error: asAppError(error) } });
    }
  },
  backToLessons: () => {
    if (get().phase === 'preparing' || get().phase === 'running') return;
    set({ lessonId: null, phase: 'idle', review: null, stepError: null, notice: null, presenter: false, happenedOpen: false });
  },
  setPresenter: (presenter) => set({ presenter }),
  toggleHappened: async () => {
    const open = !get().happenedOpen;
    set({ happenedOpen: open });
    if (open) await get().refreshHappened();
  },
  refreshHappened: async () => {
    const mine = epoch;
    set({ happenedLoading: true, happenedError: null });
    try {
      const happened = await api.workshop.happened({});
      if (mine === epoch) set({ happened, happenedLoading: false });
    } catch (error) {
      if (mine === epoch) set({ happenedLoading: false, happenedError: asAppError(error) });
    }
  },
  dismissError: () => set({ stepError: null, actionError: null }),
}));

// Runs one step (with its confirmed intent, if main asked for one), then reads main's count of steps run.
async function runNow(lessonId: string, stepId: string, intentId: string | undefined, mine: number): Promise<void> {
  useWorkshop.setState({ phase: 'running', stepError: null });
  let result: StepResult | null = null;
  let failure: AppError | null = null;
  try {
    result = await api.workshop.run(intentId ? { lessonId, stepId, intentId } : { lessonId, stepId });
  } catch (error) {
    failure = asAppError(error);
  }
  // The step stays busy until main's count is read, so the same step cannot be started twice in between.
  const sandbox = await api.workshop.status({}).catch((error: unknown) => asAppError(error));
  if (mine !== epoch) return;
  const status = 'active' in sandbox ? { sandbox, sandboxError: null } : { sandboxError: sandbox };
  if (result) {
    useWorkshop.setState({ ...status, results: { ...useWorkshop.getState().results, [stepId]: result }, happened: result.happened, happenedError: null, phase: 'idle', review: null });
  } else if (failure) {
    useWorkshop.setState({ ...status, phase: 'idle', review: null, stepError: { stepId, during: 'run', error: failure } });
  }
}
