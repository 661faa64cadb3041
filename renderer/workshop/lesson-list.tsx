import type { SandboxView } from '../../shared/model/workshop.model.ts';
import { ErrorBox } from '../ui/error-box.tsx';
import { WorkshopActionError } from './action-error.tsx';
import { useImages } from '../state/images.store.ts';
import { useNav } from '../state/nav.store.ts';
import { stepsRun, useWorkshop } from './workshop.store.ts';
import { sandboxWords } from './lesson-words.ts';
import { BusyLine } from '../ui/busy-line.tsx';

// One line on where the sandbox keeps keys and images, which sample images it has, and where the lesson stands.
export function SandboxStatus({ sandbox }: { sandbox: SandboxView }) {
  const lessons = useWorkshop((s) => s.lessons);
  const go = useNav((s) => s.go);
  const words = sandboxWords(sandbox);
  const images = Object.entries(sandbox.images);
  const lesson = lessons?.find((l) => l.id === sandbox.lessonId);
  const open = (reference: string) => {
    go('images');
    void useImages.getState().inspect(reference);
  };
  return (
    <div className="workshop-sandbox" data-testid="workshop-sandbox" data-active={String(sandbox.active)} data-key-store={sandbox.keyStore ?? ''} data-image-store={sandbox.imageStore ?? ''}>
      {sandbox.active ? (
        <p>
          <strong>Sandbox ready.</strong> Keys: {words.keyStore}. Images: {words.imageStore}.
          {lesson && ` Lesson “${lesson.title}”: ${sandbox.step} of ${lesson.steps.length} steps run.`}
        </p>
      ) : (
        <p>
          <strong>No sandbox is open.</strong> Starting a lesson makes one, with keys, sample images and an audit log of its own; your own keys, registries and audit log are not used.
        </p>
      )}
      {images.length > 0 && (
        <ul className="plain-list workshop-samples" aria-label="Sample images">
          {images.map(([name, reference]) => (
            <li key={name}>
              <span className="workshop-sample-name">{name}</span> <span className="mono small">{reference}</span>{' '}
              <button type="button" className="link" onClick={() => open(reference)}>
                Open in Images<span className="visually-hidden"> the sample image {name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {sandbox.notes.length > 0 && (
        <div className="notice notice-info" data-testid="workshop-notes">
          <strong>Notes</strong>
          <ul>
            {sandbox.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

// The lessons on offer, shipped and trainer-made, each with its size and a way to start it.
export function LessonList() {
  const { lessons, lessonsError, sandbox, busy, left, load, start, resume, leave } = useWorkshop();
  return (
    <>
      {left && (
        <div className="notice notice-info workshop-left" role="status" data-testid="workshop-left">
          <strong>You left the workshop.</strong> The sandbox is gone, and your own keys, registries and audit log are as they were before it started.
        </div>
      )}
      {sandbox && (
        <section className="card" aria-labelledby="workshop-sandbox-title">
          <h2 id="workshop-sandbox-title">Sandbox</h2>
          <SandboxStatus sandbox={sandbox} />
          {sandbox.active && (
            <div className="actions">
              <button type="button" className="secondary" onClick={() => void leave()} disabled={busy !== null}>
                {busy?.action === 'leave' ? 'Leaving…' : 'Leave workshop'}
              </button>
            </div>
          )}
        </section>
      )}
      <WorkshopActionError />
      {lessonsError && <ErrorBox error={lessonsError} onRetry={() => void load()} />}
      {lessons === null && !lessonsError && (
        <BusyLine text="Reading the lessons…" />
      )}
      {lessons && lessons.length === 0 && <p className="card muted">No lessons are available. Lesson files go in the lessons folder; any that could not be read are listed in the notes above.</p>}
      {lessons && lessons.length > 0 && (
        <section aria-labelledby="workshop-lessons-title">
          <h2 id="workshop-lessons-title" className="workshop-section-title">
            Lessons
          </h2>
          <ul className="plain-list workshop-lessons">
            {lessons.map((lesson) => {
              const underway = sandbox?.active === true && sandbox.lessonId === lesson.id;
              const done = underway ? stepsRun({ sandbox, lessonId: lesson.id }) : 0;
              return (
                <li key={lesson.id} className="card workshop-lesson" data-testid="workshop-lesson" data-lesson={lesson.id}>
                  <h3 id={`lesson-${lesson.id}`}>{lesson.title}</h3>
                  <p>{lesson.summary}</p>
                  <p className="muted">
                    {lesson.steps.length} {lesson.steps.length === 1 ? 'step' : 'steps'}
                    {underway ? `; under way in the sandbox, ${done} run` : ''}
                  </p>
                  <div className="actions">
                    <button type="button" onClick={() => void start(lesson.id)} disabled={busy !== null}>
                      {busy?.action === 'start' && busy.lessonId === lesson.id ? 'Starting…' : underway ? 'Start again' : 'Start'}
                      <span className="visually-hidden"> {lesson.title}</span>
                    </button>
                    {underway && (
                      <button type="button" className="secondary" onClick={() => resume(lesson.id)} disabled={busy !== null}>
                        Continue<span className="visually-hidden"> {lesson.title}</span>
                      </button>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </>
  );
}
